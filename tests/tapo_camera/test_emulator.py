"""The emulator's API details, driven through pytapo's generic request methods."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest

from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.tapo_camera.conftest import options, pytapo_client, running


async def test_raw_get_set_do_forms(emu: TapoCameraEmulator) -> None:
    async with pytapo_client(emu) as cam:
        got = await cam.call("performRequest", {"method": "get", "led": {"name": ["config"]}})
        led = {".name": "config", ".type": "led", "enabled": "on"}
        assert got == {"led": {"config": led}, "error_code": 0}
        await cam.call("performRequest", {"method": "set", "led": {"config": {"enabled": "off"}}})
        assert emu.sim_state()["led"] is False
        step = {"movestep": {"direction": "0"}}  # pytapo's "clockwise": right
        await cam.call("performRequest", {"method": "do", "motor": step})
        assert emu.sim_state()["pan"] == 195


@pytest.mark.parametrize(
    ("request_body", "code"),
    [
        ({"method": "frobnicate", "led": {}}, -40105),
        ({"method": "get", "nonsense": {"name": ["x"]}}, -40106),
        ({"method": "get", "led": {"name": ["nothing"]}}, -40106),
        ({"method": "set", "led": {"nothing": {"enabled": "on"}}}, -40101),
        ({"method": "do", "motor": {"spin": {}}}, -40106),
    ],
)
async def test_unknown_methods_and_params(
    emu: TapoCameraEmulator, request_body: dict[str, object], code: int
) -> None:
    async with pytapo_client(emu) as cam:
        with pytest.raises(Exception, match=f'"error_code": {code}'):
            await cam.call("performRequest", request_body)


async def test_model_without_motor_says_not_supported() -> None:
    opts = options("legacy")
    opts.model = "C100"
    async with running(opts) as emu, pytapo_client(emu) as cam:
        with pytest.raises(Exception, match="-40210"):
            await cam.call("moveMotorStep", 0)


async def test_cruise_blocks_moves_until_stopped(emu: TapoCameraEmulator) -> None:
    async with pytapo_client(emu) as cam:
        await cam.call("setCruise", True, "x")
        assert emu.sim_state()["cruising"] == "x"
        # pytapo answers -64303 (patrol) by stopping the cruise and trying again
        await cam.call("moveMotorStep", 180)
        assert emu.sim_state()["cruising"] is None
        assert emu.sim_state()["pan"] == 165


async def test_secure_requests_need_a_fresh_seq() -> None:
    async with running(options("secure")) as emu, pytapo_client(emu) as cam:
        transport = cam.client.transport
        transport.seq -= 1  # replay the previous sequence number
        await cam.call("setLEDEnabled", False)  # pytapo logs in again after the 500
        assert emu.sim_state()["led"] is False
        assert emu.sim_state()["logins"] == 2


async def test_scripted_scene_logs_detections() -> None:
    async with running(options("legacy", detection_period=0.05)) as emu:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            kinds = {d.kind for d in emu.camera.detections.between(0, int(time.time()) + 1)}
            if {"motion", "person"} <= kinds:
                break
            await asyncio.sleep(0.01)
        assert {"motion", "person"} <= kinds
        async with pytapo_client(emu) as cam:
            found = await cam.call("getEvents")
        assert {e["alarm_type"] for e in found} == {2, 6}


async def test_discover_reply_counts_like_the_real_camera() -> None:
    async with running(options("secure", max_attempts=10)) as emu:
        async with pytapo_client(emu):
            pass
        # discover + challenge were login-phase requests; the login then reset the count
        assert emu.auth.failures == 0
        assert emu.sim_state()["logins"] == 1


async def _login(emu: TapoCameraEmulator, params: dict[str, object]) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emu.url}/", json={"method": "login", "params": params}, ssl=False) as r,
    ):
        answer: dict[str, Any] = await r.json()
        return answer


async def test_bad_credentials_answers_follow_the_seed_and_the_clients() -> None:
    # Legacy firmware: seed 000's "-40209: Invalid login credentials".
    async with running(options("legacy")) as emu:
        wrong = {"hashed": True, "password": "0" * 32, "username": "admin"}
        assert (await _login(emu, wrong))["error_code"] == -40209
    # Secure firmware: a wrong digest is answered like a stale nonce (-40413), as
    # python-kasa's camera transport observed; the challenge itself stays -40413.
    async with running(options("secure")) as emu:
        probe = {"cnonce": "AB" * 8, "encrypt_type": "3", "username": "admin"}
        data = (await _login(emu, probe))["result"]["data"]
        digest = "0" * 64 + "AB" * 8 + data["nonce"]
        refused = await _login(emu, {**probe, "digest_passwd": digest})
        assert refused["error_code"] == -40413
        assert emu.sim_state()["logins"] == 0
