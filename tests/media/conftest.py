"""Real H.264 for the media tests: libx264 clips and a feed that replays one.

``make_clip`` encodes frames of the synthetic scene (or of noise, which makes big
access units) with the emulators' encoder settings. ``ClipFeed`` is a
:class:`camhub.media.types.Feed` replaying a clip at a chosen rate with increasing
timestamps, optionally a fixed number of units (then its subscriptions end).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import av
import numpy as np

from camhub.media import h264
from camhub.media.types import AccessUnit, VideoInfo
from camhub.sim.h264 import EncoderSettings, open_encoder
from camhub.sim.video import VideoSource


def make_clip(
    width: int = 320, height: int = 240, frames: int = 30, gop: int = 10, noise: bool = False
) -> list[AccessUnit]:
    settings = EncoderSettings(width, height, fps=15, gop_seconds=gop / 15, profile="baseline")
    ctx = open_encoder(settings)
    video = VideoSource(scene="motion")
    rng = np.random.default_rng(1)
    units = []
    t0 = time.time()
    for i in range(frames):
        if noise:
            picture = rng.integers(0, 256, (height * 3 // 2, width), dtype=np.uint8)
        else:
            picture = video.render_yuv420(t0 + i / 15, width, height)
        frame = av.VideoFrame.from_ndarray(picture, format="yuv420p")
        frame.pts = i * 6000
        for packet in ctx.encode(frame):
            units.append(AccessUnit(bytes(packet), i * 6000, packet.is_keyframe))
    return units


class ClipFeed:
    def __init__(self, clip: list[AccessUnit], rate: float = 15.0, count: int | None = None):
        self.clip, self.rate, self.count = clip, rate, count
        self.subscribers = 0
        found = h264.parameter_sets(clip[0].data)
        assert found is not None
        self.info = VideoInfo(*found, *h264.sps_size(found[0]))

    async def video_info(self) -> VideoInfo:
        return self.info

    async def subscribe(self) -> AsyncIterator[AccessUnit]:
        self.subscribers += 1
        try:
            step = 90000 / self.rate
            i = 0
            while self.count is None or i < self.count:
                au = self.clip[i % len(self.clip)]
                yield AccessUnit(au.data, round(i * step), au.keyframe)
                i += 1
                await asyncio.sleep(1 / self.rate)
        finally:
            self.subscribers -= 1
