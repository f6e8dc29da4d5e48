"""RecordingManager: every camera's recorder, the index, retention and disk safety.

The service builds one at start and closes it at stop::

    manager = RecordingManager(store, data_dir, feed_for=..., jpeg_frames_for=...)
    await manager.start(config)        # start-up check, then a recorder per camera
    await manager.sync(new_config)     # a reload: recorders follow the config
    await manager.close()              # open files are finished and indexed

Events reach recorders through the store's subscription (each committed event of a
recording camera); finished files are indexed with the events they cover. Retention
runs every :data:`RETENTION_SECONDS` and at once when free space falls under the
mark (checked at most every :data:`SPACE_CHECK_SECONDS` while writing). When deleting
every unpinned recording cannot free enough, recording pauses: one warning in the log,
an event of type ``other`` (``{"recording": "paused", ...}``) per camera, and it
resumes (``"resumed"``) once space is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from camhub.capabilities.detection import EVENT_TYPES
from camhub.clock import now_ms
from camhub.config import Config, RecordConfig, RecordingConfig
from camhub.errors import CamhubError, Conflict, NotFound
from camhub.recordings import files
from camhub.recordings.output import Finished, Output, save_snapshot
from camhub.recordings.reconcile import reconcile
from camhub.recordings.recorder import Recorder, Source
from camhub.recordings.retention import GB, HEADROOM, Retention, free_bytes
from camhub.recordings.source import FeedFor, JpegFramesFor, no_feed, no_frames, open_source
from camhub.store.recordings import NewRecording, Recording
from camhub.tasks import cancel_and_wait

if TYPE_CHECKING:
    from camhub.store import Store

log = logging.getLogger("camhub.recordings")

RETENTION_SECONDS = 60.0
SPACE_CHECK_SECONDS = 0.5
SPACE_CHECK_BYTES = 8 * 1024 * 1024
TRIGGERS = EVENT_TYPES - {"other"}  # event types that open a clip
WRITER_THREADS = 2  # file writers shared by all recorders (see bench/recording.py)


def cancelling() -> bool:
    """Whether the current task was asked to stop (see the 3.11 note in _housekeeping)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class RecordingManager:
    def __init__(
        self,
        store: Store,
        data_dir: Path,
        *,
        feed_for: FeedFor = no_feed,
        jpeg_frames_for: JpegFramesFor = no_frames,
        free: Callable[[Path], int] = free_bytes,
    ) -> None:
        self.store = store
        self.index = store.recordings
        self.data_dir = data_dir
        self.feed_for = feed_for
        self.jpeg_frames_for = jpeg_frames_for
        self.settings = RecordingConfig()
        self.root = data_dir / "recordings"
        self._free = free
        self.retention = Retention(self.index, self.root, free)
        self.recorders: dict[str, Recorder] = {}
        self._configs: dict[str, RecordConfig] = {}
        self.paused = False
        self._space_checked = 0.0
        self._unchecked = 0  # bytes written since free space was last looked at
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._unindexed: list[tuple[str, Output, Finished]] = []
        self.exports = 0  # exports being remuxed now
        self._writers = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"camhub-rec-writer-{i}")
            for i in range(WRITER_THREADS)
        ]
        self._next_writer = 0

    # lifecycle ---------------------------------------------------------------------
    async def start(self, config: Config) -> None:
        self.settings = config.recording
        self.root = config.recording.dir or self.data_dir / "recordings"
        self.root.mkdir(parents=True, exist_ok=True)
        self.retention = Retention(self.index, self.root, self._free)
        await reconcile(self.index, self.root)
        self._unsubscribe = self.store.subscribe(self._on_events)
        await self._retain()
        self._task = asyncio.create_task(self._housekeeping(), name="camhub-recordings")
        await self.sync(config)

    async def sync(self, config: Config, children: Mapping[str, Sequence[str]] = {}) -> None:
        """Start, stop or restart recorders to match the config. ``children``: the
        cameras of a configured device that has some (a tinyCam server's): they record
        as their parent's ``record`` says, in its place."""
        self.settings = config.recording  # a new directory only applies at a restart
        self._configs = {
            name: d.record
            for d in config.devices
            if d.record and d.record.mode != "off"
            for name in children.get(d.name) or (d.name,)
        }
        for name, rec in list(self.recorders.items()):
            if self._configs.get(name) != rec.config:
                del self.recorders[name]
                await rec.stop()
        for name, cfg in self._configs.items():
            if name not in self.recorders:
                rec = Recorder(name, cfg, self._source_of(name), self, io=self.writer())
                self.recorders[name] = rec
                rec.start()

    def writer(self) -> ThreadPoolExecutor:
        """A writer thread for one more recorder (each camera keeps one, in turn)."""
        self._next_writer = (self._next_writer + 1) % len(self._writers)
        return self._writers[self._next_writer]

    def _source_of(self, name: str) -> Source:
        return lambda: open_source(name, self.feed_for, self.jpeg_frames_for)

    async def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        task, self._task = self._task, None
        await cancel_and_wait(task)
        for name, rec in list(self.recorders.items()):
            del self.recorders[name]
            await rec.stop()
        for pool in self._writers:
            pool.shutdown(wait=False)

    # what recorders call (recorder.Host) ------------------------------------------------
    def can_write(self) -> bool:
        return not self.paused

    def wrote(self, nbytes: int) -> None:
        """After each GOP handed to a writer: look at free space every
        :data:`SPACE_CHECK_SECONDS` or :data:`SPACE_CHECK_BYTES`, whichever comes first."""
        now = time.monotonic()
        self._unchecked += nbytes
        if now - self._space_checked < SPACE_CHECK_SECONDS and self._unchecked < SPACE_CHECK_BYTES:
            return
        self._space_checked, self._unchecked = now, 0
        try:
            short = self._free(self.root) < self.settings.min_free_gb * GB
        except OSError:
            return
        if short:
            self._wake.set()

    async def finished(self, device: str, out: Output, done: Finished) -> None:
        try:
            await self._index(device, out, done)
        except CamhubError:
            log.warning("%s: recording not indexed yet (store unavailable); will retry", device)
            self._unindexed.append((device, out, done))
        self._wake.set()

    async def _index(self, device: str, out: Output, done: Finished) -> Recording:
        return await self.index.add(
            NewRecording(
                device,
                out.kind,
                done.start_ms,
                done.end_ms,
                done.path,
                done.bytes,
                False,
                done.snapshot,
            ),
            out.events,
        )

    async def link_late(self, device: str, event_id: int, at_ms: int) -> None:
        """An event for a time already written: link it to the recording there."""
        try:
            found = await self.index.find(device=device, since=at_ms, until=at_ms, limit=1)
            if found:
                await self.index.link(found[0].id, [event_id])
        except CamhubError as exc:
            log.warning("%s: event %d not linked to its recording: %s", device, event_id, exc)

    # events ------------------------------------------------------------------------
    def _on_events(self, events: list[dict[str, Any]]) -> None:
        for e in events:
            rec = self.recorders.get(e["device"])
            if rec is not None and e["type"] in TRIGGERS:
                rec.on_event(e)

    def pending(self, event: Mapping[str, Any]) -> float | None:
        """Seconds until the clip of this event should exist, or None if none is coming."""
        rec = self.recorders.get(str(event["device"]))
        return None if rec is None else rec.pending(int(event["id"]))

    # disk --------------------------------------------------------------------------
    async def _housekeeping(self) -> None:
        while True:
            # On 3.11 both wait_for and asyncio.timeout can turn a cancel that lands as
            # the wait ends into no error at all; close() would then wait for ever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RETENTION_SECONDS):
                    await self._wake.wait()
            if cancelling():
                raise asyncio.CancelledError
            self._wake.clear()
            try:
                await self._retain()
            except CamhubError as exc:
                log.warning("retention failed: %s", exc.message)
            except OSError as exc:
                log.warning("retention failed: %s", exc)

    async def _retain(self) -> None:
        for item in list(self._unindexed):
            with contextlib.suppress(CamhubError):
                await self._index(*item)
                self._unindexed.remove(item)
        report = await self.retention.run(self.settings, self._configs, now_ms())
        need = self.settings.min_free_gb * GB
        if report.short and not self.paused:
            self.paused = True
            log.warning(
                "recording paused: %.1f MB free on %s, under the %.1f MB mark, and only "
                "pinned recordings are left to delete",
                report.free / 1e6,
                self.root,
                need / 1e6,
            )
            self._announce("paused", report.free)
            for rec in self.recorders.values():
                rec.pause()
        elif self.paused and report.free >= need * HEADROOM:
            self.paused = False
            log.warning("recording resumed: %.1f MB free", report.free / 1e6)
            self._announce("resumed", report.free)

    def _announce(self, what: str, free: int) -> None:
        data = {"recording": what, "reason": "disk full", "freeBytes": free}
        for name in self.recorders:
            self.store.add_event(name, "other", now_ms(), data)

    # library -----------------------------------------------------------------------
    def path_of(self, rec: Recording) -> Path | None:
        path = files.inside(self.root, rec.path)
        return path if path is not None and path.is_file() else None

    async def snapshot_of(self, rec: Recording) -> Path | None:
        """The recording's picture, made now (once) if it has none yet."""
        if rec.snapshot is not None:
            path = files.inside(self.root, rec.snapshot)
            if path is not None and path.is_file():
                return path
        if self.path_of(rec) is None:
            return None
        snap = await asyncio.to_thread(save_snapshot, self.root, rec.path, None)
        await self.index.update(rec.id, snapshot=snap)
        return None if snap is None else files.inside(self.root, snap)

    async def get(self, rid: int) -> Recording:
        rec = await self.index.get(rid)
        if rec is None:
            raise NotFound("No such recording")
        return rec

    async def delete(self, rid: int) -> None:
        async with self.retention.lock:
            rec = await self.get(rid)
            if rec.pinned:
                raise Conflict("Recording is pinned; unpin it first")
            await self.retention.remove([rec])

    async def delete_snapshot(self, rid: int) -> None:
        """Delete only the recording's picture."""
        async with self.retention.lock:
            rec = await self.get(rid)
            if rec.snapshot is not None:
                await asyncio.to_thread(files.remove, files.inside(self.root, rec.snapshot))
                await self.index.update(rid, snapshot=None)

    async def pin(self, rid: int, pinned: bool) -> Recording:
        """Pin or unpin; the file (and its snapshot) is renamed ``..._pin.mp4``."""
        async with self.retention.lock:
            rec = await self.get(rid)
            if rec.pinned == pinned:
                return rec
            new_path = files.pinned_name(rec.path, pinned)
            new_snap = files.snapshot_of(new_path) if rec.snapshot else None
            await asyncio.to_thread(self._rename, rec, new_path, new_snap)
            await self.index.update(rec.id, pinned=pinned, path=new_path, snapshot=new_snap)
            return await self.get(rec.id)

    def _rename(self, rec: Recording, path: str, snapshot: str | None) -> None:
        src = files.inside(self.root, rec.path)
        dst = files.inside(self.root, path)
        if src is None or dst is None or not src.is_file():
            raise NotFound("Recording file is missing")
        files.rename(src, dst)
        if rec.snapshot and snapshot:
            old, new = files.inside(self.root, rec.snapshot), files.inside(self.root, snapshot)
            if old is not None and new is not None and old.is_file():
                files.rename(old, new)
