"""The emulators' wire behaviour, seen with a plain HTTP client."""

from __future__ import annotations

import aiohttp
import pytest

from camhub.sim import SimOptions
from camhub.sim.tapo_smart import (
    TapoBulbEmulator,
    TapoPlugEmulator,
    TapoPowerStripEmulator,
    TapoStripEmulator,
)


async def test_plain_json_on_app_is_refused_with_1003() -> None:
    async with (
        TapoPlugEmulator() as emu,
        aiohttp.ClientSession() as http,
        http.post(f"{emu.url}/app", json={"method": "get_device_info"}) as resp,
    ):
        assert resp.status == 200
        assert await resp.json() == {"error_code": 1003}


async def test_requests_without_a_session_get_403() -> None:
    async with TapoBulbEmulator() as emu, aiohttp.ClientSession() as http:
        async with http.post(f"{emu.url}/app/request?seq=1", data=b"x" * 48) as resp:
            assert resp.status == 403
        async with http.post(f"{emu.url}/app/handshake1", data=b"short") as resp:
            assert resp.status == 400


async def test_handshake1_sets_session_cookie_with_timeout() -> None:
    opts = SimOptions(extra={"session_timeout": 1200})
    async with TapoPlugEmulator(opts) as emu, aiohttp.ClientSession() as http:
        async with http.post(f"{emu.url}/app/handshake1", data=bytes(16)) as resp:
            assert resp.status == 200
            assert len(await resp.read()) == 48
            cookie = resp.headers["Set-Cookie"]
        assert cookie.startswith("TP_SESSIONID=") and "TIMEOUT=1200" in cookie


async def test_wrong_handshake2_is_refused() -> None:
    async with TapoPlugEmulator() as emu, aiohttp.ClientSession() as http:
        async with http.post(f"{emu.url}/app/handshake1", data=bytes(16)) as resp:
            sid = resp.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        async with http.post(
            f"{emu.url}/app/handshake2", data=bytes(32), headers={"Cookie": f"TP_SESSIONID={sid}"}
        ) as resp:
            assert resp.status == 403


async def test_state_route_shows_children_and_models() -> None:
    async with (
        TapoPowerStripEmulator(SimOptions(model="P300")) as emu,
        aiohttp.ClientSession() as http,
    ):
        async with http.get(f"{emu.url}/__sim/state") as resp:
            state = await resp.json()
        assert state["kind"] == "tapo-power-strip" and state["model"] == "P300"
        assert [c["nickname"] for c in state["children"]] == ["Plug 1", "Plug 2", "Plug 3"]
        async with http.post(f"{emu.url}/__sim/fault?name=slow&on=1") as resp:
            assert (await resp.json())["faults"] == ["slow"]


def test_models_are_checked_per_kind() -> None:
    assert TapoStripEmulator().spec.model == "L930"
    assert TapoBulbEmulator(SimOptions(model="l510")).spec.model == "L510"
    with pytest.raises(ValueError, match="tapo-bulb models"):
        TapoBulbEmulator(SimOptions(model="P110"))
    with pytest.raises(ValueError, match="unknown faults"):
        TapoPlugEmulator(SimOptions(faults={"meltdown"}))


def test_start_with_a_fault_on() -> None:
    emu = TapoPlugEmulator(SimOptions(faults={"session-expiry"}))
    assert emu.klap.single_use is True
