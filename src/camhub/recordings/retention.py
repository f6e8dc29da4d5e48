"""Retention: which recordings go, oldest first, and never a pinned one.

One pass (:meth:`Retention.run`) applies, in order:

1. age: a camera's recordings that ended more than ``retain_days`` ago (its own
   ``record.retain_days``, else the global one; cameras no longer configured use the
   global one);
2. size per camera: while a camera holds more than its ``record.max_gb``;
3. size overall: while all recordings hold more than ``recording.max_gb``;
4. free space: while the recording disk has less than ``recording.min_free_gb`` free,
   the oldest unpinned recordings of any camera go, up to 10 % above that mark.

Files are removed first and their rows after, so a crash in between leaves rows
without files, which the start-up check drops (never files without rows, which it
would index again). The pass answers whether free space is still short: the manager
then pauses recording.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from camhub.config import RecordConfig, RecordingConfig
from camhub.recordings import files
from camhub.store.recordings import Recording, RecordingIndex

log = logging.getLogger("camhub.recordings")

DAY_MS = 86_400_000
GB = 1024**3
BATCH = 100
HEADROOM = 1.1  # free space sought above the mark once it has been crossed


def free_bytes(root: Path) -> int:
    return shutil.disk_usage(root).free


@dataclass
class Report:
    deleted: int = 0
    freed: int = 0
    short: bool = False  # still less free space than the mark
    free: int = 0


class Retention:
    def __init__(
        self,
        index: RecordingIndex,
        root: Path,
        free: Callable[[Path], int] = free_bytes,
    ) -> None:
        self.index = index
        self.root = root
        self.free = free
        self.lock = asyncio.Lock()  # one change to the recordings at a time

    async def remove(self, recs: Iterable[Recording]) -> int:
        """Delete these recordings' files, then their rows; the bytes freed."""
        recs = list(recs)
        if not recs:
            return 0
        freed = await asyncio.to_thread(self._unlink, recs)
        await self.index.delete(r.id for r in recs)
        return freed

    def _unlink(self, recs: list[Recording]) -> int:
        freed = 0
        for r in recs:
            path = files.inside(self.root, r.path)
            freed += files.remove(path)
            if r.snapshot:
                freed += files.remove(files.inside(self.root, r.snapshot))
            if path is not None:
                files.prune_empty_dirs(path.parent, self.root)
        return freed

    async def run(
        self, settings: RecordingConfig, devices: Mapping[str, RecordConfig], now: int
    ) -> Report:
        async with self.lock:
            report = Report()
            await self._by_age(settings, devices, now, report)
            await self._by_size(settings, devices, report)
            await self._by_space(settings, report)
            if report.deleted:
                log.info(
                    "retention: %d recordings deleted, %.1f MB freed",
                    report.deleted,
                    report.freed / 1e6,
                )
            return report

    async def _drop(self, recs: list[Recording], report: Report) -> None:
        report.freed += await self.remove(recs)
        report.deleted += len(recs)

    async def _by_age(
        self,
        settings: RecordingConfig,
        devices: Mapping[str, RecordConfig],
        now: int,
        report: Report,
    ) -> None:
        for device in await self.index.devices():
            cfg = devices.get(device)
            days = cfg.retain_days if cfg is not None and cfg.retain_days else settings.retain_days
            cutoff = now - int(days * DAY_MS)
            while batch := await self.index.oldest_unpinned(
                device=device, ended_before=cutoff, limit=BATCH
            ):
                await self._drop(batch, report)

    async def _trim(self, device: str | None, excess: int, report: Report) -> None:
        """Delete the oldest unpinned recordings (of one device or all) worth ``excess``."""
        while excess > 0:
            batch = await self.index.oldest_unpinned(device=device, limit=BATCH)
            if not batch:
                return
            take = []
            for r in batch:
                take.append(r)
                excess -= r.bytes
                if excess <= 0:
                    break
            await self._drop(take, report)

    async def _by_size(
        self, settings: RecordingConfig, devices: Mapping[str, RecordConfig], report: Report
    ) -> None:
        totals = await self.index.totals()
        for device, cfg in devices.items():
            if cfg.max_gb is not None and totals.get(device, 0) > cfg.max_gb * GB:
                await self._trim(device, totals[device] - int(cfg.max_gb * GB), report)
        if settings.max_gb is not None:
            total = sum((await self.index.totals()).values())
            if total > settings.max_gb * GB:
                await self._trim(None, total - int(settings.max_gb * GB), report)

    async def _by_space(self, settings: RecordingConfig, report: Report) -> None:
        need = int(settings.min_free_gb * GB)
        free = await asyncio.to_thread(self.free, self.root)
        if free < need:
            goal = int(need * HEADROOM)
            while free < goal:
                batch = await self.index.oldest_unpinned(limit=BATCH)
                if not batch:
                    break
                for r in batch:
                    await self._drop([r], report)
                    free = await asyncio.to_thread(self.free, self.root)
                    if free >= goal:
                        break
        report.free = free
        report.short = free < need
