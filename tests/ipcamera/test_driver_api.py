"""An IP Camera phone behind camhub's API: typed state, torch and motion routes."""

from __future__ import annotations

from pathlib import Path

from camhub.sim.ipcamera import IpCameraEmulator
from tests.conftest import in_process, make_settings
from tests.helpers.api_state import check_state, device_when
from tests.ipcamera.conftest import PASSWORD, options


async def test_state_and_routes(tmp_path: Path) -> None:
    async with IpCameraEmulator(options()) as emu:
        assert isinstance(emu, IpCameraEmulator)
        cam = {"name": "phone", "kind": "ipcamera", "host": "127.0.0.1", "port": emu.port}
        cam |= {"password": PASSWORD}  # polled after each action; pushes in between
        async with in_process(make_settings(tmp_path / "d", devices=[cam])) as hub:
            h = await hub.admin_headers()
            found = await device_when(hub.client, h, "phone")
            await check_state(hub.client, h, found)
            assert found["state"]["light"] == {"on": False, "mode": "torch", "modes": ["torch"]}
            post = hub.client.post
            r = await post("/api/devices/phone/light", headers=h, json={"on": True})
            assert r.status_code == 200 and emu.settings["torchEnabled"] is True
            r = await post(
                "/api/devices/phone/motion_detection", headers=h, json={"sensitivity": 90}
            )
            assert r.status_code == 200 and emu.settings["motionSensitivity"] == 9
            # a poll now (after the one the action asked for): both changes are read back
            found = (await post("/api/devices/phone/refresh", headers=h)).json()
            assert found["state"]["motion_detection"]["sensitivity"] == 90
            assert found["state"]["light"]["on"] is True

            await emu.apply_settings({"motionEnabled": False})  # on the phone itself
            found = await device_when(
                hub.client, h, "phone", lambda d: not d["state"]["motion_detection"]["enabled"]
            )
            await check_state(hub.client, h, found)
            assert found["state"]["motion_detection"]["sensitivity"] == 90
            assert found["state"]["light"]["on"] is True
            schema = (await hub.client.get("/api/devices/phone/settings/schema", headers=h)).json()
            assert schema["properties"]["cameraId"]["enum"] == ["0", "1"]
