"""The emulated camera's features end to end, through unmodified pytapo: SD card and
recordings, firmware upgrade, manual alarm, time zone, and refusals per model."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from tests.tapo_camera.conftest import PyTapo, options, pytapo_client, running

NEW_FIRMWARE = "1.3.12 Build 250101 Rel.12345n(4555)"


async def _sd_status(cam: PyTapo) -> str:
    return str((await cam.call("getSDCard"))[0]["hd_info_1"]["status"])


async def test_formatting_the_sd_card_wipes_the_recordings() -> None:
    async with running(options("secure", model="C210", format_seconds=3600)) as emu:
        emu.add_detection("motion", start=int(time.time()) - 60)
        async with pytapo_client(emu) as cam:
            assert len(await cam.call("getRecordingsList")) == 3
            assert len(await cam.call("getEvents")) == 1
            await cam.call("format")
            assert await _sd_status(cam) == "formatting"
            with pytest.raises(Exception, match="-71115"):  # STORAGE_SD_LOADING
                await cam.call("getRecordingsList")
            emu.finish_sd_format()
            assert await _sd_status(cam) == "normal"
            today = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
            days = await cam.call("getRecordingsList")
            assert [next(iter(d.values()))["date"] for d in days] == [today]
            assert await cam.call("getEvents") == []
        assert emu.sim_state()["sd_formats"] == 1


async def test_no_sd_card_means_no_recordings() -> None:
    opts = options("legacy", model="C200", sd_card=False)
    async with running(opts) as emu, pytapo_client(emu) as cam:
        card = (await cam.call("getSDCard"))[0]["hd_info_1"]
        assert (card["status"], card["total_space"]) == ("offline", "0B")
        with pytest.raises(Exception, match="-71114"):
            await cam.call("getRecordingsList")
        with pytest.raises(Exception, match="-52409"):
            await cam.call("format")


async def test_firmware_check_download_upgrade_and_reboot() -> None:
    extra: dict[str, Any] = {"firmware_update": NEW_FIRMWARE, "upgrade_seconds": 3600}
    async with running(options("secure", model="C210", **extra)) as emu:
        async with pytapo_client(emu) as cam:
            before = await cam.call("getFirmwareUpdateStatus")
            assert before["cloud_config"]["upgrade_status"]["state"] == "normal"
            check = await cam.call("isUpdateAvailable")
            info = check["result"]["responses"][1]["result"]["cloud_config"]["upgrade_info"]
            assert info["version"] == NEW_FIRMWARE and "release_log" in info
            await cam.call("startFirmwareUpgrade")
            status = await cam.call("getFirmwareUpdateStatus")
            assert status["cloud_config"]["upgrade_status"]["state"] in ("downloading", "upgrading")
            emu.finish_upgrade()  # the camera reboots on the new firmware
            status = await cam.call("getFirmwareUpdateStatus")  # pytapo logs in again
            assert status["cloud_config"]["upgrade_status"]["state"] == "normal"
            basic = (await cam.call("getBasicInfo"))["device_info"]["basic_info"]
            assert basic["sw_version"] == NEW_FIRMWARE
            with pytest.raises(Exception, match="No new firmware available"):
                await cam.call("startFirmwareUpgrade")
        assert emu.sim_state()["reboots"] == 1


async def test_manual_alarm_sounds_until_stopped() -> None:
    async with running(options("secure", model="C200")) as emu, pytapo_client(emu) as cam:
        await cam.call("startManualAlarm")
        assert emu.sim_state()["alarm"] is True
        await cam.call("stopManualAlarm")
        assert emu.sim_state()["alarm"] is False


async def test_time_zone_and_daylight_saving() -> None:
    async with running(options("legacy", model="C100")) as emu, pytapo_client(emu) as cam:
        await cam.call("setTimezone", "UTC+01:00", "Europe/Paris")
        dst = (await cam.call("getDSTRule"))["system"]["dst"]
        assert dst["dst_rule"] == "DST-02:00,M3.5.0/02:00:00,M10.5.0/03:00:00"
        clock = (await cam.call("getTime"))["system"]["clock_status"]
        local = dt.datetime.fromtimestamp(clock["seconds_from_1970"], dt.UTC).astimezone(
            emu.camera.clock.tzinfo()
        )
        assert clock["local_time"] == local.strftime("%Y-%m-%d %H:%M:%S")
        with pytest.raises(Exception, match="-40210"):
            await cam.call("setTimezone", "UTC+01:00", "Mars/Olympus_Mons")
        assert emu.camera.tree["system"]["basic"]["zone_id"] == "Europe/Paris"


@pytest.mark.parametrize(
    ("model", "method", "args"),
    [
        ("C200", "getPersonDetection", ()),  # no people detection on a C200
        ("C200", "setTamperDetection", (True,)),
        ("C100", "moveMotor", (10, 0)),  # no motor on a C100
        ("C100", "getAutoTrackTarget", ()),
        ("C210", "getVehicleDetection", ()),
    ],
)
async def test_features_a_model_lacks_are_refused(model: str, method: str, args: Any) -> None:
    async with running(options("secure", model=model)) as emu, pytapo_client(emu) as cam:
        with pytest.raises(Exception, match='"error_code": -40210'):
            await cam.call(method, *args)


async def test_bad_sets_write_nothing() -> None:
    async with running(options("secure", model="C210")) as emu, pytapo_client(emu) as cam:
        before = emu.camera.present(emu.camera.tree)
        bad: list[tuple[dict[str, Any], int]] = [
            ({"image": {"switch": {"flip_type": "sideways"}}}, -40210),  # not a flip type
            ({"image": {"switch": {"force_wtl_state": "on"}}}, -40101),  # no white lamp
            ({"led": {"config": {"enabled": "on"}, "colour": {"x": 1}}}, -40101),
            ({"msg_alarm": {"chn1_msg_alarm_info": {"alarm_mode": ["siren"]}}}, -40210),
            ({"motion_detection": {"motion_det": {"digital_sensitivity": "900"}}}, -40210),
        ]
        for body, code in bad:
            with pytest.raises(Exception, match=f'"error_code": {code}'):
                await cam.call("performRequest", {"method": "set", **body})
        assert emu.camera.present(emu.camera.tree) == before


async def test_get_answers_the_sections_it_has() -> None:
    async with running(options("secure", model="C210")) as emu, pytapo_client(emu) as cam:
        both = {"method": "get", "device_info": {"name": ["basic_info", "info"]}}
        got = await cam.call("performRequest", both)
        assert set(got["device_info"]) == {"basic_info"}
        with pytest.raises(Exception, match='"error_code": -40106'):
            await cam.call("performRequest", {"method": "get", "device_info": {"name": ["info"]}})


async def test_newer_firmware_answers_without_section_names() -> None:
    async with running(options("secure", model="C220")) as emu, pytapo_client(emu) as cam:
        assert await cam.call("getLED") == {"enabled": "on"}
        assert (await cam.call("getVehicleDetection"))["enabled"] == "off"
        await cam.call("setPetDetection", True, "high")
        assert (await cam.call("getPetDetection"))["sensitivity"] == "80"


async def test_firmware_answering_single_requests_in_plain_json() -> None:
    opts = options("secure", model="C210", plain_single_replies=True)
    async with running(opts) as emu, pytapo_client(emu) as cam:
        spec = await cam.call("getModuleSpec")  # a raw get: answered unencrypted
        assert spec["function"]["module_spec"]["ptz"] == "1"
        assert (await cam.call("getLED"))["enabled"] == "on"  # multipleRequest: encrypted
