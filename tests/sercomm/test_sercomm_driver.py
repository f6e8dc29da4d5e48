"""The sercomm driver against the emulator, capability by capability, over real sockets."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest

from camhub.capabilities import Capability
from camhub.drivers import driver_for
from camhub.drivers.sercomm.device import SercommCamera
from camhub.errors import InvalidArgument, NotFound, Unsupported
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
    assert state["armed"] is False and state["motion_enabled"] is True
    assert state["position"]["pan"] == 0


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
    await cam.ptz_move(20, -20)  # diagonal: one DR move
    assert (emu.pan, emu.tilt) == (10, -10)
    await cam.ptz_move(5, 3)
    assert (emu.pan, emu.tilt) == (15, -7)
    assert (await cam.poll())["position"] == {"pan": 15, "tilt": -7, "estimated": True}
    await cam.ptz_home()
    assert (emu.pan, emu.tilt, emu.last_preset) == (0, 0, 103)
    with pytest.raises(InvalidArgument):
        await cam.ptz_move(0, 65)


async def test_presets(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    await cam.connect()
    presets = await cam.list_presets()
    assert [p["id"] for p in presets] == ["100", "101", "102", "103", "104"]
    await cam.ptz_move(30, 0)
    await cam.goto_preset("104")
    assert (emu.last_preset, emu.sweeps, emu.pan) == (104, 1, 0)
    emu.groups["MOTION"]["md_point"] = "12,-5"
    await cam.goto_preset("100")
    assert (emu.pan, emu.tilt) == (12, -5)
    with pytest.raises(NotFound):
        await cam.goto_preset("7")


async def test_arm_and_led(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    await cam.set_armed(True)
    assert emu.armed and (await cam.poll())["armed"] is True
    await cam.set_armed(False)
    assert not emu.armed
    await cam.set_led(False)
    assert emu.groups["SYSTEM"]["led_mode"] == "0"
    assert (await cam.poll())["led"] is False


async def test_motion_windows(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu)
    new = await cam.set_motion_detection(
        {
            "sensitivity": 8,
            "windows": [{"id": 2, "enabled": True, "name": "Door", "area": [30, 60, 100, 120]}],
        }
    )
    assert emu.groups["MOTION"]["md_window2"] == "30,60,100,120"
    assert emu.groups["MOTION"]["md_switch2"] == "1"
    assert new["windows"][1] == {
        "id": 2, "enabled": True, "name": "Door", "area": [30, 60, 100, 120],
        "threshold": 127, "sensitivity": 8,
    }  # fmt: skip
    await cam.set_motion_detection({"enabled": False})
    assert (await cam.get_motion_detection())["enabled"] is False
    with pytest.raises(InvalidArgument) as err:
        await cam.set_motion_detection(
            {"sensitivity": 11, "windows": [{"id": 1, "area": [0, 0, 640, 479], "name": "x" * 13}]}
        )
    assert len(err.value.errors) == 3
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
