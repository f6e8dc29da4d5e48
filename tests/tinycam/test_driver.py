"""The tinycam driver against the emulator, over real loopback sockets."""

from __future__ import annotations

import jsonschema
import pytest

from camhub.capabilities import Capability, LightState, Preset, PresetsState, PtzState
from camhub.config import DeviceConfig
from camhub.drivers import check_devices, driver_for
from camhub.drivers.base import slugify
from camhub.drivers.tinycam.camera import TinyCamCamera
from camhub.drivers.tinycam.device import TinyCamServer
from camhub.errors import (
    ConfigError,
    DeviceAuthError,
    DeviceError,
    DeviceTimeout,
    DeviceUnreachable,
    InvalidArgument,
    NotFound,
    Unsupported,
)
from camhub.sim import SimOptions
from camhub.sim.tinycam import TinyCamEmulator
from camhub.sim.tinycam.cameras import PAN_TILT_DEG_PER_S
from camhub.sim.video import jpeg_size

from .conftest import DOORBELL, FRONT_YARD, read_mjpeg_part


async def children(server: TinyCamServer) -> dict[str, TinyCamCamera]:
    found = {}
    for c in await server.list_children():
        assert isinstance(c, TinyCamCamera)
        found[c.name] = c
    return found


def test_kind_is_registered():
    assert driver_for("tinycam") is TinyCamServer
    assert slugify("Front yard") == "front-yard"
    assert slugify("Café #2 (rear)") == "cafe-2-rear"
    assert slugify("Straße Süd") == "strasse-sud"


async def test_children_follow_the_camera_list(emu, make_server):
    server = make_server()
    await server.connect()
    kids = await children(server)
    assert list(kids) == ["phone.front-yard", "phone.doorbell"]
    front, door = kids["phone.front-yard"], kids["phone.doorbell"]
    assert {
        Capability.PTZ,
        Capability.LIGHT,
        Capability.SNAPSHOT,
        Capability.STREAM,
    } <= front.capabilities
    assert Capability.PTZ not in door.capabilities and Capability.AUDIO in door.capabilities
    assert Capability.MOTION_DETECTION not in front.capabilities  # tinyCam cannot switch it
    assert Capability.CHILDREN in server.capabilities

    emu.add_camera("Back Door", camera_id=77)
    state = await server.poll()
    assert [c["device"] for c in state.vendor["cameras"]] == [
        "phone.front-yard",
        "phone.doorbell",
        "phone.back-door",
    ]
    kids = await children(server)
    assert list(kids) == ["phone.front-yard", "phone.doorbell", "phone.back-door"]
    assert kids["phone.front-yard"] is front  # unchanged cameras keep their object

    emu.remove_camera(DOORBELL)
    await server.poll()
    assert list(await children(server)) == ["phone.front-yard", "phone.back-door"]
    assert door.removed and (await door.poll()).vendor["removed"] is True
    assert (await front.poll()).vendor["cameraId"] == FRONT_YARD


async def test_snapshot_stream_and_audio(emu, make_server, http):
    server = make_server()
    await server.connect()
    front = (await children(server))["phone.front-yard"]
    assert jpeg_size(await front.snapshot()) == (640, 360)

    source = await front.stream_source()
    assert "camera=1" in source.url and "token=" in source.url
    async with http.get(source.url, headers=source.headers) as r:
        assert r.content_type == "multipart/x-mixed-replace"
        assert jpeg_size(await read_mjpeg_part(r)) == (640, 360)
    audio = await front.audio_source()
    assert f"cameraId={FRONT_YARD}" in audio.url
    async with http.get(audio.url, headers=audio.headers) as r:
        assert (await r.content.readexactly(4)) == b"RIFF"


async def test_ptz_moves_the_emulated_camera(emu, make_server):
    server = make_server(ptz_move_seconds=0.2)
    await server.connect()
    kids = await children(server)
    front = kids["phone.front-yard"]
    cam = emu.camera_by_id(FRONT_YARD)
    # the move is held 0.2 s before "0,0": at speed 50 the motor turns 0.2 * 30 degrees
    # at least (the stop reaches the camera 0.2 s or more after the start)
    await front.ptz_step("right")
    assert cam.pan >= 0.2 * 0.5 * PAN_TILT_DEG_PER_S - 1e-6
    assert cam.velocity[:2] == (0, 0)  # and it stopped
    await front.ptz_move(0, -100, 0)
    assert cam.tilt <= -0.2 * PAN_TILT_DEG_PER_S + 1e-6
    await front.ptz_step("zoom_in")
    assert cam.zoom > 0 and cam.velocity == (0, 0, 0)
    ptz = (await front.poll()).get(PtzState)
    assert ptz == PtzState(can_zoom=True)  # tinyCam never tells where the camera points
    await front.ptz_home()
    assert (cam.pan, cam.tilt) == (0, 0)
    with pytest.raises(Unsupported):
        await kids["phone.doorbell"].ptz_step("left")
    with pytest.raises(InvalidArgument):
        await front.ptz_move(500, 0, 0)


def test_ptz_move_seconds_option(make_server):
    assert make_server().link.ptz_move_seconds == 0.5
    assert make_server(ptz_move_seconds=2).link.ptz_move_seconds == 2.0
    for bad in ("long", -1, 60, True, "nan"):
        entry = {"name": "phone", "kind": "tinycam", "host": "h"}
        with pytest.raises(ConfigError) as info:
            check_devices([DeviceConfig.model_validate({**entry, "ptz_move_seconds": bad})])
        assert info.value.problems[0].startswith("devices.0.ptz_move_seconds: "), bad
    with pytest.raises(ConfigError) as info:
        check_devices([DeviceConfig(name="phone", kind="tinycam", options={"auth": "digest"})])
    assert info.value.problems == [
        "devices.0.host: required for kind tinycam",
        "devices.0.options.auth: Input should be 'token' or 'basic'",
    ]


async def test_light(emu, make_server):
    server = make_server()
    await server.connect()
    door = (await children(server))["phone.doorbell"]
    unknown = (await door.poll()).get(LightState)  # tinyCam cannot tell it
    assert unknown is not None and unknown.on is None and unknown.mode is None
    await door.set_light(True, None)
    assert emu.camera_by_id(DOORBELL).light == "on"
    await door.set_light(True, "auto")
    assert emu.camera_by_id(DOORBELL).light == "auto"
    light = (await door.poll()).get(LightState)
    assert light == LightState(on=True, mode="auto", modes=["on", "off", "auto"])
    await door.set_light(False, None)
    assert emu.camera_by_id(DOORBELL).light == "off"
    light = (await door.poll()).get(LightState)
    assert light is not None and (light.on, light.mode) == (False, "off")
    for on, mode in ((False, "auto"), (True, "off"), (True, "strobe")):
        with pytest.raises(InvalidArgument):
            await door.set_light(on, mode)
    assert emu.camera_by_id(DOORBELL).light == "off"


async def test_events_are_reported_once(emu, make_server, events):
    server = make_server()
    await server.connect()
    await server.poll()
    assert events == []  # history before start is not replayed

    first = emu.add_event(FRONT_YARD, "person")
    second = emu.add_event(DOORBELL, "pet", when_ms=first.time + 5)
    await server.poll()
    assert [(e.type, e.data["camera"]) for e in events] == [
        ("person", "phone.front-yard"),
        ("pet", "phone.doorbell"),
    ]
    assert events[0].timestamp == first.time
    assert events[0].data["file"] == first.video
    assert events[0].data["image"].startswith("/api/v1/get_file?file=")
    assert events[0].data["duration"] == first.duration

    await server.poll()
    assert len(events) == 2  # no duplicates across polls

    emu.add_event(DOORBELL, "face", when_ms=second.time)  # same millisecond, late
    await server.poll()
    assert [e.type for e in events[2:]] == ["face"]

    restarted = make_server()  # camhub restarts
    await restarted.connect()
    await restarted.poll()
    assert len(events) == 3


async def test_many_events_between_polls_are_all_reported(emu, make_server, events):
    server = make_server()
    await server.connect()
    await server.poll()
    base = emu.add_event(FRONT_YARD, "motion").time
    for i in range(1, 45):
        emu.add_event(FRONT_YARD, "motion", when_ms=base + i * 1000)
    await server.poll()
    assert len(events) == 45
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)


async def test_bad_credentials(make_server):
    server = make_server(password="wrong-secret")
    with pytest.raises(DeviceAuthError) as info:
        await server.connect()
    assert "wrong-secret" not in str(info.value) and "wrong-secret" not in repr(server)


async def test_guest_views_but_may_not_administer(emu, make_server, events):
    server = make_server(username="guest", password="guest")
    await server.connect()
    state = await server.poll()
    assert state.vendor["access"] == "guest"
    assert not {Capability.SETTINGS, Capability.REBOOT} & server.capabilities
    front = (await children(server))["phone.front-yard"]
    assert (await front.poll()).vendor["motion"] is None  # the status is admin only
    assert (await front.snapshot()).startswith(b"\xff\xd8")
    with pytest.raises(DeviceError) as info:
        await server.reboot()
    assert info.value.code == 403 and "admin" in info.value.message
    assert emu.restarts == 0


async def test_token_expiry_and_restart_are_survived(emu, make_server):
    server = make_server()
    await server.connect()
    emu.expire_tokens()
    assert len((await server.poll()).vendor["cameras"]) == 2
    await server.reboot()
    assert emu.restarts == 1
    assert len((await server.poll()).vendor["cameras"]) == 2


async def test_basic_auth_fallback_on_servers_without_login(make_server, http):
    async with TinyCamEmulator(SimOptions(extra={"token_auth": False, "scene": "quiet"})) as old:
        server = make_server()
        server.transport.base_url = old.url
        await server.connect()
        assert server.transport.mode == "basic"
        front = (await children(server))["phone.front-yard"]
        assert (await front.snapshot()).startswith(b"\xff\xd8")
        source = await front.stream_source()
        assert "token" not in source.url and source.headers["Authorization"].startswith("Basic ")
        async with http.get(source.url, headers=source.headers) as r:
            assert r.status == 200


async def test_settings(emu, make_server):
    server = make_server()
    await server.connect()
    new = await server.update_settings({"streamProfile": "sub", "backgroundMode": False})
    assert new["streamProfile"] == "sub" and new["backgroundMode"] is False
    assert emu.settings["streamProfile"] == 1
    await server.update_settings({"notifications": False, "tag": "Office"})
    assert emu.camera_by_id(DOORBELL).motion_detection is False
    with pytest.raises(InvalidArgument) as info:
        await server.update_settings({"streamProfile": "4k", "volume": 3})
    assert len(info.value.errors) == 2 and info.value.errors[1].startswith("volume: ")
    with pytest.raises(InvalidArgument) as info:
        await server.update_settings({"tag": "Office"})
    assert info.value.errors == ["tag: only with notifications"]
    with pytest.raises(InvalidArgument):
        await server.update_settings({"backgroundMode": "off"})  # a boolean, not text
    settings = await server.get_settings()
    jsonschema.validate(settings, server.settings_schema())
    assert settings == {
        "backgroundMode": False,
        "powerSafeMode": False,
        "notifications": False,
        "streamProfile": "sub",
    }


async def test_raw_and_motion_status(make_server, emu):
    server = make_server()
    await server.connect()
    listed = await server.raw({"path": "/api/v1/get_cam_list"})
    assert listed["data"][0]["name"] == "Front yard"
    assert (
        await server.raw(
            {"path": "/param.cgi", "params": {"action": "update", "root.PowerSafeMode": "on"}}
        )
        == "OK"
    )
    with pytest.raises(InvalidArgument):
        await server.raw({"path": "http://elsewhere/"})
    front = (await children(server))["phone.front-yard"]
    assert (await front.poll()).vendor["motion"] is None  # until the server's first poll
    await server.poll()
    assert (await front.poll()).vendor["motion"] is False
    emu.camera_by_id(FRONT_YARD).video.scene = "motion"  # tinyCam sees motion now
    await server.poll()
    assert (await front.poll()).vendor["motion"] is True


async def test_network_failures_and_recovery_on_the_same_port(emu, make_server):
    server = make_server(timeout=0.5)
    await server.connect()
    emu.set_fault("drop")
    with pytest.raises(DeviceUnreachable):
        await server.poll()
    emu.set_fault("drop", False)
    emu.set_fault("hang")
    with pytest.raises(DeviceTimeout):
        await server.poll()
    emu.set_fault("hang", False)

    port = emu.port
    await emu.stop()
    with pytest.raises(DeviceUnreachable):
        await server.poll()
    async with TinyCamEmulator(SimOptions(port=port, extra={"scene": "quiet"})) as back:
        assert back.port == port
        await server.poll()  # the old token is unknown: logs in again
        assert [c.name for c in await server.list_children()] == [
            "phone.front-yard",
            "phone.doorbell",
        ]


async def test_presets_are_saved_on_the_server_and_named_locally(emu, make_server, tmp_path):
    server = make_server()
    await server.connect()
    front = (await children(server))["phone.front-yard"]
    assert Capability.PRESETS in front.capabilities
    cam = emu.camera_by_id(FRONT_YARD)
    await front.ptz_move(100, 0, 0)
    saved = cam.pan
    assert saved > 0
    gate = await front.save_preset("gate")
    await front.ptz_home()
    await front.goto_preset(gate)
    assert cam.pan == saved
    assert await front.list_presets() == [Preset(id=gate, name="gate")]
    presets = (await front.poll()).get(PresetsState)
    assert presets is not None and presets.presets == [Preset(id=gate, name="gate")]

    again = make_server()  # names survive a restart of camhub
    await again.connect()
    front2 = (await children(again))["phone.front-yard"]
    assert await front2.list_presets() == [Preset(id=gate, name="gate")]
    await front2.delete_preset(gate)
    assert await front2.list_presets() == []
    with pytest.raises(NotFound):
        await front2.goto_preset(gate)


async def test_slow_server_times_out_and_legacy_text_errors_are_understood(make_server):
    opts = SimOptions(extra={"legacy_errors": True, "slow_seconds": 2.0, "scene": "quiet"})
    async with TinyCamEmulator(opts) as legacy:
        guest = make_server(username="guest", password="guest", timeout=0.5)
        guest.transport.base_url = legacy.url
        await guest.connect()
        with pytest.raises(DeviceError) as info:
            await guest.reboot()  # "HTTP 403. Admin access required." with status 200
        assert info.value.code == 403
        legacy.expire_tokens()  # "HTTP 403. Invalid token." with status 200: log in again
        assert len((await guest.poll()).vendor["cameras"]) == 2
        legacy.set_fault("slow")
        with pytest.raises(DeviceTimeout):
            await guest.poll()


async def test_stream_reconnect_gets_a_live_token_after_expiry(make_server, http):
    async with TinyCamEmulator(SimOptions(extra={"token_ttl": 60, "scene": "quiet"})) as emu:
        server = make_server()
        server.transport.base_url = emu.url
        await server.connect()
        front = (await children(server))["phone.front-yard"]
        emu.expire_tokens()
        source = await front.stream_source()
        async with http.get(source.url, headers=source.headers) as r:
            assert r.status == 200
            assert (await read_mjpeg_part(r)).startswith(b"\xff\xd8")
