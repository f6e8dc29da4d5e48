"""camhub's own Tapo camera driver against the emulator: the pytapo scenarios and more."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from camhub.capabilities import Capability, Preset
from camhub.config import DeviceConfig
from camhub.drivers import check_devices, driver_for, kind_for_model
from camhub.drivers.base import EventIn
from camhub.drivers.registry import options_for
from camhub.drivers.tapo.camera import TapoCameraDevice
from camhub.drivers.tapo.camera_options import TapoCameraOptions
from camhub.errors import ConfigError, DeviceError, InvalidArgument
from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.tapo_camera.conftest import MakeDevice, options, running


async def test_registered_for_its_kind() -> None:
    assert driver_for("tapo-camera") is TapoCameraDevice
    assert kind_for_model("C200") == kind_for_model("c520ws") == "tapo-camera"
    assert TapoCameraDevice.cloud_account


async def test_connect_detects_the_flow_and_reads_the_model(
    emu: TapoCameraEmulator, make_device: MakeDevice
) -> None:
    cam = make_device(emu)
    await cam.connect()
    assert cam.transport.mode == emu.opts.login
    if emu.secure:
        assert cam.transport.password_hash == emu.opts.extra["hash"]
    assert cam.model == "C200"
    assert {Capability.PTZ, Capability.PRESETS, Capability.EVENTS} <= cam.capabilities
    state = (await cam.poll()).to_json()
    storage = state.pop("storage")
    assert storage["status"] == "ready" and storage["progress"] is None
    assert 0 < storage["free_bytes"] < storage["total_bytes"] == int(29.7 * 1024**3)
    assert state == {
        "privacy": {"on": False},
        "led": {"on": True},
        "light": {"on": True, "mode": "auto", "modes": ["auto", "ir"]},
        "siren": {"on": False},
        "motion_detection": {"enabled": True, "sensitivity": 50, "detected": None},
        "ptz": {"pan": None, "tilt": None, "zoom": None, "can_zoom": False, "estimated": False},
        "presets": {"presets": []},
        "firmware": {
            "version": "1.3.11 Build 231117 Rel.56453n(4555)",
            "update_available": None,
            "latest": None,
            "status": "idle",
        },
        "vendor": {
            "model": "C200",
            "firmware": "1.3.11 Build 231117 Rel.56453n(4555)",
            "nickname": "Tapo C200",
            "login": emu.opts.login,
            "sd_status": "normal",
        },
    }
    # a C200 has motion and baby-cry detection only
    assert cam.event_types() == {"motion", "baby_cry", "other"}
    assert "Cam-pass-1" not in repr(cam) + repr(cam.transport)


@pytest.mark.parametrize("login", ["legacy", "secure"])
async def test_forced_flow_is_used(login: str, make_device: MakeDevice) -> None:
    async with running(options(login)) as emu:
        cam = make_device(emu, login=login)
        await cam.connect()
        assert cam.transport.mode == login


async def test_secure_flow_refused_by_a_legacy_camera(make_device: MakeDevice) -> None:
    async with running(options("legacy")) as emu:
        with pytest.raises(DeviceError, match="does not offer the secure login"):
            await make_device(emu, login="secure").connect()


async def test_ptz_steps_moves_and_home(emu: TapoCameraEmulator, make_device: MakeDevice) -> None:
    cam = make_device(emu)
    await cam.connect()
    home = emu.sim_state()
    await cam.ptz_step("right")  # movestep 0, pytapo's "clockwise"
    assert emu.sim_state()["pan"] > home["pan"]
    await cam.ptz_step("up")
    assert emu.sim_state()["tilt"] > home["tilt"]
    await cam.ptz_move(30, -20, 0)
    assert emu.sim_state()["tilt"] != home["tilt"]
    await cam.ptz_home()
    assert (emu.sim_state()["pan"], emu.sim_state()["tilt"]) == (home["pan"], home["tilt"])
    with pytest.raises(InvalidArgument):
        await cam.ptz_step("sideways")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="cannot zoom"):
        await cam.ptz_step("zoom_in")
    with pytest.raises(InvalidArgument, match="cannot zoom"):
        await cam.ptz_move(0, 0, 5)
    assert (emu.sim_state()["pan"], emu.sim_state()["tilt"]) == (home["pan"], home["tilt"])


async def test_end_of_travel_is_a_device_error(
    emu: TapoCameraEmulator, make_device: MakeDevice
) -> None:
    cam = make_device(emu)
    await cam.connect()
    with pytest.raises(DeviceError) as caught:
        for _ in range(30):
            await cam.ptz_step("down")
    assert caught.value.code == -64304
    assert caught.value.device == "porch-cam"
    assert "Maximum pan/tilt range reached" in caught.value.message


async def test_presets_round_trip(emu: TapoCameraEmulator, make_device: MakeDevice) -> None:
    cam = make_device(emu)
    await cam.connect()
    await cam.ptz_move(40, 10, 0)
    preset_id = await cam.save_preset("gate")
    assert await cam.list_presets() == [Preset(id=preset_id, name="gate")]
    saved = {"id": preset_id, "name": "gate"}
    assert (await cam.poll()).to_json()["presets"] == {"presets": [saved]}
    await cam.ptz_home()
    await cam.goto_preset(preset_id)
    assert (emu.sim_state()["pan"], emu.sim_state()["tilt"]) == (220, 67)
    await cam.delete_preset(preset_id)
    assert await cam.list_presets() == []
    with pytest.raises(DeviceError) as caught:
        await cam.goto_preset(preset_id)
    assert caught.value.code == -64321
    with pytest.raises(DeviceError) as caught:
        await cam.goto_preset("42")
    assert caught.value.code == -64302


async def test_privacy_blocks_the_motor(emu: TapoCameraEmulator, make_device: MakeDevice) -> None:
    cam = make_device(emu)
    await cam.connect()
    await cam.set_privacy(True)
    assert (await cam.poll()).to_json()["privacy"] == {"on": True}
    with pytest.raises(DeviceError, match="Privacy mode is ON") as caught:
        await cam.ptz_step("left")
    assert caught.value.code == -64324
    await cam.set_privacy(False)
    await cam.ptz_step("left")
    assert emu.sim_state()["privacy"] is False


async def test_led_and_motion_detection(emu: TapoCameraEmulator, make_device: MakeDevice) -> None:
    cam = make_device(emu)
    await cam.connect()
    await cam.set_led(False)
    assert emu.sim_state()["led"] is False
    assert (await cam.poll()).to_json()["led"] == {"on": False}

    async def motion() -> dict[str, Any]:
        state: dict[str, Any] = (await cam.poll()).to_json()["motion_detection"]
        return state

    await cam.set_motion_detection(False, 90)
    assert await motion() == {"enabled": False, "sensitivity": 80, "detected": None}
    assert emu.sim_state()["motion_detection"] is False
    await cam.set_motion_detection(None, 1)  # percent -> the camera's low level
    assert (await motion())["sensitivity"] == 20
    assert emu.camera.tree["motion_detection"]["motion_det"]["sensitivity"] == "low"
    for percent in (20, 50, 80):  # each level survives the round trip
        await cam.set_motion_detection(None, percent)
        assert (await motion())["sensitivity"] == percent
    await cam.set_motion_detection(True, None)
    assert await motion() == {"enabled": True, "sensitivity": 80, "detected": None}
    with pytest.raises(InvalidArgument) as caught:
        await cam.set_motion_detection(None, 101)
    assert caught.value.errors == ["sensitivity: an integer from 1 to 100"]


async def test_poll_emits_each_detection_once(
    emu: TapoCameraEmulator, make_device: MakeDevice, events: list[EventIn]
) -> None:
    cam = make_device(emu)
    await cam.connect()
    await cam.poll()
    assert events == []
    motion = emu.add_detection("motion")
    emu.add_detection("person")
    await cam.poll()
    await cam.poll()
    assert [e.type for e in events] == ["motion", "person"]
    assert events[0].timestamp // 1000 == motion.start
    emu.add_detection("pet", start=motion.start + 1)
    await cam.poll()
    assert [e.type for e in events] == ["motion", "person", "pet"]


async def test_reboot_and_raw(emu: TapoCameraEmulator, make_device: MakeDevice) -> None:
    cam = make_device(emu)
    await cam.connect()
    answers = await cam.raw(
        [
            {"method": "getLedStatus", "params": {"led": {"name": ["config"]}}},
            {"method": "noSuchMethod", "params": {}},
        ]
    )
    # firmware 1.3.x decorates each section with its .name and .type
    assert answers[0]["result"] == {
        "led": {"config": {".name": "config", ".type": "led", "enabled": "on"}}
    }
    assert answers[1]["error_code"] == -40105
    raw_get = await cam.raw({"method": "get", "led": {"name": ["config"]}})
    assert raw_get["led"]["config"]["enabled"] == "on"
    await cam.reboot()
    assert emu.sim_state()["reboots"] == 1
    assert (await cam.poll()).to_json()["led"] == {"on": True}  # logs in again after the reboot
    assert emu.sim_state()["logins"] == 2


async def test_model_without_motor_drops_ptz(make_device: MakeDevice) -> None:
    opts = options("secure")
    opts.model = "C100"
    async with running(opts) as emu:
        cam = make_device(emu)
        await cam.connect()
        assert Capability.PTZ not in cam.capabilities
        assert Capability.PRESETS not in cam.capabilities
        assert cam.model == "C100"
        state = (await cam.poll()).to_json()
        assert "ptz" not in state and "presets" not in state


async def test_model_without_lens_mask_or_led_comes_online(make_device: MakeDevice) -> None:
    async with running(options("secure", without=["led", "lens_mask"])) as emu:
        cam = make_device(emu)
        await cam.connect()
        assert Capability.LED not in cam.capabilities
        assert Capability.PRIVACY not in cam.capabilities
        assert {Capability.PTZ, Capability.MOTION_DETECTION} <= cam.capabilities
        state = (await cam.poll()).to_json()
        assert "led" not in state and "privacy" not in state
        assert state["motion_detection"]["enabled"] is True


async def test_a_detection_logged_late_is_still_reported(
    emu: TapoCameraEmulator, make_device: MakeDevice, events: list[EventIn]
) -> None:
    cam = make_device(emu)
    await cam.connect()
    first = emu.add_detection("motion", start=int(time.time()) + 3)
    await cam.poll()
    # A clip that began before the last reported one is logged when it ends.
    late = emu.add_detection("person", start=first.start - 2)
    await cam.poll()
    await cam.poll()
    assert [(e.type, e.timestamp // 1000) for e in events] == [
        ("motion", first.start),
        ("person", late.start),
    ]


async def test_a_camera_clock_an_hour_behind_is_corrected(
    emu: TapoCameraEmulator, make_device: MakeDevice, events: list[EventIn]
) -> None:
    """Events carry the local time of the detection, whatever the camera's clock says."""
    behind = 3600
    real = emu.camera.handle

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        for item in request.get("params", {}).get("requests", []):
            search = item.get("params", {}).get("playback", {}).get("search_detection_list")
            if search is not None:  # the camera's times -> the emulator's (real) ones
                search["start_time"] += behind
                search["end_time"] += behind
        reply = real(request)
        for resp in reply.get("result", {}).get("responses", []):
            result = resp.get("result", {})
            clock = result.get("system", {}).get("clock_status")
            if clock is not None:
                clock["seconds_from_1970"] -= behind
            for found in result.get("playback", {}).get("search_detection_list", []):
                found["start_time"] -= behind
        return reply

    emu.camera.handle = handle  # type: ignore[method-assign]
    cam = make_device(emu)
    await cam.connect()
    detection = emu.add_detection("person", start=int(time.time()) + 1)
    await cam.poll()
    assert [(e.type, e.timestamp // 1000) for e in events] == [("person", detection.start)]


async def test_connect_racing_a_request_logs_in_once(
    emu: TapoCameraEmulator, make_device: MakeDevice
) -> None:
    cam = make_device(emu)
    await asyncio.gather(cam.connect(), cam.set_led(False))
    assert emu.sim_state()["logins"] == 1
    assert emu.sim_state()["led"] is False


async def test_malformed_detection_entries_do_not_break_polling(
    emu: TapoCameraEmulator, make_device: MakeDevice, events: list[EventIn]
) -> None:
    cam = make_device(emu)
    await cam.connect()
    real = emu.camera.handle
    start = int(time.time())

    def handle(request: dict[str, Any]) -> dict[str, Any]:
        reply = real(request)
        for resp in reply.get("result", {}).get("responses", []):
            found = resp.get("result", {}).get("playback", {})
            if "search_detection_list" in found:
                found["search_detection_list"] = [
                    "junk",
                    None,
                    {"start_time": start, "alarm_type": 6},
                    {"start_time": start, "alarm_type": 42},  # a type camhub does not know
                ]
        return reply

    emu.camera.handle = handle  # type: ignore[method-assign]
    await cam.poll()
    assert [e.type for e in events] == ["person", "other"]
    assert events[1].data["alarm_type"] == 42  # the camera's own word is kept


async def test_raw_call_with_the_wrong_number_of_answers(
    emu: TapoCameraEmulator, make_device: MakeDevice
) -> None:
    cam = make_device(emu)
    await cam.connect()
    two = {"error_code": 0, "result": {"responses": [{"error_code": 0}, {"error_code": 0}]}}
    emu.camera.handle = lambda _request: two  # type: ignore[method-assign]
    with pytest.raises(DeviceError, match="malformed reply: 2 answers to 1") as caught:
        await cam.raw({"method": "getLedStatus", "params": {"led": {"name": ["config"]}}})
    assert caught.value.device == "porch-cam"


async def test_missing_field_names_the_device(
    emu: TapoCameraEmulator, make_device: MakeDevice
) -> None:
    cam = make_device(emu)
    await cam.connect()
    empty = {"error_code": 0, "result": {"responses": [{"error_code": 0, "result": {}}]}}
    emu.camera.handle = lambda _request: empty  # type: ignore[method-assign]
    with pytest.raises(DeviceError, match=r"no preset\.preset") as caught:
        await cam.list_presets()
    assert caught.value.device == "porch-cam"
    assert caught.value.payload()["device"] == "porch-cam"


def test_camera_account_is_a_checked_option() -> None:
    account = {"username": "viewer", "password": "Stream-pw1"}
    for where in ({"stream": account}, {"options": {"stream": account}}):
        cfg = DeviceConfig(name="cam", kind="tapo-camera", host="192.0.2.7", **where)
        opts = options_for(TapoCameraDevice, cfg)
        assert isinstance(opts, TapoCameraOptions) and opts.stream is not None
        assert (opts.stream.rtsp_port, opts.stream.media_port) == (554, 8800)
        assert "Stream-pw1" not in repr(opts)
    bad = {**account, "rtsp_port": 70000, "colour": "red"}
    with pytest.raises(ConfigError) as caught:
        check_devices([DeviceConfig(name="cam", kind="tapo-camera", host="h", stream=bad)])
    assert sorted(caught.value.problems) == [
        "devices.0.stream.colour: Extra inputs are not permitted",
        "devices.0.stream.rtsp_port: Input should be less than or equal to 65535",
    ]
    for login in ("auto", "legacy", "secure", "tpap"):  # every login the config takes
        check_devices([DeviceConfig(name="cam", kind="tapo-camera", host="h", login=login)])


def test_media_port_is_where_a_camera_without_an_account_streams() -> None:
    def port(**where: Any) -> int:
        cfg = DeviceConfig(name="cam", kind="tapo-camera", host="192.0.2.7", **where)
        opts = options_for(TapoCameraDevice, cfg)
        assert isinstance(opts, TapoCameraOptions)
        return opts.video_port

    account = {"username": "viewer", "password": "Stream-pw1", "media_port": 18800}
    assert port() == 8800
    assert port(media_port=9800) == 9800
    assert port(stream=account) == 18800
    with pytest.raises(ConfigError) as caught:
        check_devices([DeviceConfig(name="cam", kind="tapo-camera", host="h", media_port=0)])
    assert caught.value.problems == [
        "devices.0.media_port: Input should be greater than or equal to 1"
    ]
