"""One camera's recorder: reads its H.264, cuts GOPs, writes segments or event clips.

- ``continuous``: back-to-back files of ``segment_seconds``, each cut before a
  keyframe, so one ends exactly where the next begins; a new file also starts when
  the picture's parameters change or the video has a gap.
- ``events``: the last GOPs stay in a ring buffer (at least ``pre_seconds``); an
  event opens a clip from there, each further event moves its end to
  ``post_seconds`` after itself (overlapping events make one clip), and the clip
  closes at the first keyframe after that. A clip longer than
  :data:`MAX_CLIP_MS` is cut and continued in a new file.

The camera's sound (when its feed has one) goes with the GOP being collected when it
arrives, placed on the same clock as the pictures; a file carries it as AAC
(:mod:`camhub.recordings.audio`). Sound that does not fit the pictures' time (more
than :data:`AUDIO_SLACK_MS` away) is dropped, never a reason to cut a file.

All file work runs on one writer thread, in order (the manager shares a few such
threads between all cameras); the event loop only hands it GOPs. If the disk stalls, at
most :data:`MAX_BACKLOG` bytes wait, then GOPs are dropped (counted, logged once)
rather than memory growing.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from camhub.clock import now_ms
from camhub.config import RecordConfig
from camhub.errors import CamhubError
from camhub.media.types import AccessUnit, AudioInfo, AudioUnit
from camhub.recordings import files
from camhub.recordings.audio import AudioSample
from camhub.recordings.gop import Gop, GopBuilder
from camhub.recordings.mp4 import keyframe_info
from camhub.recordings.output import Finished, Output, finish_file, open_file, write_gop
from camhub.recordings.source import Media
from camhub.tasks import cancel_and_wait

log = logging.getLogger("camhub.recordings")

STALL_SECONDS = 10.0  # no picture this long: close what is open
GAP_90K = 2 * 90_000  # a jump in time this big is a discontinuity
RESYNC_MS = 3_000  # the camera's clock and ours drift apart this much: re-anchor
MAX_CLIP_MS = 300_000
RING_MAX_BYTES = 48 * 1024 * 1024
RING_MAX_GOPS = 600
MAX_BACKLOG = 64 * 1024 * 1024
RETRY_MAX = 30.0
AUDIO_SLACK_MS = 2_000  # sound this far from the GOP's pictures is not theirs


class Host(Protocol):
    """What a recorder needs from its manager."""

    root: Path

    def can_write(self) -> bool: ...

    def wrote(self, nbytes: int) -> None: ...

    async def finished(self, device: str, out: Output, done: Finished) -> None: ...

    async def link_late(self, device: str, event_id: int, at_ms: int) -> None: ...


Source = Callable[[], Media | None]


class Recorder:
    def __init__(
        self,
        name: str,
        config: RecordConfig,
        source: Source,
        host: Host,
        clock: Callable[[], int] = now_ms,
        io: Executor | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.host = host
        self.clock = clock  # wall-clock ms
        self._source = source
        # one thread, so this camera's file work stays in order; shared between cameras
        # (the manager's few writer threads), since many threads holding and waiting for
        # the GIL delay the event loop (measured: bench/recording.py)
        self._own_io = io is None
        self._io = io or ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"camhub-rec-{name}")
        self._backlog: collections.deque[tuple[Future[None], int]] = collections.deque()
        self._ring: collections.deque[Gop] = collections.deque()
        self._ring_bytes = 0
        self._gop: GopBuilder | None = None
        self._anchor: tuple[int, int] | None = None  # (camera pts, our clock) in 90 kHz
        self._last_t = 0
        self._out: Output | None = None
        self._clip_until: int | None = None  # events mode: when the open clip may end
        self._clip_label = "motion"
        self._last_clip_end = 0
        self._waiting: dict[int, int] = {}  # events seen with no file open yet
        self._finishing: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self.state = "starting"
        self.gops = 0
        self.dropped_gops = 0
        self.files = 0
        self.events_ignored = 0
        self.audio_units = 0
        self.audio_dropped = 0
        self._audio: AudioInfo | None = None  # the sound heard lately

    # lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"camhub-recorder-{self.name}")

    async def stop(self) -> None:
        """Stop reading, finish (and index) whatever is open."""
        task, self._task = self._task, None
        await cancel_and_wait(task)
        self._interrupt()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._own_io:
            self._io.shutdown(wait=False)

    async def _run(self) -> None:
        delay = 1.0
        while True:
            source = self._source()
            if source is None:
                self.state = "no video"
                await asyncio.sleep(RETRY_MAX)
                continue
            self.state = "recording"
            try:
                got = await self._consume(source)
            except CamhubError as exc:
                got = False
                self.state = f"waiting: {exc.message}"
                log.info("%s: recording waits for video (%s)", self.name, exc.message)
            except Exception:
                got = False
                self.state = "waiting: error"
                log.exception("%s: recording source failed", self.name)
            self._interrupt()
            delay = 1.0 if got else min(RETRY_MAX, delay * 2)
            await asyncio.sleep(delay)

    async def _consume(self, media: Media) -> bool:
        """Record until the video ends; whether any picture came."""
        queue: asyncio.Queue[AccessUnit | AudioUnit | None] = asyncio.Queue(maxsize=64)
        failure: list[BaseException] = []
        source = media.video

        async def pump() -> None:
            try:
                async for au in source:
                    await queue.put(au)
            except Exception as exc:
                failure.append(exc)
            finally:
                await _aclose(source)
            await queue.put(None)

        async def listen(audio: AsyncIterator[AudioUnit]) -> None:
            """The sound never waits: a unit that finds the queue full is dropped."""
            try:
                async for unit in audio:
                    if queue.full():
                        self.audio_dropped += 1
                    else:
                        queue.put_nowait(unit)
            except Exception:  # the sound failing is no reason to stop the pictures
                log.exception("%s: recording the sound failed", self.name)
            finally:
                await _aclose(audio)

        got = False
        pump_task = asyncio.create_task(pump(), name=f"camhub-recorder-pump-{self.name}")
        tasks = [pump_task]
        if media.audio is not None:
            name = f"camhub-recorder-audio-{self.name}"
            tasks.append(asyncio.create_task(listen(media.audio), name=name))
        try:
            while True:
                try:
                    async with asyncio.timeout(STALL_SECONDS):
                        au = await queue.get()
                except TimeoutError:
                    task = asyncio.current_task()
                    if task is not None and task.cancelling():  # 3.11: see the manager
                        raise asyncio.CancelledError from None
                    if self._out is not None or self._gop is not None:
                        log.info("%s: no video for %g s", self.name, STALL_SECONDS)
                    self._interrupt()
                    continue
                if au is None:
                    break
                if isinstance(au, AudioUnit):
                    self.audio_unit(au)
                    continue
                got = True
                self.unit(au)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if failure:
            raise failure[0]
        return got

    # pictures ----------------------------------------------------------------------
    def _clock(self, au: AccessUnit) -> int:
        now = self.clock() * 90
        if self._anchor is None or (
            au.keyframe
            and abs(self._anchor[1] + au.pts_90k - self._anchor[0] - now) > RESYNC_MS * 90
        ):
            self._anchor = (au.pts_90k, now)
        t = self._anchor[1] + au.pts_90k - self._anchor[0]
        if t <= self._last_t:
            t = self._last_t + 1
        self._last_t = t
        return t

    def unit(self, au: AccessUnit) -> None:
        """One access unit from the source (public for tests and benchmarks)."""
        t = self._clock(au)
        gop = self._gop
        if gop is not None and t - gop.last > GAP_90K:
            self._gop = None
            self._complete(gop, None)
            self._interrupt()
            gop = None
            t = self._clock(au)  # anchored afresh
        if au.keyframe:
            info = keyframe_info(au.data)
            if info is None:
                if gop is None:
                    return  # a keyframe without parameter sets cannot start anything
                info = (gop.sps, gop.width, gop.height)
            sps, width, height = info
            if gop is not None:
                self._complete(gop, t)
            self._gop = GopBuilder(t, sps, width, height)
            self._gop.add(au.data, t)
        elif gop is not None:
            gop.add(au.data, t)

    def audio_unit(self, unit: AudioUnit) -> None:
        """One unit of the camera's sound (public for tests and benchmarks)."""
        gop, anchor = self._gop, self._anchor
        if gop is None or anchor is None:
            return  # nothing to go with yet
        t = anchor[1] + unit.pts * 90_000 // unit.info.rate - anchor[0]
        if abs(t - gop.last) > AUDIO_SLACK_MS * 90:
            self.audio_dropped += 1
            return
        gop.add_audio(AudioSample(t, unit))
        self._audio = unit.info
        self.audio_units += 1

    def _complete(self, builder: GopBuilder, end: int | None) -> None:
        gop = builder.build(end)
        self.gops += 1
        if self.config.mode == "continuous":
            self._continuous(gop)
        else:
            self._events(gop)

    def _continuous(self, gop: Gop) -> None:
        out = self._out
        if out is not None and (gop.sps != out.sps or gop.start != out.end or _new_sound(out, gop)):
            self._finish(out)
            out = None
        if not self.host.can_write():
            return
        if out is None:
            out = self._open("continuous", "continuous", gop, gop.start)
            for eid, at in list(self._waiting.items()):
                if at >= out.start:
                    out.events[eid] = at
                else:
                    self._link_late(eid, at)
            self._waiting.clear()
        self._write(out, gop)
        if out.duration >= self.config.segment_seconds * 90_000:
            self._finish(out)

    def _events(self, gop: Gop) -> None:
        self._ring.append(gop)
        self._ring_bytes += gop.nbytes
        keep = self.config.pre_seconds * 90_000
        while len(self._ring) > 1 and (
            self._ring[1].start <= gop.end - keep
            or self._ring_bytes > RING_MAX_BYTES
            or len(self._ring) > RING_MAX_GOPS
        ):
            self._ring_bytes -= self._ring.popleft().nbytes
        out = self._out
        if self._clip_until is None:
            return
        if out is None and gop.start >= self._clip_until:
            self._clip_until = None  # the video came back after the post-roll
            return
        if out is not None and (gop.sps != out.sps or gop.start != out.end or _new_sound(out, gop)):
            self._finish(out)
            out = None
        if out is None:
            self._start_clip([gop], min(self._waiting.values(), default=gop.start))
            return
        self._write(out, gop)
        self._clip_check(out)

    def _clip_check(self, out: Output) -> None:
        if self._clip_until is not None and out.end >= self._clip_until:
            self._clip_until = None
            self._finish(out)
        elif out.duration >= MAX_CLIP_MS * 90:
            self._finish(out)  # the next GOP continues in a new file

    def _start_clip(self, gops: list[Gop], first_event: int) -> None:
        if not gops or not self.host.can_write():
            return
        out = self._open("event", self._clip_label, gops[0], first_event)
        out.events.update(self._waiting)
        self._waiting.clear()
        for gop in gops:
            if self._out is not out:
                break
            self._write(out, gop)
            self._clip_check(out)

    # events ------------------------------------------------------------------------
    def on_event(self, event: dict[str, Any]) -> None:
        """A stored event of this camera (from the store's subscription)."""
        if self.config.mode == "off" or not self.host.can_write():
            self.events_ignored += 1
            return
        eid = int(event["id"])
        now = self.clock() * 90
        at = min(int(event["timestamp"]) * 90, now)  # a camera's clock may run ahead
        out = self._out
        if self.config.mode == "continuous":
            if out is not None and at >= out.start:
                out.events[eid] = at
            elif out is None and (self._waiting or self._gop is not None):
                self._waiting[eid] = at  # the next file will cover it
            else:
                self._link_late(eid, at)  # a file already written (or being finished)
            return
        if self._ring:  # an event older than the ring buffer starts with what it holds
            at = max(at, self._ring[0].start)
        until = at + int(self.config.post_seconds * 90_000)
        if self._clip_until is not None:
            self._clip_until = max(self._clip_until, until)
            (out.events if out is not None else self._waiting)[eid] = at
            return
        self._clip_until = until
        self._clip_label = _label(str(event.get("type") or ""))
        self._waiting[eid] = at
        begin = max(at - int(self.config.pre_seconds * 90_000), self._last_clip_end)
        gops = [g for g in self._ring if g.end > begin and g.start >= self._last_clip_end]
        while len(gops) > 1 and gops[1].start <= begin:
            gops.pop(0)
        self._start_clip(gops, at)

    def pending(self, event_id: int) -> float | None:
        """Seconds until this event's clip should be ready, or None if it is not
        being recorded here."""
        now = self.clock() * 90
        out = self._out
        if event_id in self._finishing:
            return 1.0
        if out is not None and event_id in out.events:
            if self.config.mode == "continuous":
                end = out.start + int(self.config.segment_seconds * 90_000)
            else:
                end = self._clip_until or out.end
            return max(1.0, (end - now) / 90_000 + 1)
        if event_id in self._waiting:
            return max(1.0, ((self._clip_until or now) - now) / 90_000 + 1)
        return None

    # files -------------------------------------------------------------------------
    def _open(self, kind: str, label: str, gop: Gop, thumb_at: int) -> Output:
        part = files.part_path(self.host.root, self.name, gop.start // 90, kind)
        out = Output(self.name, kind, label, gop.start, gop.sps, part, thumb_at)
        out.audio = gop.audio_info or self._audio
        self._out = out
        self._submit(open_file, out, gop.width, gop.height)
        return out

    def _write(self, out: Output, gop: Gop) -> None:
        while self._backlog and self._backlog[0][0].done():
            self._backlog.popleft()
        if sum(n for _, n in self._backlog) > MAX_BACKLOG:
            self.dropped_gops += 1
            if self.dropped_gops == 1 or self.dropped_gops % 100 == 0:
                log.warning("%s: disk too slow, %d GOPs dropped", self.name, self.dropped_gops)
            return
        out.add(gop)
        self._backlog.append((self._submit(write_gop, out, gop), gop.nbytes))
        self.host.wrote(gop.nbytes)

    def _submit(self, fn: Callable[..., None], *args: Any) -> Future[None]:
        return self._io.submit(fn, *args)

    def _link_late(self, event_id: int, at: int) -> None:
        """Link an event to the finished file at its time, once the files being
        finished now are indexed."""
        finishing = list(self._tasks)

        async def link() -> None:
            await asyncio.gather(*finishing, return_exceptions=True)
            await self.host.link_late(self.name, event_id, at // 90)

        self._track(link())

    def _track(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _finish(self, out: Output) -> None:
        if self._out is out:
            self._out = None
        if out.kind == "event":
            self._last_clip_end = out.end
        else:
            for eid, at in list(out.events.items()):
                if at >= out.end:
                    self._waiting[eid] = out.events.pop(eid)
        self._finishing.update(out.events)
        self._track(self._finalize(out))

    async def _finalize(self, out: Output) -> None:
        try:
            fut = self._io.submit(finish_file, out, self.host.root)
            done = await asyncio.wrap_future(fut)
            if done is not None:
                self.files += 1
                await self.host.finished(self.name, out, done)
        except Exception:
            log.exception("%s: finishing a recording failed", self.name)
        finally:
            self._finishing.difference_update(out.events)

    def _interrupt(self) -> None:
        """The video stopped or jumped: close what is open; the ring starts afresh."""
        gop, self._gop = self._gop, None
        if gop is not None and gop.data:
            self._complete(gop, None)
        if self._out is not None:
            self._finish(self._out)
        self._ring.clear()
        self._ring_bytes = 0
        self._anchor = None
        self._audio = None

    def pause(self) -> None:
        """The disk is full: close the open file, keep only the ring."""
        if self._out is not None:
            self._finish(self._out)
        self._clip_until = None


def _new_sound(out: Output, gop: Gop) -> bool:
    """The camera's sound began, or changed codec or rate: a file has one kind of sound
    (a file opened before any came is cut where it starts, not left silent)."""
    info = gop.audio_info
    return info is not None and info != out.audio


async def _aclose(it: AsyncIterator[Any]) -> None:
    close = getattr(it, "aclose", None)
    if close is not None:
        with contextlib.suppress(Exception):
            await close()


def _label(event_type: str) -> str:
    word = "".join(c for c in event_type.lower() if c.isalpha() or c == "_")[:32]
    return word or "motion"
