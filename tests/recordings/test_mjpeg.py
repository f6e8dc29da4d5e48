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
from camhub.sim.video import VideoSource
from tests.conftest import InProcess
from tests.helpers.wait import until
from tests.recordings.conftest import manager_of
from tests.recordings.media import T0, ffprobe


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
