"""Media: ``snapshot``, ``stream`` and ``audio``, and where a driver says to read them.

Their routes (``snapshot``, ``stream.mjpeg``, ...) belong to the media router, which
shares one upstream per camera between all viewers; these specs only state the driver
side: a still, or a *source* to read (an HTTP MJPEG/JPEG/WAV URL, an RTSP URL, or
an MPEG-TS stream the driver's own client opens).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp

from camhub.capabilities.base import Action, Capability, Spec, register

C = Capability


@dataclass(frozen=True)
class HttpSource:
    """Where a media stream (MJPEG, JPEG, WAV) is fetched from, and how."""

    url: str = field(repr=False)  # may carry a token in its query
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    auth: aiohttp.BasicAuth | None = field(default=None, repr=False)
    digest: tuple[str, str] | None = field(default=None, repr=False)  # (user, password)
    verify_tls: bool = False

    def __repr__(self) -> str:
        return f"HttpSource({self.url.split('?', 1)[0]!r})"


@dataclass(frozen=True)
class RtspSource:
    """An RTSP stream (H.264), read over TCP."""

    url: str = field(repr=False)
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        head, _, rest = self.url.partition("://")
        return f"RtspSource({head}://{rest.rpartition('@')[2].split('?', 1)[0]!r})"


class ByteStream(Protocol):
    """A blocking binary stream: what :class:`MpegTsSource` opens."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (all of the next piece when negative); b"" at the end."""

    def close(self) -> None:
        """Let go; may be called from another thread to end a blocked :meth:`read`."""


@dataclass(frozen=True)
class MpegTsSource:
    """An H.264 stream in MPEG-TS that the driver's own client fetches: a vendor
    protocol FFmpeg cannot open from a URL (the Tapo port-8800 stream).

    ``open(open_timeout, stall_timeout)`` connects, logs in and returns the transport
    stream as a :class:`ByteStream`. The packet hub calls it in its reader thread and
    demuxes what it reads with FFmpeg, as it reads RTSP; ``open`` and ``read`` raise
    camhub errors (``DeviceAuthError``, ``DeviceTimeout``...). ``where`` names the
    stream in messages (``host:port``, never a secret).

    ``private_sound``: (FFmpeg codec name, sample rate) of a mono sound track the
    vendor carries under a private stream type FFmpeg cannot name (Tapo: G.711 A-law
    at 8 kHz under type 0x90); the first such track is read as that."""

    where: str
    open: Callable[[float, float], ByteStream] = field(repr=False, compare=False)
    private_sound: tuple[str, int] | None = None


MediaSource = HttpSource | RtspSource | MpegTsSource
# The sources of H.264 the packet hub reads (every other one is MJPEG/JPEG over HTTP).
H264_SOURCES = (RtspSource, MpegTsSource)


class SnapshotDriver(Protocol):
    async def snapshot(self) -> bytes:
        """A fresh JPEG still at the camera's native size."""


class StreamDriver(Protocol):
    async def stream_source(self) -> MediaSource:
        """Where to read the main stream; asked again on every (re)connect.

        A driver may also define ``substream_source()`` (a smaller stream that suffices
        for decoding and motion detection), returning a source or None."""


class AudioDriver(Protocol):
    async def audio_source(self) -> HttpSource:
        """Where to read audio (WAV)."""


register(
    Spec(
        C.SNAPSHOT,
        "Snapshot",
        "A JPEG still, at any size up to the camera's own.",
        ("snapshot",),
        None,
        (Action("get", "GET", "snapshot", None, None, "A JPEG (resolution, quality)"),),
        control="video",
    )
)
register(
    Spec(
        C.STREAM,
        "Live video",
        "Live video shared by every viewer over one camera connection.",
        ("stream_source",),
        None,
        (Action("mjpeg", "GET", "stream.mjpeg", None, None, "MJPEG (resolution, fps)"),),
        control="video",
    )
)
register(
    Spec(
        C.AUDIO,
        "Audio",
        "The camera's microphone as WAV.",
        ("audio_source",),
        None,
        (Action("wav", "GET", "audio.wav", None, None, "The microphone, as WAV"),),
        control="audio",
    )
)
