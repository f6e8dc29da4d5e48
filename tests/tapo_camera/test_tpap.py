"""Witness: pytapo 3.4.30's own TPAP client (SPAKE2+ login, AES-128-CCM channel)
against the emulator's ``--login tpap`` firmware."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.tapo_camera.conftest import options, pytapo_client, running


async def _login(emu: TapoCameraEmulator, params: dict[str, Any]) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emu.url}/", json={"method": "login", "params": params}, ssl=False) as r,
    ):
        answer: dict[str, Any] = await r.json()
        return answer


# md5: the C510W's credential, md5_hex(password); sha256: the C200 1.4.6's SHA-256-crypt
# shadow of SHA256_HEX_UPPER(password), announced in extra_crypt (pytapo tries md5 first).
@pytest.mark.parametrize("hash_name", ["md5", "sha256"])
async def test_pytapo_logs_in_with_tpap_and_drives_the_camera(hash_name: str) -> None:
    async with running(options("tpap", hash_name, model="C210")) as emu:
        async with pytapo_client(emu) as cam:
            assert cam.client.transport.method == "tpap"
            info = await cam.call("getBasicInfo")
            assert info["device_info"]["basic_info"]["device_model"] == "C210"
            await cam.call("setLEDEnabled", False)
            await cam.call("moveMotorClockWise")
            most = await cam.call("getMost")
            assert most["getLedStatus"][0]["led"]["config"]["enabled"] == "off"
            spec = await cam.call("getModuleSpec")  # a raw get, wrapped by pytapo
            assert spec["result"]["function"]["module_spec"]["ptz"] == "1"
        state = emu.sim_state()
        assert state["led"] is False and state["pan"] == 195
        assert state["logins"] == 1 and emu.auth.failures == 0


async def test_tpap_camera_refuses_the_older_logins() -> None:
    async with running(options("tpap", model="C210")) as emu:
        discover = await _login(emu, {"sub_method": "discover"})
        assert discover["error_code"] == 0 and 2 in discover["result"]["tpap"]["pake"]
        secure = {"cnonce": "AB" * 8, "encrypt_type": "3", "username": "admin"}
        assert (await _login(emu, secure))["error_code"] == -40211
        legacy = {"hashed": True, "password": "0" * 32, "username": "admin"}
        assert (await _login(emu, legacy))["error_code"] == -40211
        stranger = {
            "sub_method": "pake_register",
            "username": "x@example.com",
            "user_random": "AAAA",
            "passcode_type": "userpw",
        }
        assert (await _login(emu, stranger))["error_code"] == -40209


async def test_tpap_wrong_password_counts_and_locks_out() -> None:
    async with running(options("tpap", "md5", model="C210", max_attempts=3)) as emu:
        with pytest.raises(Exception, match="Invalid authentication data"):
            async with pytapo_client(emu, password="wrong"):
                pass
        # pytapo spent one attempt on each of the app's two passcodes
        assert emu.auth.failures == 2 and emu.sim_state()["locked_seconds"] == 0
        with pytest.raises(Exception, match="Temporary Suspension: Try again in"):
            async with pytapo_client(emu, password="wrong"):
                pass
        # locked: even the right password is turned away until the lockout ends
        with pytest.raises(Exception, match="Temporary Suspension: Try again in"):
            async with pytapo_client(emu):
                pass
        assert emu.sim_state()["logins"] == 0


async def test_tpap_refused_body_ends_the_session_and_pytapo_logs_in_again() -> None:
    async with running(options("tpap", "md5", model="C210")) as emu, pytapo_client(emu) as cam:
        await cam.call("getLED")
        cam.client.transport.seq -= 1  # replay the previous sequence number
        await cam.call("setLEDEnabled", False)
        assert emu.sim_state()["led"] is False
        assert emu.sim_state()["logins"] == 2 and emu.sim_state()["sessions"] == 1
        emu.set_fault("session-expiry")
        assert (await cam.call("getLED"))["enabled"] == "off"
        assert emu.sim_state()["logins"] == 3
