"""The feed interface: what an RTSP server (or any H.264 consumer) reads from.

A *feed* is one H.264 video stream, shared by all its consumers. The camera
emulators provide one per stream (``camhub.sim.h264.H264Feed``, libx264 from the
synthetic scene) and camhub's packet hub provides the same interface for a camera
stream it pulls. The whole contract::

    @dataclass(frozen=True)
    class AccessUnit:
        data: bytes      # Annex-B: every NAL unit of one picture, each after a start code
        pts_90k: int     # presentation time on a 90 kHz clock, increasing, any origin
        keyframe: bool   # an IDR picture: a decoder can start here

    @dataclass(frozen=True)
    class VideoInfo:
        sps: bytes       # the sequence parameter set NAL unit, no start code
        pps: bytes       # the picture parameter set NAL unit, no start code
        width: int
        height: int

    class Feed(Protocol):
        async def video_info(self) -> VideoInfo: ...
        def subscribe(self) -> AsyncIterator[AccessUnit]: ...

Rules a feed keeps:

- ``video_info()`` answers once the stream's parameter sets are known (a feed that
  must first reach its camera may take a moment; callers bound the wait). It raises
  ``LookupError`` when the stream is gone for good.
- ``subscribe()`` returns an async iterator (normally an async generator) that starts
  at a keyframe and yields access units as they are produced, live, never a backlog.
  A keyframe's access unit carries its SPS and PPS in band, so a consumer that joins
  late or skips ahead needs nothing else; when the parameter sets change (a new
  resolution) the next keyframe carries the new ones. The iterator ends when the
  stream ends. The consumer leaves by closing it (``aclose()``, e.g. through
  ``contextlib.aclosing``); a feed may stop producing when nobody subscribes.
- A subscriber must read promptly: a feed may skip a lagging subscriber ahead to the
  next keyframe (see :class:`camhub.media.queue.KeyframeQueue`).

A feed may also carry the camera's sound (an :class:`AudioFeed`)::

    @dataclass(frozen=True)
    class AudioInfo:
        codec: str       # "pcm_alaw" | "pcm_mulaw" (G.711) | "aac" | "pcm_s16le" (WAV)
        rate: int        # samples per second (the RTP clock rate)
        channels: int
        config: bytes    # AAC: its AudioSpecificConfig; b"" for G.711

    @dataclass(frozen=True)
    class AudioUnit:
        data: bytes      # one RTP payload's worth: G.711 bytes, or one raw AAC frame
        pts: int         # its first sample, in samples at ``info.rate``
        info: AudioInfo

    class AudioFeed(Protocol):
        async def audio_info(self) -> AudioInfo | None: ...   # None: no sound
        def subscribe_audio(self) -> AsyncIterator[AudioUnit]: ...

The audio's ``pts`` is on the video's timeline: ``pts / rate`` and ``pts_90k / 90000``
are seconds from the same origin, so a unit and a picture with equal times were
captured together. Audio subscriptions are live, bounded and lossy (a lagging
subscriber loses the oldest units), never a reason to hold up the video; a video
subscriber never sees audio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class AccessUnit:
    """One coded picture in Annex-B form (see the module docstring)."""

    data: bytes
    pts_90k: int
    keyframe: bool


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What a stream description (SDP) needs: parameter sets and size."""

    sps: bytes
    pps: bytes
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """One sound track: codec, clock rate, channels (see the module docstring)."""

    codec: str
    rate: int
    channels: int = 1
    config: bytes = b""

    @property
    def frame_samples(self) -> int | None:
        """Samples in each unit when the codec fixes it (AAC: 1024), else None."""
        return AAC_FRAME if self.codec == "aac" else None


AAC_FRAME = 1024  # samples in an AAC-LC frame
G711 = frozenset({"pcm_alaw", "pcm_mulaw"})
PCM16 = "pcm_s16le"  # a WAV's plain samples (camhub.media.wav)


@dataclass(frozen=True, slots=True)
class AudioUnit:
    """Coded sound: one G.711 packet or one AAC frame (see the module docstring)."""

    data: bytes
    pts: int
    info: AudioInfo

    @property
    def samples(self) -> int:
        """How many samples (per channel) it holds."""
        if self.info.codec in G711:
            return len(self.data) // max(1, self.info.channels)
        if self.info.codec == PCM16:
            return len(self.data) // (2 * max(1, self.info.channels))
        return AAC_FRAME


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What camhub's packet hub knows of a camera stream it reads: its codec, size,
    parameter sets and frame rate (a :class:`VideoInfo` plus codec and fps)."""

    codec: str  # "h264"
    width: int
    height: int
    sps: bytes
    pps: bytes
    fps: float | None = None
    audio: AudioInfo | None = None  # the camera's sound, when it sends one camhub reads

    @property
    def video(self) -> VideoInfo:
        return VideoInfo(self.sps, self.pps, self.width, self.height)


@runtime_checkable
class Feed(Protocol):
    """One shared H.264 stream (see the module docstring)."""

    async def video_info(self) -> VideoInfo: ...

    def subscribe(self) -> AsyncIterator[AccessUnit]: ...


@runtime_checkable
class AudioFeed(Protocol):
    """A feed's sound track (see the module docstring)."""

    async def audio_info(self) -> AudioInfo | None: ...

    def subscribe_audio(self) -> AsyncIterator[AudioUnit]: ...
