"""Faults in the emulators reach API users as clear errors, and the hub recovers."""

from __future__ import annotations

from pathlib import Path

from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator
from camhub.sim.tapo_smart import TapoPlugEmulator
from tests.conftest import in_process, make_settings
from tests.helpers.wait import until


async def test_vendor_errors_timeouts_drops_and_recovery(tmp_path: Path) -> None:
    cam_opts = SimOptions(
        username="admin",
        password="cam-pw",
        login="secure",
        extra={"slow_seconds": 3, "detection_period": 0},
    )
    plug_opts = SimOptions(
        username="me@example.com", password="plug-pw", model="P110", extra={"slow_seconds": 3}
    )
    async with TapoCameraEmulator(cam_opts) as cam, TapoPlugEmulator(plug_opts) as plug:
        devices = [
            {
                "name": "cam",
                "kind": "tapo-camera",
                "host": "127.0.0.1",
                "port": cam.port,
                "username": "admin",
                "password": "cam-pw",
                "timeout": 1,
                "poll_interval": 0.3,
            },
            {
                "name": "plug",
                "kind": "tapo-plug",
                "host": "127.0.0.1",
                "port": plug.port,
                "username": "me@example.com",
                "password": "plug-pw",
                "timeout": 1,
                "poll_interval": 0.3,
            },
        ]
        async with in_process(make_settings(tmp_path / "d", devices=devices)) as hub:
            h = await hub.admin_headers()
            c = hub.client

            async def online(name: str) -> bool:
                return bool((await c.get(f"/api/devices/{name}", headers=h)).json()["online"])

            await until(lambda: online("cam"))
            await until(lambda: online("plug"))
            step = {"action": "step", "direction": "left"}

            # The vendor's own refusal: privacy mode blocks the motor (-64324).
            assert (
                await c.post("/api/devices/cam/privacy", json={"on": True}, headers=h)
            ).status_code == 200
            r = await c.post("/api/devices/cam/ptz", json=step, headers=h)
            assert r.status_code == 502
            body = r.json()
            assert body["device"] == "cam" and body["code"] == -64324
            assert "privacy" in body["error"].lower()
            assert (
                await c.post("/api/devices/cam/privacy", json={"on": False}, headers=h)
            ).status_code == 200
            assert (await c.post("/api/devices/cam/ptz", json=step, headers=h)).status_code == 200

            # A session the camera expired is renewed without the user noticing.
            cam.set_fault("session-expiry")
            assert (await c.post("/api/devices/cam/ptz", json=step, headers=h)).status_code == 200

            # A device that hangs: 504 with its name, in bounded time.
            plug.set_fault("slow")
            r = await c.post("/api/devices/plug/power", json={"on": True}, headers=h)
            assert r.status_code == 504 and r.json()["device"] == "plug"
            plug.set_fault("slow", False)

            # A device that dies mid-reply: 502 with its name; offline; then recovery.
            cam.set_fault("drop")
            r = await c.post("/api/devices/cam/ptz", json=step, headers=h)
            assert r.status_code == 502 and r.json()["device"] == "cam"
            await until(lambda: _not(online("cam")))
            cam.set_fault("drop", False)
            await until(lambda: online("cam"))
            assert (await c.post("/api/devices/cam/ptz", json=step, headers=h)).status_code == 200
            assert (
                await c.post("/api/devices/plug/power", json={"on": True}, headers=h)
            ).status_code == 200
            assert plug.sim_state()["on"] is True


async def _not(aw: object) -> bool:
    return not await aw  # type: ignore[misc]
