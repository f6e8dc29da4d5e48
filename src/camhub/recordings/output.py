"""One recording being written: its bookkeeping (event loop side) and the blocking file
work (:func:`open_file`, :func:`write_gop`, :func:`finish_file`), which a recorder runs
in order on its own writer thread.

A file is written as ``.<start>-<kind>.part.mp4`` and renamed to its final, tinyCam
style name when finished; a recording with events gets a JPEG of its most telling
picture next to it at once (decoding a 1080p keyframe costs ~25 ms: for every 10 s
segment of every camera that was a fifth of a core at 64 cameras), others only when
someone asks for one. A write that
fails (a full disk) stops writing that file; at the finish what was written is
salvaged (every whole GOP) or the file is discarded: never a half file in the index.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import av

from camhub.media.types import AudioInfo
from camhub.recordings import files, mp4
from camhub.recordings.gop import Gop

log = logging.getLogger("camhub.recordings")


@dataclass(eq=False)
class Output:
    device: str
    kind: str  # "continuous" | "event"
    label: str  # the word in the file name: an event type, or "continuous"
    start: int  # 90 kHz recorder clock
    sps: bytes
    part: Path
    thumb_at: int  # the picture to show: the GOP holding this time
    end: int = 0
    events: dict[int, int] = field(default_factory=dict)  # event id -> its time (90 kHz)
    thumb: bytes | None = None
    nbytes: int = 0
    writer: mp4.SegmentWriter | None = None
    failed: str | None = None  # why writing stopped
    audio: AudioInfo | None = None  # the camera's sound, recorded as AAC

    @property
    def duration(self) -> int:
        return self.end - self.start

    def add(self, gop: Gop) -> None:
        """Account for a GOP handed to the writer thread."""
        if self.end == 0:
            self.end = self.start
        self.end = max(self.end, gop.end)
        self.nbytes += gop.nbytes
        if self.thumb is None or gop.start <= self.thumb_at:
            self.thumb = gop.keyframe


@dataclass(frozen=True, slots=True)
class Finished:
    path: str  # relative to the recording directory
    bytes: int
    start_ms: int
    end_ms: int
    snapshot: str | None


# writer thread --------------------------------------------------------------------------
def open_file(out: Output, width: int, height: int) -> None:
    try:
        out.part.parent.mkdir(parents=True, exist_ok=True)
        out.writer = mp4.SegmentWriter(out.part, width, height, out.audio)
    except (av.FFmpegError, OSError) as exc:
        out.failed = f"cannot create the file ({type(exc).__name__})"


def write_gop(out: Output, gop: Gop) -> None:
    if out.failed is not None or out.writer is None:
        return
    try:
        out.writer.write(gop.samples, gop.audio)
    except (av.FFmpegError, OSError) as exc:
        out.failed = f"write failed ({type(exc).__name__})"


def _close(out: Output) -> bool:
    writer, out.writer = out.writer, None
    if writer is None:
        return False
    if out.failed is not None:
        writer.abort()
        return False
    try:
        writer.close()
    except (av.FFmpegError, OSError) as exc:
        out.failed = f"finishing failed ({type(exc).__name__})"
        writer.abort()
        return False
    return True


def finish_file(out: Output, root: Path) -> Finished | None:
    """Close, salvage if writing failed, rename, save the snapshot. None: discarded."""
    start_ms, end_ms = out.start // 90, out.end // 90
    if not _close(out):
        if not out.part.exists():
            return None
        fixed = out.part.with_name(out.part.name + ".fix")
        probe = mp4.salvage(out.part, fixed)
        files.remove(out.part)
        if probe is None:
            log.warning("%s: recording discarded (%s)", out.device, out.failed)
            return None
        log.warning("%s: recording kept up to the failure (%s)", out.device, out.failed)
        fixed.replace(out.part)
        end_ms = start_ms + probe.duration_ms
    try:
        rel = files.unique_final(root, out.device, start_ms, end_ms - start_ms, out.label)
        final = root / rel
        files.rename(out.part, final)
        size = final.stat().st_size
    except OSError as exc:
        log.warning("%s: recording discarded (%s)", out.device, type(exc).__name__)
        files.remove(out.part)
        return None
    snapshot = save_snapshot(root, rel, out.thumb) if out.kind == "event" or out.events else None
    return Finished(rel, size, start_ms, end_ms, snapshot)


def save_snapshot(root: Path, rel: str, keyframe: bytes | None) -> str | None:
    """Write ``<rel>.jpg`` from a keyframe (or the file's first picture)."""
    jpeg = mp4.thumbnail(keyframe) if keyframe is not None else None
    if jpeg is None:
        jpeg = mp4.thumbnail_of_file(root / rel)
    if jpeg is None:
        return None
    snap = files.snapshot_of(rel)
    tmp = root / (snap + ".tmp")
    try:
        tmp.write_bytes(jpeg)
        tmp.replace(root / snap)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return None
    return snap
