"""A camera stream's sound, beside its video in the packet hub.

Each :class:`~camhub.streams.packets.PacketSource` has an :class:`AudioTrack`: the
sound the current connection carries (its :class:`~camhub.media.types.AudioInfo`, or
None) and a fan-out of its :class:`~camhub.media.types.AudioUnit` s to whoever
listens (the recorder, camhub's RTSP server). Listening is passive: an audio
consumer does not keep the camera connection open (video consumers do), and while
nobody listens the reader thread drops the sound before it reaches the event loop
(:meth:`AudioTrack.wanted`), so a camera's audio costs video-only viewers nothing.
Each consumer's queue is bounded (:data:`QUEUE_LIMIT` units; a lagging one loses its
backlog, never holds up anyone). What gets this far passed the reader's
:class:`~camhub.streams.audio_gate.AudioGate`.
"""

from __future__ import annotations

import logging

from camhub.errors import CamhubError
from camhub.media.types import AudioInfo, AudioUnit
from camhub.streams.fanout import Consumer, Fanout

log = logging.getLogger("camhub.streams.audio")

QUEUE_LIMIT = 100  # units (4 s of 40 ms G.711 packets) a listener may fall behind
AudioBatch = tuple[AudioUnit, ...]  # what the reader posts: units since its last post


class AudioTrack:
    def __init__(self, name: str) -> None:
        self.name = name
        self.info: AudioInfo | None = None
        self.fanout: Fanout[AudioUnit] = Fanout()
        self.units = 0

    def wanted(self) -> bool:
        """Whether anyone listens (read from the reader thread: a set's size)."""
        return bool(self.fanout.consumers)

    def subscribe(self) -> Consumer[AudioUnit]:
        return self.fanout.subscribe(limit=QUEUE_LIMIT, prime=False)

    def reset(self) -> None:
        """A new connection: its sound (if any) is described afresh."""
        self.info = None

    def describe(self, info: AudioInfo) -> None:
        if info != self.info:
            log.debug("%s: sound %s %d Hz x%d", self.name, info.codec, info.rate, info.channels)
        self.info = info

    def publish(self, batch: AudioBatch) -> None:
        for unit in batch:
            if unit.info != self.info:
                continue  # from a connection already let go
            self.units += 1
            self.fanout.publish(unit, True)

    def fail(self, error: CamhubError) -> None:
        """The stream is gone for good: listeners hear it."""
        self.info = None
        self.fanout.fail(error, final=True)
