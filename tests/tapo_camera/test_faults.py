"""Faults: what a user sees when the camera expires sessions, refuses, locks, stalls or drops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from camhub.errors import (
    DeviceAuthError,
    DeviceError,
    DeviceLockedOut,
    DeviceTimeout,
    DeviceUnreachable,
)
from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.tapo_camera.conftest import FLOW_IDS, FLOWS, MakeDevice, options, running


@pytest.mark.parametrize("fault", ["session-expiry", "bad-seq", "bad-tag"])
@pytest.mark.parametrize("login", ["legacy", "secure"])
async def test_session_loss_is_survived_by_logging_in_again(
    login: str, fault: str, make_device: MakeDevice
) -> None:
    async with running(options(login)) as emu:
        cam = make_device(emu)
        await cam.connect()
        emu.set_fault(fault)
        await cam.set_led(False)
        assert emu.sim_state()["led"] is False
        if fault == "session-expiry" or login == "secure":
            # the camera ended the session: the driver logged in again on its own
            assert emu.sim_state()["logins"] == 2
            assert fault not in emu.faults


@pytest.mark.parametrize(("login", "hash_name"), FLOWS, ids=FLOW_IDS)
async def test_wrong_password_is_an_auth_error(
    login: str, hash_name: str, make_device: MakeDevice
) -> None:
    async with running(options(login, hash_name)) as emu:
        with pytest.raises(DeviceAuthError) as caught:
            await make_device(emu, password="not-the-password").connect()
        assert not isinstance(caught.value, DeviceLockedOut)
        assert caught.value.device == "porch-cam"
        # not "Invalid nonce" or "Invalid stok value": what the user must fix
        assert "wrong password" in caught.value.message
        assert caught.value.code == -40209
        assert "not-the-password" not in str(caught.value.payload())
        assert emu.sim_state()["logins"] == 0


@pytest.mark.parametrize("login", ["legacy", "secure"])
async def test_repeated_bad_logins_lock_the_camera(login: str, make_device: MakeDevice) -> None:
    async with running(options(login, max_attempts=3, lockout_seconds=120)) as emu:
        bad = make_device(emu, password="guess")
        locked: DeviceLockedOut | None = None
        for _ in range(5):
            try:
                await bad.connect()
            except DeviceLockedOut as exc:
                locked = exc
                break
            except DeviceAuthError:
                continue
        assert locked is not None
        assert 0 < locked.seconds_left <= 120
        assert locked.payload()["secondsLeft"] == locked.seconds_left
        # even the right password is refused while the lock lasts
        with pytest.raises(DeviceLockedOut):
            await make_device(emu).connect()
        assert emu.sim_state()["locked_seconds"] > 0


async def test_lockout_fault(emu: TapoCameraEmulator, make_device: MakeDevice) -> None:
    emu.set_fault("lockout")
    with pytest.raises(DeviceLockedOut) as caught:
        await make_device(emu).connect()
    assert caught.value.seconds_left == 1800
    emu.set_fault("lockout", on=False)
    await make_device(emu).connect()


async def test_dropped_connection_then_recovery(
    emu: TapoCameraEmulator, make_device: MakeDevice
) -> None:
    cam = make_device(emu)
    await cam.connect()
    emu.set_fault("drop")
    with pytest.raises(DeviceUnreachable):
        await cam.poll()
    emu.set_fault("drop", on=False)
    assert (await cam.poll()).to_json()["led"] == {"on": True}


async def test_slow_camera_times_out_then_recovers(make_device: MakeDevice) -> None:
    async with running(options("secure", slow_seconds=3)) as emu:
        cam = make_device(emu, timeout=0.3)
        await cam.connect()
        emu.set_fault("slow")
        with pytest.raises(DeviceTimeout) as caught:
            await cam.set_privacy(True)
        assert isinstance(caught.value, TimeoutError)
        emu.set_fault("slow", on=False)
        await cam.set_privacy(True)
        assert emu.sim_state()["privacy"] is True


async def test_unreachable_camera(make_device: MakeDevice) -> None:
    async with running(options("secure")) as emu:
        port = emu.port
    cam = make_device(emu)
    assert cam.config.port == port
    with pytest.raises(DeviceUnreachable):
        await cam.connect()


async def test_faults_switch_over_http(emu: TapoCameraEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.url}/__sim/fault?name=drop&on=1", ssl=False) as r:
            assert (await r.json())["faults"] == ["drop"]
        async with http.get(f"{emu.url}/__sim/state", ssl=False) as r:
            state = await r.json()
    assert state["faults"] == ["drop"]
    assert {"pan", "tilt", "privacy", "led", "presets", "logins"} <= set(state)


def _each(reply: dict[str, object]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A camera answering every item of a multipleRequest with ``reply``."""

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        items = request["params"]["requests"]
        return {"error_code": 0, "result": {"responses": [dict(reply) for _ in items]}}

    return handle


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"error_code": 0, "result": {"responses": "nope"}}, "multipleRequest without a list"),
        ({"error_code": 0, "result": {"responses": []}}, "0 answers to 11"),
        (_each({"method": "getDeviceInfo", "error_code": 0}), "no device_info.basic_info"),
        (_each({"error_code": "x"}), "error_code of getDeviceInfo is not a number"),
        ({"error_code": "bad"}, "malformed reply"),
        ({"error_code": -40407}, "Other error"),
    ],
)
async def test_malformed_replies_are_device_errors(
    emu: TapoCameraEmulator, make_device: MakeDevice, answer: Any, message: str
) -> None:
    handle = answer if callable(answer) else lambda _request: answer
    emu.camera.handle = handle  # type: ignore[method-assign]
    with pytest.raises(DeviceError, match=message) as caught:
        await make_device(emu).connect()
    assert caught.value.device == "porch-cam"
