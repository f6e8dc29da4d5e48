"""camhub's own Tapo camera driver against the emulator: the pytapo scenarios and more."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from camhub.capabilities import Capability
from camhub.drivers import driver_for
from camhub.drivers.base import EventIn
from camhub.drivers.tapo.camera import TapoCameraDevice
from camhub.errors import DeviceError, InvalidArgument
from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.tapo_camera.conftest import MakeDevice, options, running


async def test_registered_for_its_kind() -> None:
    assert driver_for("tapo-camera") is TapoCameraDevice


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
    state = await cam.poll()
    assert state == {
        "privacy": False,
        "led": True,
        "motion_detection": {"enabled": True, "sensitivity": 5, "level": "normal"},
        "model": "C200",
        "firmware": "1.3.11 Build 231117 Rel.56453n(4555)",
    }
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
    await cam.ptz_move(30, -20)
    await cam.ptz_home()
    assert (emu.sim_state()["pan"], emu.sim_state()["tilt"]) == (home["pan"], home["tilt"])
    with pytest.raises(InvalidArgument):
        await cam.ptz_step("sideways")  # type: ignore[arg-type]


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
    await cam.ptz_move(40, 10)
    preset_id = await cam.save_preset("gate")
    assert await cam.list_presets() == [{"id": preset_id, "name": "gate"}]
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
    assert (await cam.poll())["privacy"] is True
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
    new = await cam.set_motion_detection({"enabled": False, "sensitivity": 9})
    assert new == {"enabled": False, "sensitivity": 8, "level": "high"}
    assert emu.sim_state()["motion_detection"] is False
    assert (await cam.set_motion_detection({"sensitivity": 1}))["level"] == "low"
    with pytest.raises(InvalidArgument) as caught:
        await cam.set_motion_detection({"sensitivity": 11, "colour": "red"})
    assert len(caught.value.errors) == 2


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
    assert (await cam.poll())["led"] is True  # logs in again after the reboot
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


async def test_model_without_lens_mask_or_led_comes_online(make_device: MakeDevice) -> None:
    async with running(options("secure", without=["led", "lens_mask"])) as emu:
        cam = make_device(emu)
        await cam.connect()
        assert Capability.LED not in cam.capabilities
        assert Capability.PRIVACY not in cam.capabilities
        assert {Capability.PTZ, Capability.MOTION_DETECTION} <= cam.capabilities
        state = await cam.poll()
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
                ]
        return reply

    emu.camera.handle = handle  # type: ignore[method-assign]
    await cam.poll()
    assert [e.type for e in events] == ["person"]


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
