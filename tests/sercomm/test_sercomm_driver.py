"""The sercomm driver against the emulator, capability by capability, over real sockets."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest

from camhub.capabilities import (
    ArmState,
    Capability,
    LedState,
    MotionDetectionState,
    Preset,
    PresetsState,
    PtzState,
)
from camhub.drivers import driver_for
from camhub.drivers.sercomm.device import SercommCamera
from camhub.errors import Conflict, InvalidArgument, NotFound, Unsupported
from camhub.sim.sercomm import SercommEmulator
from camhub.sim.video import jpeg_size

from .conftest import PASSWORD, options

MakeCamera = Callable[..., SercommCamera]


async def test_kind_is_registered() -> None:
    assert driver_for("sercomm") is SercommCamera


async def test_connect_learns_model_and_pan_tilt(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    cam = make_camera(emu)
    await cam.connect()
    assert cam.model == "RC8230" and cam.firmware == "V1.0.15R00"
    assert {Capability.PTZ, Capability.PRESETS} <= cam.capabilities
    state = await cam.poll()
    assert state.get(ArmState) == ArmState(armed=False)
    motion = state.get(MotionDetectionState)
    assert motion is not None and motion.enabled is True
    assert state.get(PtzState) == PtzState(pan=0, tilt=0, can_zoom=False, estimated=True)
    assert state.vendor["firmware"] == "V1.0.15R00" and state.vendor["host_name"] == "MyCamera"


async def test_fixed_camera_refuses_ptz(make_camera: MakeCamera) -> None:
    async with SercommEmulator(options("RC8221")) as emu:
        cam = make_camera(emu)
        await cam.connect()
        assert cam.model == "RC8221"
        assert Capability.PTZ not in cam.capabilities
        with pytest.raises(Unsupported):
            await cam.ptz_step("left")
        with pytest.raises(Unsupported):
            await cam.list_presets()


async def test_snapshot_follows_jpeg_resolution(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    cam = make_camera(emu)
    await cam.connect()
    assert jpeg_size(await cam.snapshot()) == (1280, 720)
    await cam.update_settings({"JPEG.resolution": 3})
    assert jpeg_size(await cam.snapshot()) == (640, 480)


async def test_stream_source_gives_an_authenticated_mjpeg(
    emu: SercommEmulator, make_camera: MakeCamera, http: aiohttp.ClientSession
) -> None:
    cam = make_camera(emu)
    src = await cam.stream_source()
    assert PASSWORD not in repr(src)
    async with http.get(src.url, headers=src.headers, auth=src.auth) as resp:
        assert resp.status == 200
        assert resp.content_type == "multipart/x-mixed-replace"
        reader = aiohttp.MultipartReader.from_response(resp)
        part = await reader.next()
        assert isinstance(part, aiohttp.BodyPartReader)
        assert (await part.read())[:2] == b"\xff\xd8"


async def test_ptz_moves_the_camera(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    await cam.connect()
    await cam.ptz_step("left")
    assert (emu.pan, emu.tilt) == (-10, 0)
    await cam.ptz_step("up")
    assert (emu.pan, emu.tilt) == (-10, 10)
    await cam.ptz_move(20, -20, 0)  # diagonal: one DR move
    assert (emu.pan, emu.tilt) == (10, -10)
    await cam.ptz_move(5, 3, 0)
    assert (emu.pan, emu.tilt) == (15, -7)
    ptz = (await cam.poll()).get(PtzState)
    assert ptz is not None and (ptz.pan, ptz.tilt, ptz.estimated) == (15, -7, True)
    await cam.ptz_home()
    assert (emu.pan, emu.tilt, emu.last_preset) == (0, 0, 103)
    with pytest.raises(InvalidArgument):
        await cam.ptz_move(0, 65, 0)
    with pytest.raises(InvalidArgument):  # no zoom on a Sercomm camera
        await cam.ptz_move(0, 0, 5)
    with pytest.raises(InvalidArgument):
        await cam.ptz_step("zoom_in")
    assert (emu.pan, emu.tilt) == (0, 0)


async def test_built_in_presets(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    await cam.connect()
    presets = await cam.list_presets()
    assert [p.id for p in presets] == ["100", "101", "102", "103", "104"]
    await cam.ptz_move(30, 0, 0)
    await cam.goto_preset("104")
    assert (emu.last_preset, emu.sweeps, emu.pan) == (104, 1, 0)
    emu.groups["MOTION"]["md_point"] = "12,-5"
    await cam.goto_preset("100")
    assert (emu.pan, emu.tilt) == (12, -5)
    with pytest.raises(NotFound):
        await cam.goto_preset("7")
    with pytest.raises(InvalidArgument):  # built into the camera
        await cam.delete_preset("103")


async def test_saved_presets_live_in_the_ptz_group(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    cam = make_camera(emu)
    await cam.connect()
    await cam.ptz_move(20, 10, 0)
    gate = await cam.save_preset("Gate")
    assert gate == "1" and emu.groups["PTZ"]["Preset1Name"] == "Gate"
    assert emu.groups["PTZ"]["Preset1Position"] == "20,10"
    state = (await cam.poll()).get(PresetsState)
    assert state is not None and state.presets[-1] == Preset(id="1", name="Gate")

    # the camera is moved behind camhub's back: going to the preset still gets there
    emu.move_to(-40, -30)
    await cam.goto_preset(gate)
    assert (emu.pan, emu.tilt) == (20, 10)
    assert emu.last_preset is None  # home first (103), then the moves from home

    emu.groups["PTZ"]["Preset2Position"] = "-5,5"  # saved with the camera's own page
    assert [(p.id, p.name) for p in await cam.list_presets()][-2:] == [
        ("1", "Gate"),
        ("2", "Preset 2"),
    ]
    with pytest.raises(InvalidArgument) as err:  # the camera keeps 16 characters
        await cam.save_preset("x" * 17)
    assert err.value.errors == ["PTZ.Preset3Name: value out of range"]
    await cam.delete_preset(gate)
    assert emu.groups["PTZ"]["Preset1Position"] == "" and emu.groups["PTZ"]["Preset1Name"] == ""
    with pytest.raises(NotFound):
        await cam.goto_preset(gate)
    for i in range(1, 10):
        emu.groups["PTZ"][f"Preset{i}Position"] = "0,0"
    with pytest.raises(Conflict):
        await cam.save_preset("one too many")


async def test_arm_and_led(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    await cam.set_armed(True)
    assert emu.armed and (await cam.poll()).get(ArmState) == ArmState(armed=True)
    await cam.set_armed(False)
    assert not emu.armed
    await cam.set_led(False)
    assert emu.groups["SYSTEM"]["led_mode"] == "0"
    assert (await cam.poll()).get(LedState) == LedState(on=False)


async def test_motion_detection_in_percent(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    await cam.set_motion_detection(None, 80)
    assert {emu.groups["MOTION"][f"md_sensitivity{i}"] for i in range(1, 5)} == {"8"}
    await cam.set_motion_detection(False, None)
    assert emu.groups["MOTION"]["md_mode"] == "0"
    state = (await cam.poll()).get(MotionDetectionState)
    assert state == MotionDetectionState(enabled=False, sensitivity=80)
    emu.groups["MOTION"]["md_sensitivity1"] = "3"  # the camera's own page: 3 of 10
    state = (await cam.poll()).get(MotionDetectionState)
    assert state is not None and state.sensitivity == 30
    await cam.set_motion_detection(True, 1)  # the lowest percent is the camera's lowest
    assert emu.groups["MOTION"]["md_sensitivity1"] == "1" and emu.groups["MOTION"]["md_mode"] == "1"
    with pytest.raises(InvalidArgument):
        await cam.set_motion_detection(None, 101)


async def test_motion_windows_are_settings(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    new = await cam.update_settings(
        {"motion_windows": [{"id": 2, "enabled": True, "name": "Door", "area": [30, 60, 100, 120]}]}
    )
    assert emu.groups["MOTION"]["md_window2"] == "30,60,100,120"
    assert emu.groups["MOTION"]["md_switch2"] == "1"
    window = {
        "id": 2, "enabled": True, "name": "Door", "area": [30, 60, 100, 120],
        "threshold": 127, "sensitivity": 6,
    }  # fmt: skip
    assert new["motion_windows"][1] == window
    settings = await cam.get_settings()
    assert settings["motion_windows"][1] == window
    assert "md_window2" not in settings["MOTION"] and "md_mode" in settings["MOTION"]
    with pytest.raises(InvalidArgument) as err:
        await cam.update_settings(
            {
                "motion_windows": [
                    {"id": 1, "area": [0, 0, 640, 479], "name": "x" * 13},
                    {"id": 3, "sensitivity": 11, "enabled": "yes"},
                ]
            }
        )
    assert sorted(err.value.errors) == [
        "motion_windows.0.area: [x0, y0, x1, y1] with 0 <= x0 <= x1 <= 639 and 0 <= y0 <= y1"
        " <= 479",
        "motion_windows.0.name: String should have at most 12 characters",
        "motion_windows.1.enabled: Input should be a valid boolean",
        "motion_windows.1.sensitivity: Input should be less than or equal to 10",
    ]
    assert emu.groups["MOTION"]["md_window1"] == "0,0,639,479"


async def test_settings_validation_errors(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    settings = await cam.get_settings()
    assert settings["SYSTEM"]["host_name"] == "MyCamera"
    assert settings["USER"]["admin_password"] == "********"
    assert "SDCARD" not in settings and "PTZ" in settings
    changed = await cam.update_settings({"SYSTEM": {"host_name": "Porch Cam", "time_zone": 27}})
    assert changed["SYSTEM"]["host_name"] == "Porch Cam"
    with pytest.raises(InvalidArgument) as err:
        await cam.update_settings(
            {"VIDEO": {"exposure": 9}, "SYSTEM.cfg_ver": "x", "SYSTEM.bogus": 1}
        )
    assert sorted(err.value.errors) == [
        "SYSTEM.bogus: unknown key",
        "SYSTEM.cfg_ver: read-only",
        "VIDEO.exposure: value out of range",
    ]
    with pytest.raises(InvalidArgument) as err:
        await cam.update_settings({"SDCARD": {"sdcard_rec_enable": 1}, "VIDEO.text": "a\nb"})
    assert len(err.value.errors) == 2
    assert emu.groups["VIDEO"]["exposure"] == "4"


async def test_reboot_and_raw(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    await cam.reboot()
    assert emu.reboots == 1
    text = await cam.raw({"path": "/adm/get_group.cgi", "query": {"group": "MOTION.md_name1"}})
    assert text == "[MOTION]\nmd_name1=Window 1\n"
    assert "Reboot by user" in await cam.raw({"path": "/adm/log.cgi"})
    with pytest.raises(InvalidArgument):
        await cam.raw({"path": "http://elsewhere/"})
