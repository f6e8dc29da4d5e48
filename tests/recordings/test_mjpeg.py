"""MJPEG-only cameras are encoded to H.264 once, in a worker process, at their own
size, only while they record."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import av

from camhub.config import RecordConfig
from camhub.media.types import AccessUnit
from camhub.recordings.mp4 import keyframe_info
from camhub.recordings.source import KEYFRAME_EVERY_MS, encoded
from camhub.sim import SimOptions
from camhub.sim.tinycam import TinyCamEmulator
from camhub.sim.video import VideoSource
from tests.conftest import InProcess, in_process, make_settings
from tests.helpers.wait import until
from tests.recordings.conftest import manager_of
from tests.recordings.media import T0, check_av, ffprobe, probe_all, streams_of, tone_share
from tests.tinycam.conftest import DOORBELL, FRONT_YARD


@dataclass(frozen=True)
class Jpeg:
    jpeg: bytes
    timestamp: int


async def frames(width: int, height: int, n: int, fps: int = 10) -> AsyncIterator[Jpeg]:
    video = VideoSource(width, height, fps=fps, scene="motion")
    for i in range(n):
        t = video.t0 + i / fps
        jpeg = video.frame(t, width, height, 85)
        yield Jpeg(b"\xff\xd8 broken" if i == 7 else jpeg, T0 + i * 1000 // fps)


def decode(units: list[AccessUnit]) -> list[av.VideoFrame]:
    ctx = av.CodecContext.create("h264", "r")
    out: list[av.VideoFrame] = []
    for au in units:
        out += ctx.decode(av.Packet(au.data))  # type: ignore[arg-type]
    return out


async def test_jpegs_become_h264_at_their_own_size_in_another_process() -> None:
    units: list[AccessUnit] = []
    source = encoded(frames(641, 361, 45))  # odd sizes: H.264 wants even ones
    async for au in source:
        units.append(au)
        if len(units) == 1:
            children = multiprocessing.active_children()
            assert [c.name for c in children] == ["camhub-rec-encoder"]
    assert not multiprocessing.active_children(), "the worker ends with its iterator"
    assert units[0].keyframe
    info = keyframe_info(units[0].data)
    assert info is not None and info[1:] == (640, 360)
    keys = [u.pts_90k // 90 - T0 for u in units if u.keyframe]
    assert keys[:3] == [0, KEYFRAME_EVERY_MS, 2 * KEYFRAME_EVERY_MS]
    assert len(units) == 44, "every frame but the broken one"
    pictures = decode(units)
    assert len(pictures) == 44 and (pictures[0].width, pictures[0].height) == (640, 360)


async def test_a_still_camera_records_through_the_stream_hub(hub: InProcess) -> None:
    """The service feeds a camera without H.264 from the stream hub's one upstream."""
    manager = manager_of(hub)
    config = hub.state.service.config
    devices = [
        d.model_copy(update={"record": RecordConfig(mode="continuous", segment_seconds=2)})
        if d.name == "cam"
        else d
        for d in config.devices
    ]
    await manager.sync(config.model_copy(update={"devices": devices}))
    found = await until(lambda: manager.index.find(device="cam"), 60, "a recording")
    info = ffprobe(manager.root / found[0].path)
    assert info["streams"][0]["width"] == 320 and info["streams"][0]["height"] == 180
    assert [c.name for c in multiprocessing.active_children()] == ["camhub-rec-encoder"]
    await manager.sync(config)  # recording off: the encoder goes
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        await until(lambda: True, 1)
    assert not multiprocessing.active_children()
    assert hub.state.streams.viewer_count("cam") == 0, "the recorder left the stream hub"
    assert Path(manager.root / found[0].path).is_file()


async def test_a_tinycam_servers_cameras_record_with_their_sound(tmp_path: Path) -> None:
    """``record`` on a tinyCam server records each of its cameras (its children), as
    they appear; each file carries the camera's WAV (``receive.wav``) as AAC beside its
    JPEGs encoded, the sound where the pictures are."""
    async with TinyCamEmulator(SimOptions(extra={"scene": "quiet"})) as emu:
        server = {"name": "phone", "kind": "tinycam", "host": "127.0.0.1", "port": emu.port}
        server |= {"username": "admin", "password": "admin", "poll_interval": 0.3}
        server |= {"record": {"mode": "continuous", "segment_seconds": 2}}
        async with in_process(make_settings(tmp_path / "d", devices=[server])) as hub:
            manager = manager_of(hub)
            cams = {"phone.front-yard": FRONT_YARD, "phone.doorbell": DOORBELL}
            await until(lambda: set(manager.recorders) == set(cams), 30, "a recorder per camera")

            async def with_sound(name: str) -> Path | None:
                # the first file may start before the sound does: a later one has it all
                for rec in (await manager.index.find(device=name, newest_first=False))[1:]:
                    path = manager.root / rec.path
                    if "audio" in streams_of(probe_all(path)):
                        return path
                return None

            for name, camera_id in cams.items():
                path = await until(lambda n=name: with_sound(n), 60, f"{name}: a file with sound")
                check_av(path, 8000)
                assert tone_share(path, 440.0 + (camera_id % 5) * 110) > 0.8, "its own tone"
            assert "phone" not in manager.recorders, "the server itself has no pictures"
            recorder = manager.recorders["phone.doorbell"]
            assert recorder.audio_units > 10 * recorder.audio_dropped, "sound kept, not dropped"
            service = hub.state.service
            devices = [d.model_copy(update={"record": None}) for d in service.config.devices]
            await service.apply(service.config.model_copy(update={"devices": devices}))
            assert manager.recorders == {}, "record off on the server: its cameras stop"
