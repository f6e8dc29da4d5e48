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
from camhub.media.types import AccessUnit, AudioUnit
from camhub.recordings.manager import RecordingManager
from camhub.recordings.recorder import Recorder
from camhub.store import Store
from camhub.store.recordings import Recording
from tests.conftest import InProcess, in_process, make_settings
from tests.recordings.camera import camera, still_cameras
from tests.recordings.media import T0, FakeClock, clip
from tests.store.conftest import (  # noqa: F401  (fixtures)
    OpenStore,
    backend,
    open_store,
    postgres_available,
    target,
)


@pytest.fixture
async def store(open_store: OpenStore) -> Store:  # noqa: F811 (the fixture above)
    """A store on this test's database (SQLite, and PostgreSQL when marked)."""
    return await open_store()


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
    sound: Sequence[AudioUnit] = (),
) -> int:
    """Feed ``units`` live-like from ``start`` (ms); ``events`` maps a second of the
    clip to (event id, type); ``sound`` (on the clip's timeline) is fed in time order
    between the pictures. Returns where the clip ended (ms)."""
    pending = sorted((events or {}).items())
    origin = units[0].pts_90k
    audio = list(sound)
    end = start
    for au in units:
        clock.now = start + (au.pts_90k - origin) // 90
        while audio and audio[0].pts * 90_000 // audio[0].info.rate <= au.pts_90k:
            rec.audio_unit(audio.pop(0))
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


async def recorded(
    manager: RecordingManager,
    *,
    mode: str = "continuous",
    seconds: float = 12,
    events: dict[float, str] | None = None,
    name: str = "cam",
    sound: Sequence[AudioUnit] = (),
    **cfg: Any,
) -> tuple[list[Recording], dict[float, int]]:
    """Record ``seconds`` of real H.264 from T0 through ``manager``, with stored events
    at the given seconds of the clip; the recordings and {second: event id}."""
    events_store = manager.store
    for at, kind in sorted((events or {}).items()):
        events_store.add_event(name, kind, T0 + int(at * 1000), {})
    await events_store.flush()
    until = T0 + int(seconds * 1000)
    stored = (await events_store.query_events(device=name, since=T0, until=until))["events"]
    ids = {(e["timestamp"] - T0) / 1000: e["id"] for e in stored}
    rec, clock = recorder(manager, mode, name=name, **cfg)
    marks = {at: (ids[at], k) for at, k in (events or {}).items()}
    play(rec, clock, clip(seconds), events=marks, sound=sound)
    await rec.stop()
    return await rows(manager, name), ids


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[InProcess]:
    """camhub in-process with two still cameras, ``cam`` and ``other``."""
    with still_cameras():
        settings = make_settings(tmp_path / "data", devices=[camera(), camera("other")])
        async with in_process(settings) as h:
            yield h


def manager_of(hub: InProcess) -> RecordingManager:
    return hub.state.service.recordings
