"""Real H.264 for the camera emulators: libx264 (PyAV's bundled FFmpeg) of a scene.

:class:`H264Feed` is one emulated camera stream (e.g. a Tapo ``stream1``) and a
:class:`camhub.media.types.Feed`: it encodes the :class:`VideoSource` picture at one
size and frame rate, once, for all its subscribers. The encoder runs only while
someone subscribes (it starts on the first subscriber with a keyframe and stops with
the last), so an idle emulator costs nothing. Encoding runs in a worker thread (PyAV
releases the GIL while x264 works), paced by the wall clock; a late frame is skipped,
never bursted.

Every frame shows the wall-clock time (``HH:MM:SS.mmm``) and carries its capture time
in an SEI (``camhub-ts=<ms>``, :func:`camhub.media.h264.sei_timestamp`), so motion and
latency stay measurable through any H.264 path. Each keyframe carries its SPS and PPS
in band; GOP ``gop_seconds`` (1 s by default), no B-frames (``tune=zerolatency``).

CPU (measured with ``bench/h264_encode.py`` on this 2-core machine, one core's share
while streaming at 15 fps): see ``docs/performance.md``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import av
import numpy as np
from av.video.codeccontext import VideoCodecContext

from camhub.media import h264
from camhub.media.queue import KeyframeQueue
from camhub.media.types import AccessUnit, VideoInfo
from camhub.sim.shared_encoder import SharedEncoder, UnitQueue
from camhub.sim.video import VideoSource

Profile = Literal["baseline", "main"]


@dataclass(frozen=True)
class EncoderSettings:
    width: int
    height: int
    fps: float = 15.0
    gop_seconds: float = 1.0
    profile: Profile = "main"
    crf: int = 26

    def __post_init__(self) -> None:
        if self.width % 2 or self.height % 2 or self.width < 16 or self.height < 16:
            raise ValueError(f"bad H.264 size {self.width}x{self.height}")
        if not 1 <= self.fps <= 60:
            raise ValueError(f"bad frame rate {self.fps}")

    @property
    def gop(self) -> int:
        return max(1, round(self.fps * self.gop_seconds))


def open_encoder(s: EncoderSettings) -> VideoCodecContext:
    """A libx264 context: Annex-B with in-band SPS/PPS on every keyframe."""
    ctx = av.CodecContext.create("libx264", "w")
    assert isinstance(ctx, VideoCodecContext)
    ctx.width, ctx.height, ctx.pix_fmt = s.width, s.height, "yuv420p"
    ctx.time_base = Fraction(1, 90000)
    ctx.framerate = Fraction(s.fps).limit_denominator(1001)
    ctx.gop_size = s.gop
    ctx.thread_count = 1
    # ultrafast has no CABAC, so x264 would write a Baseline SPS whatever the profile.
    preset = "ultrafast" if s.profile == "baseline" else "superfast"
    ctx.options = {
        "preset": preset,
        "tune": "zerolatency",
        "profile": s.profile,
        "crf": str(s.crf),
        "x264-params": f"scenecut=0:keyint={s.gop}:min-keyint={s.gop}",
    }
    ctx.open()
    return ctx


class H264Feed(SharedEncoder[AccessUnit]):
    """One encoded stream of a :class:`VideoSource`, shared by every subscriber (its
    life: :mod:`camhub.sim.shared_encoder`)."""

    task_name = "h264-encoder"
    what = "H.264 encoder"

    def __init__(
        self,
        video: VideoSource,
        settings: EncoderSettings,
        queue_size: int = 32,
        blank: Callable[[], bool] | None = None,
    ) -> None:
        self.video = video
        self.blank = blank  # while it answers True, frames are black (a privacy mode)
        self.settings = settings
        self.queue_size = queue_size
        super().__init__()
        self._info: VideoInfo | None = None
        self._info_for: EncoderSettings | None = None
        self.encoders_started = 0  # encoder runs so far (one per busy period)
        self.frames_encoded = 0
        self.frames_skipped = 0  # ticks the encoder was too late for

    # observability ---------------------------------------------------------------------
    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    # Feed ------------------------------------------------------------------------------
    async def video_info(self) -> VideoInfo:
        settings = self.settings
        if self._info is None or self._info_for != settings:
            info = await asyncio.to_thread(self._probe, settings)
            if self.settings == settings:
                self._info, self._info_for = info, settings
            return info
        return self._info

    def _new_queue(self) -> UnitQueue[AccessUnit]:
        return KeyframeQueue(self.queue_size)

    # control ---------------------------------------------------------------------------
    def reconfigure(self, settings: EncoderSettings) -> None:
        """New size / rate / profile; a running encoder restarts on a keyframe."""
        if settings == self.settings:
            return
        self.settings = settings
        if self._task is not None and not self._task.done():
            self._task.cancel()  # its last frame, if any, is dropped
            self._start_encoder()

    # encoding --------------------------------------------------------------------------
    def _probe(self, s: EncoderSettings) -> VideoInfo:
        """Parameter sets of these settings: encode one frame and read them."""
        ctx = open_encoder(s)
        frame = av.VideoFrame.from_ndarray(
            self.video.render_yuv420(time.time(), s.width, s.height), format="yuv420p"
        )
        frame.pts = 0
        data = b"".join(bytes(p) for p in [*ctx.encode(frame), *ctx.encode(None)])
        found = h264.parameter_sets(data)
        if found is None:
            raise RuntimeError("libx264 produced no SPS/PPS")
        return VideoInfo(found[0], found[1], s.width, s.height)

    def _tick(self, s: EncoderSettings) -> int:
        return int((time.time() - self.video.t0) * s.fps)

    def _picture(self, t: float, s: EncoderSettings) -> np.ndarray:
        if self.blank is not None and self.blank():
            buf = np.empty((s.height * 3 // 2, s.width), dtype=np.uint8)
            buf[: s.height] = 16  # black, limited range
            buf[s.height :] = 128
            return buf
        return self.video.render_yuv420(t, s.width, s.height)

    def _encode(self, ctx: VideoCodecContext, s: EncoderSettings, tick: int) -> AccessUnit | None:
        t = self.video.t0 + tick / s.fps
        frame = av.VideoFrame.from_ndarray(self._picture(t, s), format="yuv420p")
        pts = round(tick * 90000 / s.fps)
        frame.pts = pts
        data = b"".join(bytes(p) for p in ctx.encode(frame))
        if not data:
            return None
        nals = h264.split_annexb(data)
        first_slice = next(
            (i for i, n in enumerate(nals) if h264.nal_type(n) in (h264.NAL_SLICE, h264.NAL_IDR)),
            len(nals),
        )
        nals.insert(first_slice, h264.timestamp_sei(int(t * 1000)))
        keyframe = any(h264.nal_type(n) == h264.NAL_IDR for n in nals)
        return AccessUnit(h264.annexb(nals), pts, keyframe)

    async def _encode_loop(self) -> None:
        s = self.settings
        ctx = await asyncio.to_thread(open_encoder, s)
        self.encoders_started += 1
        tick = self._tick(s) + 1
        while True:
            due = self.video.t0 + tick / s.fps
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1.0 / s.fps:  # fell behind: skip to now instead of bursting
                now_tick = self._tick(s)
                self.frames_skipped += now_tick - tick
                tick = now_tick
            au = await asyncio.to_thread(self._encode, ctx, s, tick)
            tick += 1
            if au is None:
                continue
            self.frames_encoded += 1
            if au.keyframe:
                found = h264.parameter_sets(au.data)
                if found is not None:
                    self._info = VideoInfo(found[0], found[1], s.width, s.height)
                    self._info_for = s
            self._publish(au)
