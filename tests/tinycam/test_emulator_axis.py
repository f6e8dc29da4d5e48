"""Seed 002's Axis-style CGI examples and param.cgi, against the emulator."""

from __future__ import annotations

import asyncio
import io
import json
import wave

import aiohttp
import pytest

from camhub.sim import SimOptions
from camhub.sim.tinycam import TinyCamEmulator
from camhub.sim.video import jpeg_size
from tests.helpers.wait import until

from .conftest import DOORBELL, FRONT_YARD, read_mjpeg_part


async def call(
    http: aiohttp.ClientSession, emu: TinyCamEmulator, token: str, path: str
) -> tuple[int, bytes]:
    sep = "&" if "?" in path else "?"
    async with http.get(f"{emu.url}{path}{sep}token={token}") as r:
        return r.status, await r.read()


async def status(http: aiohttp.ClientSession, emu: TinyCamEmulator, token: str) -> dict:
    _, body = await call(http, emu, token, "/api/v1/get_status")
    data: dict = json.loads(body)["data"]
    return data


async def test_image_examples(emu, http, token):
    emu.add_camera("Garage")
    code, jpg = await call(http, emu, token, "/axis-cgi/jpg/image.cgi")
    assert code == 200 and jpeg_size(jpg) == (640, 360)
    code, jpg = await call(
        http, emu, token, "/axis-cgi/jpg/image.cgi?camera=3&compression=50&resolution=480x640"
    )
    assert code == 200 and jpeg_size(jpg) == (480, 640)
    code, _ = await call(http, emu, token, "/axis-cgi/jpg/image.cgi?camera=9")
    assert code == 404
    code, _ = await call(http, emu, token, "/axis-cgi/jpg/image.cgi?resolution=big")
    assert code == 400


async def test_higher_compression_gives_smaller_images(emu, http, token):
    _, fine = await call(http, emu, token, "/axis-cgi/jpg/image.cgi?compression=0")
    _, coarse = await call(http, emu, token, "/axis-cgi/jpg/image.cgi?compression=100")
    assert len(coarse) < len(fine)


async def test_mjpeg_example_with_camera_fps_compression_resolution(emu, http, token):
    url = f"{emu.url}/axis-cgi/mjpg/video.cgi?camera=2&fps=1&compression=80&resolution=320x240"
    async with http.get(url, params={"token": token}) as r:
        assert r.headers["Content-Type"].startswith("multipart/x-mixed-replace; boundary=")
        assert jpeg_size(await read_mjpeg_part(r)) == (320, 240)
        assert (await status(http, emu, token))["liveConnections"] == 1


@pytest.mark.parametrize("query", ["", "?camera=2"])
async def test_wav_examples(emu, http, token, query):
    async with http.get(
        f"{emu.url}/axis-cgi/audio/receive.wav{query}", params={"token": token}
    ) as r:
        assert r.status == 200 and r.content_type == "audio/x-wav"
        head = await r.content.readexactly(44 + 1600)
    assert head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    with wave.open(io.BytesIO(head[:44] + b"\0" * 16)) as w:  # header parses
        assert w.getframerate() == 8000 and w.getnchannels() == 1


async def test_ptz_examples_move_the_camera(emu, http, token):
    cam = emu.camera_by_id(FRONT_YARD)
    assert (
        await call(
            http,
            emu,
            token,
            "/axis-cgi/com/ptz.cgi?continuouspantiltmove=100,-100&continuouszoommove=100",
        )
    )[0] == 200
    # a continuous move goes on until "0,0": right, down and in, further and further
    await until(lambda: cam.pan > 1 and cam.tilt < -1 and cam.zoom > 1, 5, "pan, tilt, zoom")
    assert (await call(http, emu, token, "/axis-cgi/com/ptz.cgi?continuouspantiltmove=0,0"))[
        0
    ] == 200
    assert cam.velocity[:2] == (0, 0)
    stopped = (cam.pan, cam.tilt)
    await until(lambda: cam.zoom > 5, 5, "zoom going on")  # not stopped by "0,0"
    assert (cam.pan, cam.tilt) == stopped  # pan/tilt were
    assert (await call(http, emu, token, "/axis-cgi/com/ptz.cgi?continuouszoommove=0"))[0] == 200
    assert (await call(http, emu, token, "/axis-cgi/com/ptz.cgi?camera=1&setserverpresetno=2"))[
        0
    ] == 200
    assert (await call(http, emu, token, "/axis-cgi/com/ptz.cgi?move=home"))[0] == 200
    assert (cam.pan, cam.tilt, cam.zoom) == (0, 0, 0)
    assert (await call(http, emu, token, "/axis-cgi/com/ptz.cgi?gotoserverpresetno=2"))[0] == 200
    assert (cam.pan, cam.tilt) == stopped
    # the document's preset 3 on camera 2 was never saved; camera 2 has no pan/tilt
    assert (await call(http, emu, token, "/axis-cgi/com/ptz.cgi?gotoserverpresetno=3"))[0] == 404
    assert (await call(http, emu, token, "/axis-cgi/com/ptz.cgi?camera=2&gotoserverpresetno=3"))[
        0
    ] == 400
    assert (await call(http, emu, token, "/axis-cgi/com/ptz.cgi?continuouspantiltmove=500,0"))[
        0
    ] == 400
    state = json.loads((await call(http, emu, token, "/__sim/state"))[1])
    assert state["positions"][str(FRONT_YARD)]["pan"] == stopped[0]


async def test_a_move_ends_at_the_end_of_travel(emu, http, token):
    cam = emu.camera_by_id(FRONT_YARD)
    cam.origin = (170.0, 0.0, 0.0)
    assert (await call(http, emu, token, "/axis-cgi/com/ptz.cgi?continuouspantiltmove=100,0"))[
        0
    ] == 200
    await until(lambda: cam.pan == 180.0, 5, "pan at 180")


async def test_axis_cgis_select_the_camera_by_camera_index_only(emu, http, token):
    """Seed 002 gives image/video/ptz/lightcontrol ``camera=<1..n>``, not ``cameraId``."""
    door, front = emu.camera_by_id(DOORBELL), emu.camera_by_id(FRONT_YARD)
    light = "/axis-cgi/io/lightcontrol.cgi?action=L1:-100"
    assert (await call(http, emu, token, f"{light}&camera=2"))[0] == 200
    assert (door.light, front.light) == ("on", "off")
    door.light = "off"
    # cameraId is not a parameter of these CGIs: ignored, so camera 1 is meant
    assert (await call(http, emu, token, f"{light}&cameraId={DOORBELL}"))[0] == 200
    assert (door.light, front.light) == ("off", "on")
    assert (await call(http, emu, token, "/axis-cgi/jpg/image.cgi?cameraId=999"))[0] == 200
    # receive.wav documents both; get_status and the event list only cameraId
    async with http.get(
        f"{emu.url}/axis-cgi/audio/receive.wav", params={"token": token, "cameraId": 999}
    ) as r:
        assert r.status == 404
    code, body = await call(http, emu, token, "/api/v1/get_status?camera=2")
    assert code == 200 and "uptime" in json.loads(body)["data"]  # global status
    assert (await call(http, emu, token, "/api/v1/get_status?cameraId=999"))[0] == 404


async def test_lightcontrol_examples(emu, http, token):
    for action, mode in (("L1:-100", "on"), ("L1:-0", "off"), ("L1:-50", "auto")):
        assert (await call(http, emu, token, f"/axis-cgi/io/lightcontrol.cgi?action={action}"))[
            0
        ] == 200
        assert emu.camera_by_id(FRONT_YARD).light == mode
    assert (await call(http, emu, token, "/axis-cgi/io/lightcontrol.cgi?camera=2&action=L1:-100"))[
        0
    ] == 200
    assert emu.sim_state()["light"][str(DOORBELL)] == "on"
    assert (await call(http, emu, token, "/axis-cgi/io/lightcontrol.cgi"))[0] == 400


async def test_param_updates_show_in_status(emu, http, token):
    steps = [
        ("root.BackgroundMode=off", "backgroundMode", False),
        ("root.BackgroundMode=on", "backgroundMode", True),
        ("root.StreamProfile=sub", "streamProfile", 1),
        ("root.StreamProfile=auto", "streamProfile", 2),
        ("root.StreamProfile=main", "streamProfile", 0),
        ("root.Notifications=off", "notifications", False),
        ("root.Notifications=on", "notifications", True),
        ("root.PowerSafeMode=on", "powerSafeMode", True),
        ("root.PowerSafeMode=off", "powerSafeMode", False),
    ]
    for query, key, value in steps:
        code, body = await call(http, emu, token, f"/param.cgi?action=update&{query}")
        assert code == 200 and body == b"OK"
        assert (await status(http, emu, token))[key] == value
    for bad in ("action=update&root.StreamProfile=hd", "action=update", "action=explode"):
        assert (await call(http, emu, token, f"/param.cgi?{bad}"))[0] == 400


async def test_notifications_with_tag_switch_motion_detection_of_tagged_cameras(emu, http, token):
    assert (
        await call(http, emu, token, "/param.cgi?action=update&root.Notifications=off&tag=Office")
    )[0] == 200
    assert emu.camera_by_id(DOORBELL).motion_detection is False
    assert emu.camera_by_id(FRONT_YARD).motion_detection is True
    assert (
        await call(http, emu, token, "/param.cgi?action=update&root.Notifications=on&tag=Home")
    )[0] == 200
    assert emu.camera_by_id(DOORBELL).motion_detection is True


async def test_pin_unpin_delete(emu, http, token):
    event = emu.add_event(FRONT_YARD, "vehicle")
    name = event.video
    # the document's examples name files this server does not have
    assert (
        await call(
            http,
            emu,
            token,
            "/param.cgi?action=pin&root.Filename=/IPV68P2P/2016-10-21%2010.03.33.mp4",
        )
    )[0] == 404
    assert (await call(http, emu, token, f"/param.cgi?action=pin&root.Filename={name}"))[0] == 200
    pinned = json.loads((await call(http, emu, token, "/api/v1/get_cam_event_list?filter=pin"))[1])[
        "data"
    ]
    assert len(pinned) == 1 and "_pin.mp4" in pinned[0]["video"]
    assert (await call(http, emu, token, pinned[0]["video"]))[0] == 200
    assert (await call(http, emu, token, f"/param.cgi?action=unpin&root.Filename={event.video}"))[
        0
    ] == 200
    assert event.video == name
    before = emu.sim_state()["events"]
    assert (await call(http, emu, token, f"/param.cgi?action=delete&root.Filename={name}.jpg"))[
        0
    ] == 200
    assert (await call(http, emu, token, f"/api/v1/get_file?file={name}.jpg"))[0] == 404
    assert (await call(http, emu, token, f"/param.cgi?action=delete&root.Filename={name}"))[
        0
    ] == 200
    assert emu.sim_state()["events"] == before - 1
    assert (await call(http, emu, token, f"/param.cgi?action=delete&root.Filename=/../{name}"))[
        0
    ] == 404


async def test_restart_drops_tokens_and_needs_root(emu, http, token):
    code, body = await call(http, emu, token, "/axis-cgi/admin/restart.cgi")
    assert code == 200 and body == b"OK"
    assert (await call(http, emu, token, "/api/v1/get_cam_list"))[0] == 403
    async with TinyCamEmulator(SimOptions(extra={"root": False, "scene": "quiet"})) as rootless:
        url = f"{rootless.url}/axis-cgi/admin/restart.cgi?user=admin&pwd=admin"
        async with http.get(url) as r:
            assert r.status == 403 and b"Root required" in await r.read()


async def test_moving_scene_records_motion_events_with_files(http):
    async with TinyCamEmulator(SimOptions(extra={"scene": "motion", "history": 0})) as emu:
        await until(lambda: emu.sim_state()["events"] >= 2, 5, "two motion events")
        url = f"{emu.url}/api/v1/get_cam_event_list?user=admin&pwd=admin"
        async with http.get(url) as r:
            listed = (await r.json())["data"]
        assert {e["motion"] for e in listed} == {"motion"} and len(listed) == 2
        async with http.get(f"{emu.url}{listed[0]['image']}&user=admin&pwd=admin") as r:
            assert r.status == 200 and (await r.read()).startswith(b"\xff\xd8")


async def test_faults(emu, http, token):
    emu.set_fault("drop")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(http, emu, token, "/api/v1/get_cam_list")
    emu.set_fault("drop", False)
    emu.set_fault("hang")
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(
            f"{emu.url}/api/v1/get_cam_list", timeout=aiohttp.ClientTimeout(total=0.3)
        ):
            pass
    emu.set_fault("hang", False)
    assert (await call(http, emu, token, "/api/v1/get_cam_list"))[0] == 200
