"""The Tapo camera's features through camhub's API (in-process app, lifespan running)
against the emulator: typed state, the routes the specs generate, and what the
camera does about them."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.conftest import in_process, make_settings
from tests.helpers.wait import until
from tests.tapo_camera.conftest import PASSWORD, options, running

NEW_FIRMWARE = "1.3.12 Build 250101 Rel.12345n(4555)"


@dataclass
class Api:
    client: httpx.AsyncClient
    headers: dict[str, str]

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(f"/api/devices/cam/{path}", headers=self.headers)

    async def post(self, path: str, body: Any = None) -> httpx.Response:
        return await self.client.post(f"/api/devices/cam/{path}", json=body, headers=self.headers)

    async def ok(self, path: str, body: Any = None) -> dict[str, Any]:
        r = await self.post(path, body)
        assert r.status_code == 200, r.text
        answer: dict[str, Any] = r.json()
        return answer

    async def device(self) -> dict[str, Any]:
        """Poll the camera now; its description as GET /api/devices/cam gives it."""
        r = await self.client.post("/api/devices/cam/refresh", headers=self.headers)
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
        return found

    async def state(self) -> dict[str, Any]:
        found: dict[str, Any] = (await self.device())["state"]
        return found


@contextlib.asynccontextmanager
async def camhub_for(emu: TapoCameraEmulator, tmp_path: Path) -> AsyncIterator[Api]:
    device = {
        "name": "cam",
        "kind": "tapo-camera",
        "host": "127.0.0.1",
        "port": emu.port,
        "username": "admin",
        "password": PASSWORD,
        "poll_interval": 600,
        "timeout": 5,
    }
    async with in_process(make_settings(tmp_path / "data", devices=[device])) as hub:
        api = Api(hub.client, await hub.admin_headers())

        async def online() -> bool:
            r = await hub.client.get("/api/devices/cam", headers=api.headers)
            return bool(r.json()["online"])

        await until(online, what="the camera online")
        yield api


def image(emu: TapoCameraEmulator, name: str) -> dict[str, Any]:
    found: dict[str, Any] = emu.camera.tree["image"][name]
    return found


async def test_every_feature_is_typed_state_valid_against_its_schema(tmp_path: Path) -> None:
    async with running(options("secure", model="C220")) as emu, camhub_for(emu, tmp_path) as api:
        described = await api.device()
        expected = {"light", "siren", "storage", "firmware", "settings", "events", "ptz"}
        assert expected <= set(described["capabilities"])
        r = await api.client.get("/api/capabilities", headers=api.headers)
        schemas = {c["name"]: c["state"] for c in r.json()["capabilities"]}
        state = described["state"]
        for cap, value in state.items():
            if cap != "vendor" and schemas.get(cap) is not None:
                jsonschema.validate(value, schemas[cap])
        assert state["light"] == {"on": True, "mode": "auto", "modes": ["auto", "ir"]}
        assert state["siren"] == {"on": False}
        assert state["storage"]["status"] == "ready" and state["storage"]["total_bytes"] > 0
        assert state["firmware"]["version"] == "1.2.5 Build 241224 Rel.40956n"
        types = {"motion", "person", "vehicle", "pet", "baby_cry", "sound", "tamper"}
        assert set(state["events"]["types"]) == types | {"line_crossing", "other"}


async def test_siren_is_the_cameras_manual_alarm(tmp_path: Path) -> None:
    async with running(options("secure", model="C200")) as emu, camhub_for(emu, tmp_path) as api:
        await api.ok("siren", {"on": True})
        assert emu.sim_state()["alarm"] is True
        assert (await api.state())["siren"] == {"on": True}
        await api.ok("siren", {"on": False})
        assert emu.sim_state()["alarm"] is False
        assert (await api.state())["siren"] == {"on": False}


async def test_night_vision_modes(tmp_path: Path) -> None:
    async with running(options("secure", model="C210")) as emu, camhub_for(emu, tmp_path) as api:
        await api.ok("light", {"on": False})  # day mode: the lamp stays off
        assert image(emu, "common")["inf_type"] == "off"
        assert (await api.state())["light"] == {"on": False, "mode": None, "modes": ["auto", "ir"]}
        await api.ok("light", {"on": True, "mode": "ir"})  # night mode now
        assert image(emu, "common")["inf_type"] == "on"
        assert image(emu, "switch")["night_vision_mode"] == "inf_night_vision"
        assert (await api.state())["light"]["mode"] == "ir"
        await api.ok("light", {"on": True})  # keeps the mode
        assert image(emu, "common")["inf_type"] == "on"
        await api.ok("light", {"on": True, "mode": "auto"})
        assert image(emu, "common")["inf_type"] == "auto"
        r = await api.post("light", {"on": True, "mode": "white"})  # no white lamp here
        assert r.status_code == 400 and "auto, ir" in r.json()["error"]
        assert image(emu, "common")["inf_type"] == "auto"


async def test_white_lamp_where_the_camera_has_one(tmp_path: Path) -> None:
    async with running(options("secure", model="C220")) as emu:
        # a C220 variant with the white lamp (as its capability would list it)
        lamps = ["inf_night_vision", "wtl_night_vision", "md_night_vision"]
        emu.camera.tree["image_capability"]["supplement_lamp"]["night_vision_mode_range"] = lamps
        emu.camera.choices["night_vision_mode"] = frozenset(lamps)
        async with camhub_for(emu, tmp_path) as api:
            assert (await api.state())["light"]["modes"] == ["auto", "ir", "white"]
            await api.ok("light", {"on": True, "mode": "white"})
            assert image(emu, "switch")["night_vision_mode"] == "wtl_night_vision"
            assert image(emu, "common")["inf_type"] == "on"
            assert (await api.state())["light"]["mode"] == "white"
            schema = (await api.get("settings/schema")).json()
            assert schema["properties"]["night_vision_lamp"]["enum"] == ["ir", "white", "smart"]
            await api.ok("settings", {"night_vision_lamp": "smart"})
            assert image(emu, "switch")["night_vision_mode"] == "md_night_vision"


async def test_settings_reach_the_camera(tmp_path: Path) -> None:
    async with running(options("secure", model="C220")) as emu, camhub_for(emu, tmp_path) as api:
        schema = (await api.get("settings/schema")).json()
        props = schema["properties"]
        assert props["image_flip"]["type"] == "boolean"
        assert props["vehicle_sensitivity"]["minimum"] == 1
        assert props["alarm_tone"]["enum"] == ["Siren", "Emergency", "Red Alert"]
        assert props["local_time"]["readOnly"] is True
        changes = {
            "name": "Porch",
            "image_flip": True,
            "time_zone": "Europe/Paris",
            "notifications": False,
            "auto_track": True,
            "person_detection": False,
            "vehicle_sensitivity": 80,
            "baby_cry_sensitivity": 90,
            "tamper_detection": True,
            "line_crossing_detection": True,
            "alarm_on_detection": True,
            "alarm_light": False,
            "alarm_volume": "low",
            "alarm_duration": 30,
            "alarm_tone": "Emergency",
            "osd_text_enabled": True,
            "osd_text": "Porch",
            "sd_loop_recording": False,
            "speaker_volume": 40,
            "firmware_auto_update": True,
        }
        settings = (await api.ok("settings", changes))["settings"]
        assert {k: settings[k] for k in changes} == {**changes, "baby_cry_sensitivity": 80}
        tree = emu.camera.tree
        assert tree["device_info"]["basic_info"]["device_alias"] == "Porch"
        assert tree["image"]["switch"]["flip_type"] == "center"
        assert tree["system"]["basic"]["zone_id"] == "Europe/Paris"
        assert tree["system"]["basic"]["timezone"] == "UTC+01:00"
        assert tree["msg_push"]["chn1_msg_push_info"]["notification_enabled"] == "off"
        assert tree["target_track"]["target_track_info"]["enabled"] == "on"
        assert tree["people_detection"]["detection"]["enabled"] == "off"
        assert tree["vehicle_detection"]["detection"]["sensitivity"] == "80"
        bcd = tree["sound_detection"]["bcd"]
        assert (bcd["sensitivity"], bcd["digital_sensitivity"]) == ("high", "80")
        assert tree["tamper_detection"]["tamper_det"]["enabled"] == "on"
        assert tree["linecrossing_detection"]["detection"]["enabled"] == "on"
        alarm = tree["msg_alarm"]["chn1_msg_alarm_info"]
        assert (alarm["enabled"], alarm["alarm_mode"], alarm["alarm_volume"]) == (
            "on",
            ["sound"],
            "low",
        )
        assert (alarm["alarm_duration"], alarm["alarm_type"]) == ("30", "1")
        label = tree["OSD"]["label_info"][0]["label_info_1"]
        assert (label["enabled"], label["text"]) == ("on", "Porch")
        assert tree["harddisk_manage"]["harddisk"]["loop"] == "off"
        assert tree["audio_config"]["speaker"]["volume"] == "40"
        assert tree["auto_upgrade"]["common"]["enabled"] == "on"
        again = (await api.get("settings")).json()
        assert {k: v for k, v in again.items() if k != "local_time"} == {
            k: v for k, v in settings.items() if k != "local_time"
        }  # the camera's clock ticks on
        assert (await api.device())["state"]["vendor"]["nickname"] == "Porch"


async def test_bad_settings_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    async with running(options("secure", model="C210")) as emu, camhub_for(emu, tmp_path) as api:
        before = emu.camera.present(emu.camera.tree)
        bad = {
            "image_flip": "sideways",
            "colour": "red",
            "local_time": "2020-01-01 00:00:00",
            "time_zone": "Mars/Olympus_Mons",
            "vehicle_sensitivity": 50,  # a C210 has no vehicle detection
            "tamper_sensitivity": 0,
            "osd_text": "x" * 16,
            "notifications": True,  # a good one: not written either
        }
        r = await api.post("settings", bad)
        assert r.status_code == 400
        errors = sorted(e.split(":")[0] for e in r.json()["errors"])
        assert errors == sorted(set(bad) - {"notifications"})
        assert "local_time: read-only" in r.json()["errors"]
        r = await api.post("settings", {"alarm_sound": False, "alarm_light": False})
        assert r.status_code == 400 and r.json()["errors"][0].startswith("alarm_sound:")
        assert (await api.post("settings", {})).status_code == 400
        assert emu.camera.present(emu.camera.tree) == before


async def test_sd_card_status_and_format(tmp_path: Path) -> None:
    opts = options("secure", model="C210", format_seconds=3600)
    async with running(opts) as emu, camhub_for(emu, tmp_path) as api:
        assert (await api.get("storage")).json()["status"] == "ready"
        r = await api.post("storage/format", {})
        assert r.status_code == 400 and "confirm" in r.json()["errors"][0]
        assert emu.sim_state()["sd_formats"] == 0
        await api.ok("storage/format", {"confirm": True})
        assert emu.sim_state()["sd_formats"] == 1
        storage = (await api.state())["storage"]
        assert (storage["status"], storage["progress"]) == ("formatting", 0)
        assert (await api.post("storage/format", {"confirm": True})).status_code == 409
        emu.finish_sd_format()
        storage = (await api.state())["storage"]
        assert storage["status"] == "ready" and storage["free_bytes"] <= storage["total_bytes"]


async def test_no_sd_card(tmp_path: Path) -> None:
    opts = options("legacy", model="C100", sd_card=False)
    async with running(opts) as emu, camhub_for(emu, tmp_path) as api:
        state = await api.state()
        assert state["storage"] == {
            "status": "absent",
            "total_bytes": None,
            "free_bytes": None,
            "progress": None,
        }
        r = await api.post("storage/format", {"confirm": True})
        assert r.status_code == 409 and "no storage medium" in r.json()["error"]


async def test_firmware_check_update_and_restart(tmp_path: Path) -> None:
    extra: dict[str, Any] = {"firmware_update": NEW_FIRMWARE, "upgrade_seconds": 3600}
    async with running(options("secure", model="C210", **extra)) as emu:
        old = emu.camera.firmware.version
        async with camhub_for(emu, tmp_path) as api:
            assert (await api.get("firmware")).json()["update_available"] is None
            r = await api.post("firmware", {"action": "update"})  # nothing known yet
            assert r.status_code == 409 and emu.sim_state()["firmware"] == old
            found = await api.ok("firmware", {"action": "check"})
            assert (found["update_available"], found["latest"]) == (True, NEW_FIRMWARE)
            assert (await api.state())["firmware"]["latest"] == NEW_FIRMWARE
            await api.ok("firmware", {"action": "update"})
            status = (await api.state())["firmware"]["status"]
            assert status in ("downloading", "installing")
            assert (await api.post("firmware", {"action": "update"})).status_code == 409
            emu.finish_upgrade()  # the camera restarts on the new firmware
            firmware = (await api.state())["firmware"]  # camhub logs in again
            assert (firmware["version"], firmware["status"]) == (NEW_FIRMWARE, "idle")
            assert firmware["update_available"] is None  # not asked about this version yet
            found = await api.ok("firmware", {"action": "check"})
            assert (found["update_available"], found["latest"]) == (False, None)
            assert emu.sim_state()["reboots"] == 1


async def test_detections_arrive_as_events_of_their_type(tmp_path: Path) -> None:
    async with running(options("secure", model="C220")) as emu, camhub_for(emu, tmp_path) as api:
        start = int(time.time())
        kinds = ["person", "vehicle", "pet", "baby_cry", "tamper", "line_crossing", "bark"]
        for offset, kind in enumerate(kinds):
            emu.add_detection(kind, start=start + offset)
        await api.device()  # a poll reads the detection log

        async def stored() -> list[dict[str, Any]]:
            r = await api.client.get("/api/events?device=cam&since=0", headers=api.headers)
            found: list[dict[str, Any]] = r.json()["events"]
            return found if len(found) == len(kinds) else []

        events = await until(stored, what="the detections stored")
        types = {e["type"] for e in events}
        assert types == {"person", "vehicle", "pet", "baby_cry", "tamper", "line_crossing", "sound"}
        bark = next(e for e in events if e["type"] == "sound")
        assert bark["data"]["sound"] == "bark"


@pytest.mark.parametrize("hash_name", ["md5", "sha256"])
async def test_a_tpap_camera_through_the_api(hash_name: str, tmp_path: Path) -> None:
    async with running(options("tpap", hash_name, model="C210")) as emu:
        async with camhub_for(emu, tmp_path) as api:
            assert (await api.state())["vendor"]["login"] == "tpap"
            await api.ok("siren", {"on": True})
            assert emu.sim_state()["alarm"] is True
            await api.ok("settings", {"osd_text": "Yard", "alarm_volume": "normal"})
            assert emu.camera.tree["OSD"]["label_info"][0]["label_info_1"]["text"] == "Yard"
            await api.ok("ptz", {"action": "step", "direction": "left"})
            assert emu.sim_state()["pan"] == 165
        assert emu.auth.failures == 0
