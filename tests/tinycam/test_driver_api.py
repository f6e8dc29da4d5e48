"""A tinyCam server behind camhub's API: the server, its cameras and their routes."""

from __future__ import annotations

from pathlib import Path

from camhub.sim import SimOptions
from camhub.sim.tinycam import TinyCamEmulator
from tests.conftest import in_process, make_settings
from tests.helpers.api_state import check_state, device_when

from .conftest import DOORBELL, FRONT_YARD


async def test_server_and_cameras_through_the_api(tmp_path: Path) -> None:
    async with TinyCamEmulator(SimOptions(extra={"scene": "quiet"})) as emu:
        server = {"name": "phone", "kind": "tinycam", "host": "127.0.0.1", "port": emu.port}
        server |= {"username": "admin", "password": "admin", "poll_interval": 0.3}
        async with in_process(make_settings(tmp_path / "d", devices=[server])) as hub:
            h = await hub.admin_headers()
            found = await device_when(hub.client, h, "phone", lambda d: "children" in d)
            await check_state(hub.client, h, found)
            assert found["state"]["children"] == {"devices": ["phone.front-yard", "phone.doorbell"]}
            assert "motion_detection" not in found["capabilities"]

            door = await device_when(hub.client, h, "phone.doorbell")
            await check_state(hub.client, h, door)
            assert "light" in door["capabilities"] and door["state"]["light"]["on"] is None
            post = hub.client.post
            r = await post(
                "/api/devices/phone.doorbell/light", headers=h, json={"on": True, "mode": "auto"}
            )
            assert r.status_code == 200 and emu.camera_by_id(DOORBELL).light == "auto"
            door = await device_when(
                hub.client, h, "phone.doorbell", lambda d: "light" in d["state"]
            )
            await check_state(hub.client, h, door)
            assert door["state"]["light"] == {
                "on": True,
                "mode": "auto",
                "modes": ["on", "off", "auto"],
            }
            r = await post(
                "/api/devices/phone.doorbell/light", headers=h, json={"on": True, "mode": "dim"}
            )
            assert r.status_code == 400 and emu.camera_by_id(DOORBELL).light == "auto"

            front = await device_when(hub.client, h, "phone.front-yard")
            await check_state(hub.client, h, front)
            assert front["state"]["ptz"]["can_zoom"] is True
            r = await post(
                "/api/devices/phone.front-yard/presets", headers=h, json={"name": "gate"}
            )
            assert r.json() == {"success": True, "id": "1", "name": "gate"}
            assert 1 in emu.camera_by_id(FRONT_YARD).presets

            r = await hub.client.get("/api/devices/phone/settings/schema", headers=h)
            assert r.status_code == 200 and r.json()["properties"]["tag"]["writeOnly"] is True
            r = await post("/api/devices/phone/settings", headers=h, json={"streamProfile": "4k"})
            assert r.status_code == 400 and r.json()["errors"][0].startswith("streamProfile: ")
