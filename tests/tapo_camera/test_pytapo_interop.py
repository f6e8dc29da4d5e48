"""Real, unmodified pytapo against the emulator: legacy and secure cameras."""

from __future__ import annotations

import pytest

from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.tapo_camera.conftest import options, pytapo_client, running


async def test_pytapo_picks_the_cameras_login_flow(emu: TapoCameraEmulator) -> None:
    async with pytapo_client(emu) as cam:
        info = await cam.call("getBasicInfo")
        transport = cam.client.transport
        assert transport.method == "pytapo"
        if emu.secure:
            assert transport.isSecureConnectionCached is True
            assert cam.client.getEncryptionMethod() == emu.opts.extra["hash"]
        else:
            assert transport.isSecureConnectionCached is False
    basic = info["device_info"]["basic_info"]
    assert basic["device_type"] == "SMART.IPCAMERA"
    assert basic["device_model"] == "C200"
    assert emu.sim_state()["logins"] == 1


async def test_pytapo_moves_the_motor(emu: TapoCameraEmulator) -> None:
    async with pytapo_client(emu) as cam:
        start = emu.sim_state()
        await cam.call("moveMotorStep", 90)
        after_step = emu.sim_state()
        assert after_step["tilt"] > start["tilt"]
        await cam.call("moveMotor", -20, 0)
        assert emu.sim_state()["pan"] == start["pan"] - 20
        await cam.call("calibrateMotor")
        assert (emu.sim_state()["pan"], emu.sim_state()["tilt"]) == (start["pan"], start["tilt"])


async def test_pytapo_end_of_travel_is_reported(emu: TapoCameraEmulator) -> None:
    async with pytapo_client(emu) as cam:
        with pytest.raises(Exception, match="Maximum Pan/Tilt range reached"):
            for _ in range(40):
                await cam.call("moveMotorStep", 90)
    assert emu.sim_state()["tilt"] == 114


async def test_pytapo_preset_round_trip(emu: TapoCameraEmulator) -> None:
    async with pytapo_client(emu) as cam:
        await cam.call("moveMotor", 40, 10)
        assert await cam.call("savePreset", "gate") is True
        presets = await cam.call("getPresets")
        assert list(presets.values()) == ["gate"]
        preset_id = next(iter(presets))
        await cam.call("calibrateMotor")
        await cam.call("setPreset", preset_id)
        assert (emu.sim_state()["pan"], emu.sim_state()["tilt"]) == (220, 67)
        assert await cam.call("deletePreset", preset_id) is True
        assert await cam.call("getPresets") == {}
        with pytest.raises(Exception, match="Preset ID was deleted"):
            await cam.call(
                "executeFunction",
                "motorMoveToPreset",
                {"preset": {"goto_preset": {"id": preset_id}}},
            )
        with pytest.raises(Exception, match="Preset ID not found"):
            await cam.call(
                "executeFunction", "motorMoveToPreset", {"preset": {"goto_preset": {"id": "77"}}}
            )


async def test_pytapo_privacy_mode_blocks_the_motor(emu: TapoCameraEmulator) -> None:
    async with pytapo_client(emu) as cam:
        await cam.call("setPrivacyMode", True)
        assert (await cam.call("getPrivacyMode"))["enabled"] == "on"
        assert emu.sim_state()["privacy"] is True
        with pytest.raises(Exception, match="Privacy mode is ON"):
            await cam.call("moveMotorStep", 0)
        await cam.call("setPrivacyMode", False)
        await cam.call("moveMotorStep", 0)
        assert emu.sim_state()["privacy"] is False


async def test_pytapo_led_and_motion_detection(emu: TapoCameraEmulator) -> None:
    async with pytapo_client(emu) as cam:
        await cam.call("setLEDEnabled", False)
        assert (await cam.call("getLED"))["enabled"] == "off"
        assert emu.sim_state()["led"] is False
        await cam.call("setMotionDetection", False)
        assert emu.sim_state()["motion_detection"] is False
        await cam.call("setMotionDetection", True, "high")
        motion = await cam.call("getMotionDetection")
        assert (motion["enabled"], motion["digital_sensitivity"]) == ("on", "80")


async def test_pytapo_reads_clock_events_and_recordings(emu: TapoCameraEmulator) -> None:
    emu.add_detection("motion")
    emu.add_detection("person")
    async with pytapo_client(emu) as cam:
        events = await cam.call("getEvents")
        assert [e["alarm_type"] for e in events] == [2, 6]
        assert all(e["end_time"] > e["start_time"] for e in events)
        days = await cam.call("getRecordingsList")
        assert len(days) == 3
        day = next(iter(days[-1].values()))["date"]
        clips = await cam.call("getRecordings", day)
        assert len(clips) == 2
        assert await cam.call("getDayNightMode") == "auto"
        await cam.call("setDayNightMode", "on")
        assert await cam.call("getDayNightMode") == "on"


async def test_pytapo_alarm_and_reboot(emu: TapoCameraEmulator) -> None:
    async with pytapo_client(emu) as cam:
        await cam.call("setAlarm", True, True, False)
        alarm = await cam.call("getAlarm")
        assert (alarm["enabled"], alarm["alarm_mode"]) == ("on", ["sound"])
        await cam.call("reboot")
    assert emu.sim_state()["reboots"] == 1


async def test_pytapo_wrong_password_is_refused() -> None:
    async with running(options("secure")) as emu:
        with pytest.raises(Exception, match="Invalid authentication data"):
            async with pytapo_client(emu, password="wrong"):
                pass
        assert emu.sim_state()["logins"] == 0


async def test_pytapo_sees_the_lockout() -> None:
    async with running(options("legacy", faults={"lockout"}, lockout_seconds=900)) as emu:
        with pytest.raises(Exception, match="Temporary Suspension: Try again in 900 seconds"):
            async with pytapo_client(emu):
                pass
