"""``camhub demo`` records events: with the demo's config, motion that camhub's own
detection finds in a synthetic scene becomes clips ffprobe reads, linked to events;
for the demo's Tapo camera, clips of its own H.264 (remuxed from the packet hub's
feed) with its sound, which the event's clip link and tinyCam's routes serve."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path
from typing import Any

import av
import pytest

from camhub.config import parse_config
from camhub.demo import DEMO_RECORD, EmulatorThread, demo_config
from camhub.settings import AppSettings
from camhub.sim import SimOptions
from camhub.sim.tapo_camera.demo import demo_devices as tapo_demo
from tests.conftest import in_process
from tests.helpers.wait import until
from tests.recordings.camera import BURSTS, camera, still_cameras
from tests.recordings.media import ffprobe, probe_all, streams_of

PASSWORD = "demo-rec-pass-1"


def test_every_demo_device_records_events() -> None:
    raw = demo_config(Path("/tmp/x"), PASSWORD, [{"name": "a"}, {"name": "b", "record": None}])
    assert raw["devices"][0]["record"] == DEMO_RECORD
    assert raw["devices"][1]["record"] is None, "a device's own choice wins"


async def test_motion_in_the_scene_becomes_clips(tmp_path: Path) -> None:
    motion = {"fps": 2, "cooldown": 4, "min_area": 0.001}
    cam = camera(kind=BURSTS, motion=motion)
    raw = demo_config(tmp_path / "data", PASSWORD, [cam])
    settings = AppSettings(config=parse_config(raw), https_port=0, http_port=None)
    with still_cameras():
        async with in_process(settings) as hub:
            h = {"Authorization": f"Bearer {await hub.login('admin', PASSWORD)}"}

            async def clip() -> Any:
                r = await hub.client.get("/api/events", params={"device": "cam"}, headers=h)
                for e in r.json()["events"]:
                    got = await hub.client.get(f"/api/events/{e['id']}/clip", headers=h)
                    if got.status_code == 200:
                        return got
                return None

            found = await until(clip, 60, "a clip of a motion event")
            path = tmp_path / "clip.mp4"
            path.write_bytes(found.content)
            info = ffprobe(path)
            assert info["streams"][0]["codec_name"] == "h264"
            assert info["packets"][0]["flags"].startswith("K")
            assert float(info["format"]["duration"]) >= DEMO_RECORD["post_seconds"]


async def test_a_tapo_cameras_motion_becomes_a_clip_of_its_own_h264_and_sound(
    tmp_path: Path,
) -> None:
    """The acceptance of issue 13 on the demo's Tapo C200 (H.264 over RTSP, G.711):
    motion in its scene -> camhub's detection -> an event -> a clip remuxed from the
    packet hub (the camera's own pictures, its SEI time stamps still in them) with the
    sound as AAC -> the event's clip link, tinyCam's event list and get_file."""
    emus = EmulatorThread()
    try:
        d = tapo_demo(PASSWORD)[0]
        extra = {
            **d.extra, "main_size": "640x360", "sub_size": "320x180", "scene": "bursts",
            "burst_period": 12, "burst": 3, "detection_period": 0,
        }  # fmt: skip
        opts = SimOptions(username=d.username, password=PASSWORD, model=d.model, login=d.login,
                          extra=extra, **d.options)  # fmt: skip
        emu = emus.start(d.name, d.kind, opts)
        assert d.more is not None
        entry = {
            "name": "cam", "kind": d.kind, "host": "127.0.0.1", "port": emu.port,
            "username": d.username, "password": PASSWORD, "model": d.model, **d.device,
            **d.more(emu), "motion": {"fps": 2, "cooldown": 4, "min_area": 0.001},
        }  # fmt: skip
        raw = demo_config(tmp_path / "data", PASSWORD, [entry])
        settings = AppSettings(config=parse_config(raw), https_port=0, http_port=None)
        async with in_process(settings) as hub:
            h = {"Authorization": f"Bearer {await hub.login('admin', PASSWORD)}"}
            pending: set[int] = set()

            async def clip() -> tuple[int, Any] | None:
                r = await hub.client.get("/api/events", params={"device": "cam"}, headers=h)
                for e in r.json()["events"]:
                    got = await hub.client.get(f"/api/events/{e['id']}/clip", headers=h)
                    if got.status_code == 202:
                        pending.add(e["id"])  # its post-roll is still being recorded
                        assert int(got.headers["retry-after"]) >= 1
                    if got.status_code == 200:
                        return e["id"], got
                return None

            event_id, found = await until(clip, 90, "a clip of a motion event")
            assert event_id in pending, "the clip link answered 202 until the post-roll"
            path = tmp_path / "clip.mp4"
            path.write_bytes(found.content)
            info = probe_all(path)
            streams = streams_of(info)
            video, audio = streams["video"], streams["audio"]
            assert (video["codec_name"], video["width"], video["profile"]) == ("h264", 640, "Main")
            assert audio["codec_name"] == "aac" and int(audio["sample_rate"]) == 8000
            assert float(audio["duration"]) == pytest.approx(float(video["duration"]), abs=0.5)
            assert float(video["duration"]) >= DEMO_RECORD["post_seconds"]
            with av.open(str(path)) as container:
                first = next(p for p in container.demux(video=0) if p.size)
                assert first.is_keyframe
                assert b"camhub-ts=" in bytes(first), "the camera's own H.264, remuxed"
            packets = hub.state.service.streams.packets
            assert packets.sources[("cam", "main")].audio.units > 0

            # tinyCam: the event list links the clip, get_file serves it
            basic = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
            tiny = {"Authorization": f"Basic {basic}"}
            cam_id = zlib.crc32(b"cam") & 0x7FFFFFFF
            r = await hub.client.get(
                "/api/v1/get_cam_event_list", params={"cameraId": cam_id}, headers=tiny
            )
            assert r.status_code == 200
            linked = [e for e in r.json()["data"] if e.get("video")]
            assert linked, r.json()
            served = await hub.client.get(linked[-1]["video"], headers=tiny)
            assert served.status_code == 200 and served.headers["content-type"] == "video/mp4"
            bodies = [(await hub.client.get(e["video"], headers=tiny)).content for e in linked]
            assert found.content in bodies, "tinyCam's link is the event's clip"
    finally:
        emus.stop()
