"""A Sercomm camera behind camhub's API: the typed state and the capability routes."""

from __future__ import annotations

from pathlib import Path

import jsonschema

from camhub.sim.base import SimOptions
from camhub.sim.sercomm import SercommEmulator
from tests.conftest import in_process, make_settings
from tests.helpers.api_state import check_state, device_when


async def test_state_and_routes(tmp_path: Path) -> None:
    opts = SimOptions(username="admin", password="pw", model="RC8230", extra={"scene": "quiet"})
    async with SercommEmulator(opts) as emu:
        cam = {"name": "porch", "kind": "sercomm", "host": "127.0.0.1", "port": emu.port}
        cam |= {"username": "admin", "password": "pw", "options": {"ptz_step": 7}}
        async with in_process(make_settings(tmp_path / "d", devices=[cam])) as hub:
            h = await hub.admin_headers()
            found = await device_when(hub.client, h, "porch")
            await check_state(hub.client, h, found)
            state = found["state"]
            assert state["motion_detection"]["sensitivity"] == 10 * int(
                emu.groups["MOTION"]["md_sensitivity1"]
            )
            assert state["ptz"] == {
                "pan": 0, "tilt": 0, "zoom": None, "can_zoom": False, "estimated": True,
            }  # fmt: skip
            assert state["vendor"]["info"]["model"] == "RC8230"

            post = hub.client.post
            r = await post(
                "/api/devices/porch/motion_detection", headers=h, json={"sensitivity": 40}
            )
            assert r.status_code == 200 and emu.groups["MOTION"]["md_sensitivity1"] == "4"
            r = await post(
                "/api/devices/porch/ptz", headers=h, json={"action": "step", "direction": "right"}
            )
            assert r.status_code == 200 and emu.pan == 7
            r = await post("/api/devices/porch/ptz", headers=h, json={"action": "move", "zoom": 2})
            assert r.status_code == 400 and r.json()["errors"] == ["zoom: not supported"]
            r = await post("/api/devices/porch/presets", headers=h, json={"name": "Gate"})
            assert r.json() == {"success": True, "id": "1", "name": "Gate"}
            r = await hub.client.get("/api/devices/porch/settings/schema", headers=h)
            settings = (await hub.client.get("/api/devices/porch/settings", headers=h)).json()
            jsonschema.validate(settings, r.json())

            found = await device_when(
                hub.client, h, "porch", lambda d: d["state"]["ptz"]["pan"] == 7
            )
            await check_state(hub.client, h, found)
            state = found["state"]
            assert state["motion_detection"]["sensitivity"] == 40
            assert state["presets"]["presets"][-1] == {"id": "1", "name": "Gate"}
