"""Where a recorder's video comes from: a camera's H.264 feed, or its JPEG frames
encoded once (in a worker process, see :mod:`camhub.recordings.encoder`).

The recordings layer never opens a camera itself: the service injects

- ``feed_for(device) -> Feed | None``: the camera's shared H.264 stream (the packet
  hub's feed for it; :class:`camhub.media.types.Feed`), None when it has none;
- ``jpeg_frames_for(device) -> AsyncIterator[JpegFrame] | None``: its JPEG frames as
  the stream hub receives them, for a camera that only sends MJPEG.

Either way a recorder reads an async iterator of
:class:`~camhub.media.types.AccessUnit` that starts at a keyframe, and, when the feed
has the camera's sound (an :class:`~camhub.media.types.AudioFeed`), one of its
:class:`~camhub.media.types.AudioUnit` s beside it (:class:`Media`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from camhub.media.types import AccessUnit, AudioFeed, AudioUnit, Feed
from camhub.recordings.encoder import JpegEncoder

KEYFRAME_EVERY_MS = 2000  # GOP of the H.264 made from JPEGs: the pre-roll's granularity


class JpegFrame(Protocol):
    """One received JPEG (``camhub.streams`` frames have this shape)."""

    @property
    def jpeg(self) -> bytes: ...

    @property
    def timestamp(self) -> int: ...  # ms since the epoch


@dataclass(frozen=True, slots=True)
class Media:
    """What a recorder reads: the pictures, and the sound when there is one."""

    video: AsyncIterator[AccessUnit]
    audio: AsyncIterator[AudioUnit] | None = None


FeedFor = Callable[[str], Feed | None]
JpegFramesFor = Callable[[str], AsyncIterator[JpegFrame] | None]


def no_feed(name: str) -> Feed | None:
    return None


def no_frames(name: str) -> AsyncIterator[JpegFrame] | None:
    return None


async def encoded(frames: AsyncIterator[JpegFrame]) -> AsyncIterator[AccessUnit]:
    """H.264 access units of JPEG frames, encoded in a worker process that lives as
    long as this iterator. Starts at a keyframe; an IDR every
    :data:`KEYFRAME_EVERY_MS`. A frame arriving while the worker is busy waits in
    the frame source, which keeps only the newest (the stream hub's viewers do)."""
    last_key: int | None = None
    last_ts = -1
    try:
        async with JpegEncoder() as encoder:
            async for frame in frames:
                ts = max(frame.timestamp, last_ts + 1)
                last_ts = ts
                force = last_key is None or ts - last_key >= KEYFRAME_EVERY_MS
                if force:
                    last_key = ts
                for au in await encoder.encode(frame.jpeg, ts, force):
                    yield au
            for au in await encoder.flush():
                yield au
    finally:
        close = getattr(frames, "aclose", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()


def open_source(name: str, feed_for: FeedFor, jpeg_frames_for: JpegFramesFor) -> Media | None:
    """The camera's H.264 access units (and sound): its feed when it has one, else its
    JPEGs encoded (no sound); None when it has no video at all."""
    feed = feed_for(name)
    if feed is not None:
        audio = feed.subscribe_audio() if isinstance(feed, AudioFeed) else None
        return Media(feed.subscribe(), audio)
    frames = jpeg_frames_for(name)
    if frames is not None:
        return Media(encoded(frames))
    return None
