"""Media: ``snapshot``, ``stream`` and ``audio``, and where a driver says to read them.

Their routes (``snapshot``, ``stream.mjpeg``, ...) belong to the media router, which
shares one upstream per camera between all viewers; these specs only state the driver
side: a still, or a *source* to read (an HTTP MJPEG/JPEG/WAV URL or an RTSP URL).
"""

from __future__ import annotations

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


MediaSource = HttpSource | RtspSource


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
