"""Recording fixtures: a store on SQLite and (marked ``postgres``) PostgreSQL, a
recordings manager on it, and a way to play real H.264 into a recorder.

``play`` hands a recorder the access units of a real libx264 clip as if they arrived
live (a fake clock follows their timestamps), so minutes of video take a second.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from camhub.config import RecordConfig, parse_config
from camhub.media.types import AccessUnit
from camhub.recordings.manager import RecordingManager
from camhub.recordings.recorder import Recorder
from camhub.store import Store
from camhub.store.recordings import Recording
from tests.recordings.media import T0, FakeClock
from tests.store.conftest import (  # noqa: F401  (fixtures)
    backend,
    open_store,
    postgres_available,
    store,
    target,
)


@pytest.fixture
async def manager(store: Store, tmp_path: Path) -> AsyncIterator[RecordingManager]:
    m = RecordingManager(store, tmp_path / "data")
    await m.start(parse_config({}))
    yield m
    await m.close()


def recorder(
    manager: RecordingManager, mode: str = "continuous", name: str = "cam", **cfg: Any
) -> tuple[Recorder, FakeClock]:
    clock = FakeClock()
    rec = Recorder(name, RecordConfig(mode=mode, **cfg), lambda: None, manager, clock)  # type: ignore[arg-type]
    return rec, clock


def play(
    rec: Recorder,
    clock: FakeClock,
    units: Sequence[AccessUnit],
    *,
    start: int = T0,
    events: dict[float, tuple[int, str]] | None = None,
    each: Callable[[AccessUnit], None] | None = None,
) -> int:
    """Feed ``units`` live-like from ``start`` (ms); ``events`` maps a second of the
    clip to (event id, type). Returns where the clip ended (ms)."""
    pending = sorted((events or {}).items())
    origin = units[0].pts_90k
    end = start
    for au in units:
        clock.now = start + (au.pts_90k - origin) // 90
        rec.unit(au)
        while pending and pending[0][0] * 1000 <= clock.now - start:
            _, (eid, kind) = pending.pop(0)
            rec.on_event({"id": eid, "timestamp": clock.now, "type": kind, "device": rec.name})
        if each is not None:
            each(au)
        end = clock.now
    return end


async def rows(manager: RecordingManager, device: str | None = None) -> list[Recording]:
    return await manager.index.find(device=device, newest_first=False, limit=1000)
