"""Where recordings live on disk and what their files are called.

    <dir>/<device>/.<start ms>-<kind>.part.mp4            being written
    <dir>/<device>/<YYYY-MM-DD>/<name>.mp4                finished
    <dir>/<device>/<YYYY-MM-DD>/<name>.mp4.jpg            its snapshot

A finished file is named as tinyCam Monitor names its recordings (seed 002), in local
time: ``2020-09-29 15.06.04 120sec person.mp4``; a pinned one ends ``_pin.mp4``. That
name is also the file's tinyCam name (``/api/v1/get_file?file=/<device>/<name>``):
its first ten characters give the day folder, so a name maps back to one path.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

PART_SUFFIX = ".part.mp4"
PIN = "_pin"
_NAME = re.compile(
    r"^(?P<when>\d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d) (?P<secs>\d{1,7})sec "
    r"(?P<label>[a-z_]{1,32})(?P<n>-\d{1,4})?(?P<pin>_pin)?\.mp4$"
)
_PART = re.compile(r"^\.(?P<start>\d{1,15})-(?P<kind>continuous|event)\.part\.mp4$")
_DEVICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


@dataclass(frozen=True, slots=True)
class ParsedName:
    start_ms: int  # to the second, local time
    seconds: int
    label: str
    pinned: bool


def local_stamp(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H.%M.%S", time.localtime(ms / 1000))


def file_name(start_ms: int, duration_ms: int, label: str, *, n: int = 0) -> str:
    secs = max(1, round(duration_ms / 1000))
    suffix = f"-{n}" if n else ""
    return f"{local_stamp(start_ms)} {secs}sec {label}{suffix}.mp4"


def parse_name(name: str) -> ParsedName | None:
    m = _NAME.match(name)
    if m is None:
        return None
    try:
        start = time.mktime(time.strptime(m["when"], "%Y-%m-%d %H.%M.%S"))
    except (ValueError, OverflowError):
        return None
    return ParsedName(int(start * 1000), int(m["secs"]), m["label"], m["pin"] is not None)


def parse_part(name: str) -> tuple[int, str] | None:
    """(start ms, kind) of a file being written, from its name."""
    m = _PART.match(name)
    return None if m is None else (int(m["start"]), m["kind"])


def relative(device: str, name: str) -> str:
    """The index path of a finished file: ``<device>/<day>/<name>``."""
    return f"{device}/{name[:10]}/{name}"


def tinycam_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def from_tinycam(device: str, name: str) -> str | None:
    """The index path a tinyCam file name stands for, or None if it is not ours."""
    if not _DEVICE.match(device) or parse_name(name) is None:
        return None
    return relative(device, name)


def pinned_name(name: str, pinned: bool) -> str:
    """``... motion.mp4`` <-> ``... motion_pin.mp4``."""
    stem = name[: -len(".mp4")]
    if stem.endswith(PIN):
        stem = stem[: -len(PIN)]
    return f"{stem}{PIN if pinned else ''}.mp4"


def snapshot_of(path: str) -> str:
    return path + ".jpg"


def part_path(root: Path, device: str, start_ms: int, kind: str) -> Path:
    return root / device / f".{start_ms}-{kind}{PART_SUFFIX}"


def inside(root: Path, rel: str) -> Path | None:
    """``root/rel`` when it stays inside ``root`` (index paths are never trusted blindly)."""
    if not rel or rel.startswith("/") or "\\" in rel or ".." in rel.split("/"):
        return None
    return root / rel


def unique_final(root: Path, device: str, start_ms: int, duration_ms: int, label: str) -> str:
    """A free index path for a finished file (``-1``, ``-2``... when a name is taken)."""
    for n in range(1000):
        rel = relative(device, file_name(start_ms, duration_ms, label, n=n))
        pinned = pinned_name(rel, True)
        if not (root / rel).exists() and not (root / pinned).exists():
            return rel
    raise FileExistsError(f"no free file name for {device} at {start_ms}")


def remove(path: Path | None) -> int:
    """Delete a file if it is there; the bytes freed."""
    if path is None:
        return 0
    try:
        size = path.stat().st_size
        path.unlink()
    except FileNotFoundError:
        return 0
    return size


def rename(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)


def prune_empty_dirs(path: Path, root: Path) -> None:
    """Remove ``path``'s now-empty day and device folders, never ``root``."""
    with contextlib.suppress(OSError):
        while path != root and root in path.parents:
            path.rmdir()
            path = path.parent
