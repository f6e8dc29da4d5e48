"""At start the index and the disk agree: a recording cut by kill -9 is salvaged, files
removed or truncated behind camhub's back are dropped or repaired, unindexed files are
adopted, stray pictures removed."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import struct
import sys
from pathlib import Path

from camhub.config import parse_config
from camhub.recordings import files
from camhub.recordings.manager import RecordingManager
from camhub.recordings.mp4 import salvage
from camhub.store import Store
from tests.helpers.wait import until
from tests.recordings.conftest import recorded, rows
from tests.recordings.media import ffprobe


async def restart(manager: RecordingManager) -> RecordingManager:
    await manager.close()
    fresh = RecordingManager(manager.store, manager.data_dir)
    await fresh.start(parse_config({}))
    return fresh


def playable(path: Path) -> float:
    info = ffprobe(path)
    assert info["packets"][0]["flags"].startswith("K")
    return float(info["format"]["duration"])


async def test_the_start_up_check_repairs_what_happened_behind_camhubs_back(
    manager: RecordingManager,
) -> None:
    recs, _ = await recorded(manager, seconds=12, segment_seconds=2)
    root = manager.root
    gone, cut, no_snap, part_of, adopted = recs[:5]
    (root / gone.path).unlink()
    data = (root / cut.path).read_bytes()
    (root / cut.path).write_bytes(data[: len(data) * 6 // 10])
    snap = await manager.snapshot_of(no_snap)
    assert snap is not None
    snap.unlink()
    # a segment being written when camhub was killed: cut in the middle of a fragment
    part = files.part_path(root, "cam", part_of.start + 3_600_000, "continuous")
    whole = (root / part_of.path).read_bytes()
    part.write_bytes(whole[: len(whole) * 7 // 10])
    # a finished file camhub had not indexed yet, and a picture without its video
    stamp = files.local_stamp(adopted.start + 7_200_000)
    orphan = files.relative("cam", f"{stamp} 2sec continuous.mp4")
    (root / orphan).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(root / adopted.path, root / orphan)
    stray = root / "cam" / "2020-01-01" / "2020-01-01 00.00.00 2sec motion.mp4.jpg"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"\xff\xd8\xff\xd9")
    junk = root / "cam" / "notes.txt"
    junk.write_text("not ours")

    manager = await restart(manager)
    by_id = {r.id: r for r in await rows(manager)}
    assert gone.id not in by_id, "a missing file drops its row"
    fixed = by_id[cut.id]
    assert fixed.bytes == (root / fixed.path).stat().st_size < len(data)
    assert 0 < fixed.end - fixed.start < cut.end - cut.start
    assert playable(root / fixed.path) > 0
    assert by_id[no_snap.id].snapshot is None, "a missing picture is forgotten"
    again = await manager.snapshot_of(by_id[no_snap.id])
    assert again is not None and again.is_file(), "and made again when asked for"
    new = [r for r in by_id.values() if r.id > max(r.id for r in recs)]
    salvaged = next(r for r in new if r.start == part_of.start + 3_600_000)
    assert not part.exists() and salvaged.kind == "continuous"
    assert 0 < playable(root / salvaged.path) < 2.0
    found = next(r for r in new if r.path == orphan)
    assert found.start // 1000 == (adopted.start + 7_200_000) // 1000
    assert not stray.exists() and junk.exists()
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*.mp4")}
    assert on_disk == {r.path for r in by_id.values()}
    for r in by_id.values():
        assert (root / r.path).stat().st_size == r.bytes
    await manager.close()


async def test_a_cut_anywhere_keeps_every_whole_fragment_before_it(
    manager: RecordingManager, tmp_path: Path
) -> None:
    """Wherever a crash cuts the file (in a fragment's head, its data, between two),
    every picture whose fragment was written whole is kept."""
    (rec, *_), _ = await recorded(manager, seconds=2, segment_seconds=2)
    whole = (manager.root / rec.path).read_bytes()
    boxes, pos = [], 0
    while pos < len(whole):
        size, kind = struct.unpack(">I4s", whole[pos : pos + 8])
        boxes.append((pos, kind, size))
        pos += size
    fragments_end = [p + n for p, kind, n in boxes if kind == b"mdat"]
    cut, fixed = tmp_path / "cut.mp4", tmp_path / "fixed.mp4"
    for pos, kind, size in boxes[2:12]:  # past ftyp and moov; heads and data alike
        for at in (pos + 1, pos + 8, pos + size - 1):
            cut.write_bytes(whole[:at])
            pictures = sum(1 for end in fragments_end if end <= at)
            probe = salvage(cut, fixed)
            assert (probe.packets if probe else 0) == pictures, (kind, at)


async def test_a_segment_cut_by_kill_9_is_salvaged_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.recordings.record_process", str(data),
        stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line.strip() == b"recording"
        parts = data / "recordings" / "cam"

        def written() -> bool:
            found = list(parts.glob(".*.part.mp4")) if parts.exists() else []
            return bool(found) and found[0].stat().st_size > 20_000  # a few GOPs

        await until(written, 30, "some GOPs on disk")
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    assert proc.returncode == -signal.SIGKILL
    (part,) = parts.glob(".*.part.mp4")
    start, _ = files.parse_part(part.name)  # type: ignore[misc]

    store = await Store.open(None, data)
    manager = RecordingManager(store, data)
    try:
        await manager.start(parse_config({}))
        (rec,) = await rows(manager)
        assert rec.start == start and not part.exists()
        assert playable(manager.root / rec.path) >= 1.0
        assert rec.end - rec.start >= 1000
    finally:
        await manager.close()
        await store.close()
    with sqlite3.connect(data / "camhub.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
