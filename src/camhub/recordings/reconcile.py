"""The start-up check: the index and the files on disk agree before recording starts.

1. A file still being written when camhub died (``kill -9``, power cut, full disk)
   is salvaged, every whole GOP in it kept, and indexed with the events of its
   camera in its time range; a file with nothing playable is deleted.
2. Each indexed recording is looked at: a missing file drops its row; a file whose
   size changed (truncated behind camhub's back) is salvaged in place, or dropped
   when nothing in it plays; a missing snapshot is forgotten (made again when asked).
3. A finished file the index does not know (camhub died between renaming it and
   indexing it) is indexed from its name and what it holds; a snapshot without its
   video is deleted.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from camhub.recordings import files, mp4
from camhub.recordings.output import save_snapshot
from camhub.store.recordings import NewRecording, Recording, RecordingIndex

log = logging.getLogger("camhub.recordings")

PAGE = 500
MAX_LINKED = 10_000  # events linked to one salvaged recording


@dataclass
class Summary:
    salvaged: int = 0
    discarded: int = 0
    missing: int = 0
    repaired: int = 0
    adopted: int = 0

    def __bool__(self) -> bool:
        return any(vars(self).values())


def _scan(root: Path) -> tuple[list[Path], list[str], list[str]]:
    """(partial files, finished video paths, snapshot paths), relative paths."""
    parts: list[Path] = []
    videos: list[str] = []
    snaps: list[str] = []
    if not root.is_dir():
        return parts, videos, snaps
    for dirpath, _dirs, names in os.walk(root):
        here = Path(dirpath)
        for name in names:
            path = here / name
            if name.endswith((".fix", ".tmp")):
                files.remove(path)
            elif files.parse_part(name) is not None:
                parts.append(path)
            elif name.endswith(".mp4") and not name.startswith("."):
                videos.append(path.relative_to(root).as_posix())
            elif name.endswith(".mp4.jpg"):
                snaps.append(path.relative_to(root).as_posix())
    return parts, videos, snaps


def _repair(path: Path) -> mp4.Probe | None:
    """Salvage ``path`` in place; None (and no file) when nothing in it plays."""
    fixed = path.with_name(path.name + ".fix")
    probe = mp4.salvage(path, fixed)
    if probe is None:
        files.remove(path)
        return None
    fixed.replace(path)
    return probe


def _salvage_part(root: Path, part: Path, device: str, start: int) -> tuple[str, int, int] | None:
    probe = _repair(part)
    if probe is None or probe.duration_ms <= 0:
        files.remove(part)
        return None
    kind = files.parse_part(part.name)
    label = "continuous" if kind is not None and kind[1] == "continuous" else "motion"
    rel = files.unique_final(root, device, start, probe.duration_ms, label)
    files.rename(part, root / rel)
    return rel, (root / rel).stat().st_size, probe.duration_ms


async def reconcile(index: RecordingIndex, root: Path) -> Summary:
    summary = Summary()
    parts, videos, snaps = await asyncio.to_thread(_scan, root)
    for part in parts:
        device = part.parent.name
        parsed = files.parse_part(part.name)
        assert parsed is not None
        start, kind = parsed
        done = await asyncio.to_thread(_salvage_part, root, part, device, start)
        if done is None:
            summary.discarded += 1
            continue
        rel, size, duration = done
        linked = await index.events_between(device, start, start + duration, MAX_LINKED)
        snap = await asyncio.to_thread(save_snapshot, root, rel, None) if linked else None
        await index.add(
            NewRecording(device, kind, start, start + duration, rel, size, False, snap), linked
        )
        videos.append(rel)
        summary.salvaged += 1
    known = await _check_rows(index, root, summary)
    await _adopt(index, root, [v for v in videos if v not in known], summary)
    on_disk = set(videos)
    for snap in snaps:
        if snap[: -len(".jpg")] not in on_disk:
            files.remove(files.inside(root, snap))
    if summary:
        log.warning(
            "recordings checked at start: %d salvaged, %d discarded, %d missing, "
            "%d repaired, %d found unindexed",
            summary.salvaged,
            summary.discarded,
            summary.missing,
            summary.repaired,
            summary.adopted,
        )
    return summary


def _look(root: Path, rec: Recording) -> tuple[str, mp4.Probe | None, bool]:
    """("ok" | "missing" | "repaired" | "lost", probe, snapshot as indexed)."""
    path = files.inside(root, rec.path)
    if path is None or not path.is_file():
        return "missing", None, False
    snap_ok = rec.snapshot is None or (root / rec.snapshot).is_file()
    if path.stat().st_size == rec.bytes:
        return "ok", None, snap_ok
    probe = _repair(path)
    return ("repaired" if probe is not None else "lost"), probe, snap_ok


async def _check_rows(index: RecordingIndex, root: Path, summary: Summary) -> set[str]:
    known: set[str] = set()
    after = 0
    while page := await index.page(after, PAGE):
        after = page[-1].id
        gone: list[Recording] = []
        looks = await asyncio.to_thread(lambda: [_look(root, rec) for rec in page])
        for rec, (verdict, probe, snap_ok) in zip(page, looks, strict=True):
            if verdict in ("missing", "lost"):
                gone.append(rec)
                continue
            known.add(rec.path)
            changes: dict[str, object] = {}
            if verdict == "repaired" and probe is not None:
                summary.repaired += 1
                changes["bytes"] = (root / rec.path).stat().st_size
                changes["end_ms"] = rec.start + probe.duration_ms
            if not snap_ok:
                changes["snapshot"] = None
            if changes:
                await index.update(rec.id, **changes)
        if gone:
            summary.missing += len(gone)
            for rec in gone:
                if rec.snapshot:
                    files.remove(files.inside(root, rec.snapshot))
            await index.delete(r.id for r in gone)
    return known


async def _adopt(index: RecordingIndex, root: Path, rels: list[str], summary: Summary) -> None:
    for rel in rels:
        device, _, name = rel.partition("/")
        name = rel.rsplit("/", 1)[-1]
        parsed = files.parse_name(name)
        path = root / rel
        if parsed is None or files.relative(device, name) != rel:
            continue  # not a name camhub gives: leave it alone
        probe = await asyncio.to_thread(mp4.probe, path)
        if probe is None:
            files.remove(path)
            summary.discarded += 1
            continue
        kind = "continuous" if parsed.label == "continuous" else "event"
        start = parsed.start_ms
        size = path.stat().st_size
        end = start + probe.duration_ms
        linked = await index.events_between(device, start, end, MAX_LINKED)
        new = NewRecording(device, kind, start, end, rel, size, parsed.pinned, None)
        await index.add(new, linked)
        summary.adopted += 1
