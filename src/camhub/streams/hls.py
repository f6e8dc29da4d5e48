"""HLS (RFC 8216, version 7, fMP4 segments) from a camera's shared fMP4 feed.

A segment is the feed's fragments from a keyframe to the first keyframe at least
:data:`SEGMENT_TARGET` seconds later (a 1 s GOP gives 1 s segments), joined once; the
playlist is a sliding window of :data:`WINDOW` segments with ``EXT-X-MAP`` naming the
init segment (a new one, after ``EXT-X-DISCONTINUITY``, when the camera changes
resolution). Players only poll, so a stream lives while it is asked for: :data:`IDLE`
seconds after the last request it stops, and with it -- when nobody else watches --
the camera connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from camhub.errors import CamhubError, DeviceTimeout
from camhub.streams.fanout import Consumer
from camhub.streams.fmp4 import Fragment, Init

if TYPE_CHECKING:
    from camhub.streams.packets import Profile

SEGMENT_TARGET = 1.0  # seconds; segments end at the first keyframe after this
WINDOW = 6  # segments in the playlist
IDLE = 30.0  # seconds without a request before the stream stops
MAX_SEGMENT_BYTES = 32 * 2**20  # a GOP larger than this is dropped, not kept
TIMESCALE = 90000


@dataclass(frozen=True, slots=True)
class Segment:
    seq: int
    duration: float
    data: bytes
    gen: int  # which init segment
    discontinuity: bool


class HlsStream:
    def __init__(
        self,
        consumer: Consumer[Fragment],
        forget: Callable[[HlsStream], None],
        name: str,
        profile: Profile,
    ) -> None:
        """``consumer``: of the camera's shared fMP4 feed; ``forget``: called when the
        stream stops (nobody asked for :data:`IDLE` seconds)."""
        self._forget = forget
        self.name = name
        self.profile: Profile = profile
        self.segments: deque[Segment] = deque()
        self.inits: dict[int, bytes] = {}
        self.discontinuity_seq = 0
        self.error: CamhubError | None = None
        self._consumer = consumer
        self._seq = 0
        self._gen = 0
        self._init: Init | None = None
        self._parts: list[bytes] = []
        self._size = 0
        self._start = self._last = self._step = 0
        self._discontinuity = False
        self._changed = asyncio.Event()
        self._idle: asyncio.TimerHandle | None = None
        self._task = asyncio.create_task(self._run(), name=f"camhub-hls-{name}")

    @property
    def running(self) -> bool:
        return not self._task.done()

    def touch(self) -> None:
        """A player asked: keep going for another :data:`IDLE` seconds."""
        if self._idle is not None:
            self._idle.cancel()
        self._idle = asyncio.get_running_loop().call_later(IDLE, self._expire)

    def _expire(self) -> None:
        self._idle = None
        self._task.cancel()
        self._consumer.close()
        self._forget(self)

    async def close(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self._expire()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    # what players read ----------------------------------------------------------------
    async def ready(self, within: float) -> None:
        """Wait for the first segment; the camera's error if it fails first."""
        try:
            async with asyncio.timeout(within):
                while not self.segments:
                    if self.error is not None:
                        raise self.error.with_traceback(None)
                    if not self.running:
                        raise DeviceTimeout(f"{self.name}: the stream stopped", device=self.name)
                    self._changed.clear()
                    await self._changed.wait()
        except TimeoutError:
            msg = f"{self.name}: no video in {within:g} s"
            raise DeviceTimeout(msg, device=self.name) from None

    def playlist(self, query: str = "") -> str:
        """The media playlist; ``query`` (``?token=...``) is added to every URI."""
        segments = list(self.segments)
        target = max(1, math.ceil(max((s.duration for s in segments), default=1.0)))
        lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:7",
            f"#EXT-X-TARGETDURATION:{target}",
            f"#EXT-X-MEDIA-SEQUENCE:{segments[0].seq if segments else 0}",
            f"#EXT-X-DISCONTINUITY-SEQUENCE:{self.discontinuity_seq}",
            "#EXT-X-INDEPENDENT-SEGMENTS",
        ]
        gen = None
        for s in segments:
            if s.discontinuity:
                lines.append("#EXT-X-DISCONTINUITY")
            if s.gen != gen:
                lines.append(f'#EXT-X-MAP:URI="init{s.gen}.mp4{query}"')
                gen = s.gen
            lines += [f"#EXTINF:{s.duration:.3f},", f"{s.seq}.m4s{query}"]
        return "\n".join(lines) + "\n"

    def segment(self, seq: int) -> bytes | None:
        for s in self.segments:
            if s.seq == seq:
                return s.data
        return None

    # segmenting --------------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            drops = 0
            while True:
                try:
                    frag = await self._consumer.get()
                except CamhubError as exc:
                    self.error = exc
                    self._changed.set()
                    if self._consumer.final:
                        return
                    continue
                self.error = None
                if frag.init is not self._init:
                    self._cut(self._last + self._step)
                    if self._init is not None:
                        self._discontinuity = True
                    self._init = frag.init
                    self._gen += 1
                    self.inits[self._gen] = frag.init.data
                elif self._consumer.drops != drops:  # we fell behind: a hole in time
                    drops = self._consumer.drops
                    self._cut(self._last + self._step)
                    self._discontinuity = True
                elif frag.keyframe and frag.decode_time - self._start >= SEGMENT_TARGET * TIMESCALE:
                    self._cut(frag.decode_time)
                if not self._parts:
                    if not frag.keyframe:
                        continue  # a segment starts on a keyframe
                    self._start = frag.decode_time
                elif frag.decode_time > self._last:
                    self._step = frag.decode_time - self._last
                self._parts.append(frag.data)
                self._size += len(frag.data)
                self._last = frag.decode_time
                if self._size > MAX_SEGMENT_BYTES:
                    self._parts, self._size = [], 0
                    self._discontinuity = True
        finally:
            self._consumer.close()
            self._changed.set()

    def _cut(self, end: int) -> None:
        if not self._parts:
            return
        self._seq += 1
        duration = max(end - self._start, 1) / TIMESCALE
        data = b"".join(self._parts)
        self.segments.append(Segment(self._seq, duration, data, self._gen, self._discontinuity))
        self._parts, self._size, self._discontinuity = [], 0, False
        while len(self.segments) > WINDOW:
            gone = self.segments.popleft()
            if gone.discontinuity:
                self.discontinuity_seq += 1
        keep = {s.gen for s in self.segments} | {self._gen}
        for gen in [g for g in self.inits if g not in keep]:
            del self.inits[gen]
        self._changed.set()
