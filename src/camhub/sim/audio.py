"""Real sound for the camera emulators: a synthetic microphone, encoded with PyAV.

:class:`SoundSource` is what an emulated camera's microphone hears, a function of
time on its :class:`~camhub.sim.video.VideoSource`'s clock: a faint room noise, and
while the scene's block moves a 660 Hz tone (so a motion event is heard as well as
seen, and a test can check the two line up). :class:`SoundFeed` encodes it once for
all its subscribers, only while someone listens, in the camera's codec:

- ``pcm_alaw`` (G.711 A-law, 8 kHz mono, 40 ms packets), what Tapo cameras send;
- ``aac`` (AAC-LC mono, 1024-sample frames, by default at 44.1 kHz: the one rate
  Android guarantees every microphone records at, what an app encoding with
  MediaCodec sends), its AudioSpecificConfig the 2-byte one MediaCodec gives.

A unit's ``pts`` counts samples from the video source's ``t0``, the origin of the
H.264 feeds' ``pts_90k``: the two tracks share one timeline (see
:mod:`camhub.media.types`). Encoding is paced by the wall clock; a late loop skips
ahead instead of bursting. :class:`AvFeed` puts a video feed and a sound feed
together as the two-track feed an RTSP server serves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from fractions import Fraction

import av
import numpy as np
from av.audio.codeccontext import AudioCodecContext

from camhub.media.audio import aac_lc_config
from camhub.media.queue import LossyQueue
from camhub.media.types import AccessUnit, AudioInfo, AudioUnit, Feed, VideoInfo
from camhub.sim.shared_encoder import SharedEncoder, UnitQueue
from camhub.sim.video import VideoSource

TONE_HZ = 660.0
TONE_LEVEL = 0.35  # of full scale, while the block moves
NOISE_LEVEL = 0.01  # the room, always
G711_PACKET_MS = 40


class SoundSource:
    """The microphone of one emulated camera (see the module docstring)."""

    def __init__(self, video: VideoSource, seed: int = 0) -> None:
        self.video = video
        self._noise = np.random.default_rng(seed).standard_normal(48_000).astype(np.float32)

    def samples(self, first: int, count: int, rate: int) -> np.ndarray:
        """``count`` float samples in [-1, 1] from sample ``first`` (since ``t0``)."""
        n = np.arange(first, first + count, dtype=np.int64)
        out = self._noise[n % len(self._noise)] * NOISE_LEVEL
        t0 = self.video.t0
        start, end = t0 + first / rate, t0 + (first + count) / rate
        if self.video.moving(start) or self.video.moving(end):
            moving = np.fromiter(
                (self.video.moving(t0 + i / rate) for i in range(first, first + count, 80)),
                dtype=bool,
            ).repeat(80)[:count]
            tone = np.sin(2 * np.pi * TONE_HZ * (n % rate) / rate) * TONE_LEVEL
            out = out + np.where(moving, tone, 0.0).astype(np.float32)
        clipped: np.ndarray = np.clip(out, -1.0, 1.0).astype(np.float32)
        return clipped


def open_audio_encoder(codec: str, rate: int) -> AudioCodecContext:
    ctx = av.CodecContext.create(codec, "w")
    assert isinstance(ctx, AudioCodecContext)
    ctx.sample_rate, ctx.layout = rate, "mono"
    ctx.format = "fltp" if codec == "aac" else "s16"
    ctx.time_base = Fraction(1, rate)
    if codec == "aac":
        ctx.bit_rate = 64_000 if rate > 16_000 else 24_000
    ctx.open()
    return ctx


class SoundFeed(SharedEncoder[AudioUnit]):
    """One camera's encoded sound, shared by every subscriber (its life:
    :mod:`camhub.sim.shared_encoder`)."""

    task_name = "sim-audio"
    what = "audio encoder"

    def __init__(self, sound: SoundSource, codec: str = "pcm_alaw", rate: int = 8000) -> None:
        if codec not in ("pcm_alaw", "pcm_mulaw", "aac"):
            raise ValueError(f"no such emulated audio codec {codec!r}")
        self.sound = sound
        config = aac_lc_config(rate, 1) if codec == "aac" else b""
        self.info = AudioInfo(codec, rate, 1, config)
        self.chunk = 1024 if codec == "aac" else rate * G711_PACKET_MS // 1000
        super().__init__()
        self._start = 0  # the first sample of the current encoder's run
        self.units_encoded = 0
        self.chunks_skipped = 0

    def _new_queue(self) -> UnitQueue[AudioUnit]:
        return LossyQueue[AudioUnit](64)

    def _now(self) -> int:
        """The first sample of the chunk being captured now."""
        rate, chunk = self.info.rate, self.chunk
        return int((time.time() - self.sound.video.t0) * rate) // chunk * chunk

    def _encode(self, ctx: AudioCodecContext, first: int) -> list[AudioUnit]:
        rate = self.info.rate
        pcm = self.sound.samples(first, self.chunk, rate).reshape(1, -1)
        if ctx.format.name == "s16":
            pcm = (pcm * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm, format=ctx.format.name, layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, first, Fraction(1, rate)
        units = []
        for packet in ctx.encode(frame):
            if packet.pts is None or packet.pts < self._start:
                continue  # AAC's priming frame: before the first sample
            units.append(AudioUnit(bytes(packet), int(packet.pts), self.info))
        return units

    async def _encode_loop(self) -> None:
        rate, chunk = self.info.rate, self.chunk
        ctx = open_audio_encoder(self.info.codec, rate)
        first = self._start = self._now()
        while True:
            due = self.sound.video.t0 + (first + chunk) / rate  # its last sample is heard
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.5:  # fell behind: a new encoder from now, never a burst
                skipped_to = self._now()
                self.chunks_skipped += (skipped_to - first) // chunk
                ctx = open_audio_encoder(self.info.codec, rate)
                first = self._start = skipped_to
                continue
            units = self._encode(ctx, first)
            first += chunk
            self.units_encoded += len(units)
            for unit in units:
                self._publish(unit)


class AvFeed:
    """A video :class:`~camhub.media.types.Feed` with a sound track
    (:class:`~camhub.media.types.AudioFeed`): what the emulators' RTSP servers serve.
    ``enabled`` says whether the sound is on now (an app's ``audioEnabled``)."""

    def __init__(
        self, video: Feed, sound: SoundFeed, enabled: Callable[[], bool] | None = None
    ) -> None:
        self.video, self.sound, self.enabled = video, sound, enabled

    async def video_info(self) -> VideoInfo:
        return await self.video.video_info()

    def subscribe(self) -> AsyncIterator[AccessUnit]:
        return self.video.subscribe()

    async def audio_info(self) -> AudioInfo | None:
        if self.enabled is not None and not self.enabled():
            return None
        return self.sound.info

    def subscribe_audio(self) -> AsyncIterator[AudioUnit]:
        return self.sound.subscribe()
