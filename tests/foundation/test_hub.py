"""The hub with real devices: start-up, offline/recovery, reload without restart."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from camhub.sim import SimOptions
from camhub.sim.sercomm import SercommEmulator
from tests.conftest import DEFAULT_USERS, in_process, make_settings
from tests.helpers.net import free_port
from tests.helpers.wait import until


def cam(name: str, port: int, password: str = "pw", **kw: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "sercomm",
        "host": "127.0.0.1",
        "port": port,
        "username": "admin",
        "password": password,
        "poll_interval": 0.3,
        "timeout": 2,
        **kw,
    }


async def test_unreachable_device_does_not_block_start_and_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "camhub.hub")
    port = free_port()
    async with in_process(make_settings(tmp_path / "d", devices=[cam("porch", port)])) as hub:
        h = await hub.admin_headers()

        async def online() -> bool:
            r = await hub.client.get("/api/devices/porch", headers=h)
            return bool(r.json()["online"])

        r = await hub.client.get("/api/devices", headers=h)
        assert r.json()["devices"][0]["online"] is False
        async with SercommEmulator(SimOptions(port=port, username="admin", password="pw")):
            await until(online)
            d = (await hub.client.get("/api/devices/porch", headers=h)).json()
            assert "snapshot" in d["capabilities"] and d["lastError"] is None
        await until(lambda: _not(online))
        async with SercommEmulator(SimOptions(port=port, username="admin", password="pw")):
            await until(online)
    lines = [r.getMessage() for r in caplog.records if r.name == "camhub.hub"]
    assert sum("offline" in m for m in lines) == 2, lines  # once at start, once when it died
    assert sum("back online" in m for m in lines) == 2, lines
    assert not any("pw" in m.split(":")[-1] for m in lines)


async def _not(check: Callable[[], Awaitable[bool]]) -> bool:
    return not await check()


async def test_reload_config_adds_removes_changes_and_refuses_broken(tmp_path: Path) -> None:
    cfg_path = tmp_path / "camhub.json"
    async with (
        SercommEmulator(SimOptions(username="admin", password="pw")) as e1,
        SercommEmulator(SimOptions(username="admin", password="pw")) as e2,
    ):
        settings = make_settings(
            tmp_path / "d", devices=[cam("one", e1.port)], config_path=cfg_path
        )
        async with in_process(settings) as hub:
            h = await hub.admin_headers()

            async def state() -> dict[str, Any]:
                r = await hub.client.get("/api/devices", headers=h)
                return {d["name"]: d for d in r.json()["devices"]}

            async def all_online() -> bool:
                return all(d["online"] for d in (await state()).values())

            await until(all_online)

            def write(devices: list[dict[str, Any]]) -> None:
                raw = json.loads(cfg_path.read_text())
                raw["devices"] = devices
                cfg_path.write_text(json.dumps(raw))

            write([cam("two", e2.port)])
            r = await hub.client.post("/api/reload-config", headers=h)
            assert r.json() == {
                "success": True,
                "added": ["two"],
                "removed": ["one"],
                "changed": [],
            }
            assert list(await state()) == ["two"]
            await until(all_online)

            write([cam("two", e2.port, password="wrong")])
            r = await hub.client.post("/api/reload-config", headers=h)
            assert r.json()["changed"] == ["two"]

            async def refused() -> bool:
                d = (await hub.client.get("/api/devices/two", headers=h)).json()
                return d["online"] is False and d["lastError"] is not None

            await until(refused)

            cfg_path.write_text('{"devices": [{"name": "x", "kind": "warp-drive"}], "bogus": 1}')
            r = await hub.client.post("/api/reload-config", headers=h)
            assert r.status_code == 400
            body = r.json()
            assert body["error"] == "Invalid configuration"
            assert "bogus: Extra inputs are not permitted" in body["errors"]
            assert any(e.startswith("devices.0.kind:") for e in body["errors"])
            assert list(await state()) == ["two"]  # the running config stays


async def test_reload_changes_users(tmp_path: Path) -> None:
    cfg_path = tmp_path / "camhub.json"
    settings = make_settings(tmp_path / "d", config_path=cfg_path)
    async with in_process(settings) as hub:
        h = await hub.admin_headers()
        raw = json.loads(cfg_path.read_text())
        raw["users"] = [
            *DEFAULT_USERS,
            {"username": "new", "password": "new-pass-1", "role": "guest"},
        ]
        cfg_path.write_text(json.dumps(raw))
        assert (await hub.client.post("/api/reload-config", headers=h)).status_code == 200
        await hub.login("new", "new-pass-1")


async def test_a_locked_out_device_is_left_alone_until_the_lockout_ends(tmp_path: Path) -> None:
    from camhub.sim.tapo_camera import TapoCameraEmulator

    opts = SimOptions(
        username="admin",
        password="pw",
        faults={"lockout"},
        extra={"detection_period": 0, "lockout_seconds": 1800},
    )
    async with TapoCameraEmulator(opts) as emu:
        dev = {
            "name": "cam",
            "kind": "tapo-camera",
            "host": "127.0.0.1",
            "port": emu.port,
            "username": "admin",
            "password": "pw",
            "poll_interval": 0.2,
            "timeout": 2,
        }
        async with in_process(make_settings(tmp_path / "d", devices=[dev])) as hub:
            h = await hub.admin_headers()

            async def refused() -> bool:
                d = (await hub.client.get("/api/devices/cam", headers=h)).json()
                return d["lastError"] is not None

            await until(refused)
            d = (await hub.client.get("/api/devices/cam", headers=h)).json()
            assert "locked" in d["lastError"].lower() or "suspen" in d["lastError"].lower()
            # Not asked again for (about) the seconds the camera said.
            assert hub.state.hub.coordinator("cam")._delay() > 1000


async def test_a_configured_device_named_like_a_child_replaces_it(tmp_path: Path) -> None:
    from camhub.sim.tinycam import TinyCamEmulator

    cfg_path = tmp_path / "camhub.json"
    async with (
        TinyCamEmulator(SimOptions(username="admin", password="pw")) as tc,
        SercommEmulator(SimOptions(username="admin", password="pw")) as sc,
    ):
        server = {
            "name": "phone",
            "kind": "tinycam",
            "host": "127.0.0.1",
            "port": tc.port,
            "username": "admin",
            "password": "pw",
            "poll_interval": 0.3,
        }
        settings = make_settings(tmp_path / "d", devices=[server], config_path=cfg_path)
        async with in_process(settings) as hub:
            h = await hub.admin_headers()

            async def has_children() -> bool:
                d = (await hub.client.get("/api/devices/phone", headers=h)).json()
                return len(d.get("children", [])) == 2

            await until(has_children)
            child = (await hub.client.get("/api/devices/phone", headers=h)).json()["children"][0]
            old = hub.state.hub.coordinator(child)
            raw = json.loads(cfg_path.read_text())
            raw["devices"].append(cam(child, sc.port))
            cfg_path.write_text(json.dumps(raw))
            r = await hub.client.post("/api/reload-config", headers=h)
            assert r.status_code == 200 and r.json()["added"] == [child]
            assert old._task is None  # the child's poller was stopped, not leaked
            d = (await hub.client.get(f"/api/devices/{child}", headers=h)).json()
            assert d["kind"] == "sercomm" and "parent" not in d
