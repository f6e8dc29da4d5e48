"""Retention by age and size keeps pinned recordings; on a real small filesystem (a
tmpfs) a full disk deletes the oldest first, then pauses recording with one log line
and an event, and the index and the database stay whole."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from camhub.config import RecordConfig, RecordingConfig, parse_config
from camhub.media.types import AccessUnit
from camhub.recordings import manager as manager_module
from camhub.recordings.manager import RecordingManager
from camhub.recordings.recorder import Recorder
from camhub.recordings.retention import GB
from camhub.store import Store
from camhub.store.recordings import Recording
from tests.helpers.wait import until
from tests.recordings.conftest import recorded, recorder, rows
from tests.recordings.media import T0, FakeClock, clip, ffprobe

DAY = 86_400_000


async def test_age_per_camera_and_global_keeps_pinned(manager: RecordingManager) -> None:
    cam, _ = await recorded(manager, seconds=6, segment_seconds=2)
    keep, _ = await recorded(manager, seconds=6, segment_seconds=2, name="keep")
    await manager.pin(cam[0].id, True)
    settings = RecordingConfig(retain_days=1)
    devices = {"keep": RecordConfig(retain_days=3)}
    report = await manager.retention.run(settings, devices, now=T0 + 2 * DAY)
    assert report.deleted == 2
    assert [r.id for r in await rows(manager, "cam")] == [cam[0].id], "pinned: kept"
    assert len(await rows(manager, "keep")) == 3, "its own retain_days is longer"
    await manager.retention.run(settings, devices, now=T0 + 4 * DAY)
    assert await rows(manager, "keep") == []
    assert not (manager.root / cam[1].path).exists() and (manager.root / keep[0].path).parent
    assert (manager.root / cam[0].path.replace(".mp4", "_pin.mp4")).is_file()


async def test_size_per_camera_and_in_total_deletes_oldest_first(
    manager: RecordingManager,
) -> None:
    cam, _ = await recorded(manager, seconds=10, segment_seconds=2)
    other, _ = await recorded(manager, seconds=10, segment_seconds=2, name="other")
    await manager.pin(cam[0].id, True)
    size = sum(r.bytes for r in cam)
    cap = RecordConfig(max_gb=(size - cam[1].bytes - cam[2].bytes // 2) / GB)
    await manager.retention.run(RecordingConfig(), {"cam": cap}, now=T0)
    left = [r.id for r in await rows(manager, "cam")]
    assert left == [cam[0].id, *[r.id for r in cam[3:]]], "pinned stays, the next two go"
    assert len(await rows(manager, "other")) == 5
    total = sum(r.bytes for r in await rows(manager)) - other[0].bytes // 2
    await manager.retention.run(RecordingConfig(max_gb=total / GB), {}, now=T0)
    gone = {other[0].id} if other[0].start < cam[3].start else {cam[3].id}
    assert gone.isdisjoint({r.id for r in await rows(manager)}), "the oldest of all went"


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], timeout=30, check=False)


async def test_a_full_disk_deletes_the_oldest_then_pauses_and_never_corrupts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manager_module, "SPACE_CHECK_BYTES", 256 * 1024)
    units = clip(40, width=640, height=360, crf=18, gop_seconds=1 / 15)  # all keyframes
    with tmpfs(tmp_path / "disk", "8m") as disk:
        data = disk / "data"
        store = await Store.open(None, data)
        manager = RecordingManager(store, data)
        try:
            config = parse_config({"recording": {"min_free_gb": 3 * 1024**2 / GB}})
            await manager.start(config)
            rec, clock = recorder(manager, "continuous", segment_seconds=4)
            manager.recorders["cam"] = rec  # pausing reaches it, events name it
            caplog.set_level(logging.INFO, "camhub")
            start = T0
            pinned: list[int] = []
            for round_ in range(8):
                start = await play_async(rec, clock, units, start)
                await settle(manager, rec)
                if round_ == 0:
                    first = await rows(manager)
                    pinned = [first[0].id, first[1].id]
                    for rid in pinned:
                        await manager.pin(rid, True)
            found = await rows(manager)
            ids = [r.id for r in found]
            assert set(pinned) <= set(ids), "pinned recordings survive a full disk"
            unpinned = [r for r in found if not r.pinned]
            assert unpinned and max(ids) == unpinned[-1].id
            deleted = set(range(1, max(ids) + 1)) - set(ids)
            assert deleted and max(deleted) < min(r.id for r in unpinned), "oldest first"
            assert not manager.paused
            check_index_matches_disk(manager, found)

            # nothing left to delete: every recording pinned -> recording pauses
            for r in unpinned:
                await manager.pin(r.id, True)
            for _ in range(4):
                start = await play_async(rec, clock, units, start)
                await settle(manager, rec)
            assert manager.paused
            paused = [m for m in caplog.messages if m.startswith("recording paused")]
            assert len(paused) == 1, "one clear log line"
            events = (await store.query_events(device="cam", type="other"))["events"]
            assert [e["data"]["recording"] for e in events] == ["paused"]
            before = len(await rows(manager))
            start = await play_async(rec, clock, units, start)
            await settle(manager, rec)
            assert len(await rows(manager)) == before, "paused: nothing new written"
            check_index_matches_disk(manager, await rows(manager))

            # space is back: recording resumes
            for r in (await rows(manager))[:-3]:
                await manager.pin(r.id, False)
            manager._wake.set()
            await until(lambda: not manager.paused, 15, "recording resumed")
            events = (await store.query_events(device="cam", type="other"))["events"]
            assert [e["data"]["recording"] for e in events] == ["resumed", "paused"]
        finally:
            await manager.close()
            await store.close()
        with sqlite3.connect(data / "camhub.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert not [m for m in caplog.messages if "Traceback" in m]


async def play_async(
    rec: Recorder, clock: FakeClock, units: Sequence[AccessUnit], start: int
) -> int:
    """Play like ``conftest.play`` but let the loop run between pictures (retention)."""
    origin = units[0].pts_90k
    for i, au in enumerate(units):
        clock.now = start + (au.pts_90k - origin) // 90
        rec.unit(au)
        if i % 5 == 0:
            await asyncio.sleep(0.002)
    return clock.now + 1000 // 15


async def settle(manager: RecordingManager, rec: Recorder) -> None:
    """Let finished files be indexed and retention run."""
    for _ in range(50):
        await asyncio.sleep(0.02)
        if not rec._tasks and not manager._wake.is_set():
            break


def check_index_matches_disk(manager: RecordingManager, found: list[Recording]) -> None:
    on_disk = {
        p.relative_to(manager.root).as_posix()
        for p in manager.root.rglob("*.mp4")
        if not p.name.startswith(".")
    }
    assert on_disk == {r.path for r in found}
    for r in found:
        assert (manager.root / r.path).stat().st_size == r.bytes
    assert ffprobe(manager.root / found[-1].path)["packets"][0]["flags"].startswith("K")
