"""The batching writer's guarantees, and the range split behind bucket queries."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import pytest

from camhub.errors import CamhubError, ConfigError
from camhub.store import Store
from camhub.store.db import create_engine, display_url
from camhub.store.queries import split_range
from camhub.store.schema import ROLLUP_SPANS
from camhub.store.sinks import Row
from camhub.store.writer import EventWriter


class FlakySink:
    """Fails the first ``failures`` writes, then records what it is given."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.batches: list[list[Row]] = []
        self.next_id = 1

    async def open(self) -> None:
        return None

    async def write(self, rows: list[Row]) -> Sequence[int]:
        if self.failures:
            self.failures -= 1
            raise OSError("database is locked")
        self.batches.append(rows)
        first, self.next_id = self.next_id, self.next_id + len(rows)
        return range(first, self.next_id)

    async def close(self) -> None:
        return None


async def test_a_failed_write_is_retried_and_nothing_is_lost() -> None:
    sink = FlakySink(failures=2)
    writer = EventWriter(sink, max_batch=10)
    heard: list[int] = []
    writer.subscribe(lambda evs: heard.extend(e["id"] for e in evs))
    await writer.start()
    for i in range(35):
        writer.add("porch", "motion", i, {"i": i})
    await asyncio.wait_for(writer.flush(), 10)
    await writer.close()

    written = [r for b in sink.batches for r in b]
    assert [r[2] for r in written] == list(range(35))  # every event, in order
    assert max(len(b) for b in sink.batches) <= 10
    assert heard == list(range(1, 36))


async def test_adding_after_close_is_refused_not_silently_dropped() -> None:
    writer = EventWriter(FlakySink(0))
    await writer.start()
    await writer.close()
    with pytest.raises(RuntimeError):
        writer.add("porch", "motion", 1, {})


async def test_backpressure_waits_instead_of_growing_without_bound() -> None:
    sink = FlakySink(0)
    writer = EventWriter(sink, max_batch=5, max_pending=20)
    await writer.start()
    for i in range(200):
        await writer.add_wait("porch", "motion", i, {})
        assert writer.pending <= 21
    await writer.close()
    assert sum(len(b) for b in sink.batches) == 200


@pytest.mark.parametrize(
    ("lo", "hi"),
    [(None, None), (0, 7_200_000), (61_001, 7_260_500), (5, 59_000), (None, 3_600_123), (17, None)],
)
def test_range_split_covers_the_range_exactly_once(lo: int | None, hi: int | None) -> None:
    pieces = split_range(lo, hi, ROLLUP_SPANS)
    assert pieces[0][1] == lo and pieces[-1][2] == hi
    for (_, _, end), (_, start, _) in pairwise(pieces):
        assert end == start
    for span, start, end in pieces:
        if span is not None:  # rollup pieces are whole periods
            assert start is None or start % span == 0
            assert end is None or end % span == 0


async def test_display_url_hides_the_password() -> None:
    engine = create_engine("postgresql+asyncpg://camhub:s3cret-pw@db.example:5432/camhub")
    try:
        assert "s3cret-pw" not in display_url(engine)
        assert "db.example" in display_url(engine)
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "url", ["mysql+aiomysql://u:p@h/db", "sqlite:///:memory:", "sqlite+aiosqlite://"]
)
def test_unsupported_databases_are_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError) as err:
        create_engine(url)
    assert "store" in err.value.problems[0]


async def test_an_unreachable_database_is_a_clear_error_without_the_password(
    tmp_path: Path,
) -> None:
    with pytest.raises(CamhubError) as err:
        await Store.open("postgresql+asyncpg://camhub:s3cret-pw@127.0.0.1:1/camhub", tmp_path)
    assert "cannot open the event store" in err.value.message
    assert "s3cret-pw" not in str(err.value)
