"""Every rollup level, the listings it steers, and the upgrade that built it (0001 -> 0002)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from tests.helpers.store_events import DEVICES, T0, TYPES, Ev, brute_buckets, fill
from tests.store.conftest import OpenStore, Target

from camhub.store import Store
from camhub.store.db import MIGRATIONS, create_engine, migrate
from camhub.store.schema import ROLLUP_SPANS, event_counts, event_totals, events

HOUR = 3_600_000
BUCKETS = (60_000, 300_000, 900_000, 1_800_000, HOUR)  # 30 min: 15-min rows, two per bucket


def spread_events(n: int, seed: int, span_ms: int = 30 * HOUR) -> list[Ev]:
    """Common types and devices, plus a rare type and a rare device."""
    rnd = random.Random(seed)
    evs: list[Ev] = [
        (rnd.choice(DEVICES), rnd.choice(TYPES), T0 + rnd.randrange(span_ms), {"n": i})
        for i in range(n)
    ]
    stamps = rnd.sample(range(T0, T0 + span_ms), 40)
    evs += [("hall", "face", ts, {"n": n + i}) for i, ts in enumerate(stamps[:20])]
    evs += [("doorbell", "person", ts, {"n": n + 20 + i}) for i, ts in enumerate(stamps[20:])]
    return evs


def brute_rollup(evs: list[Ev], span: int) -> tuple[dict[Any, int], dict[Any, int]]:
    per_device = Counter((d, ts - ts % span, t) for d, t, ts, _ in evs)
    all_devices = Counter((ts - ts % span, t) for _, t, ts, _ in evs)
    return dict(per_device), dict(all_devices)


async def read_rollup(target: Target, span: int) -> tuple[dict[Any, int], dict[Any, int]]:
    engine = create_engine(target.full_url, schema=target.schema)
    try:
        async with engine.connect() as conn:
            c, t = event_counts.c, event_totals.c
            rows = await conn.execute(
                sa.select(c.device, c.start, c.type, c.count).where(c.span == span)
            )
            per_device = {(d, int(s), k): int(n) for d, s, k, n in rows}
            rows = await conn.execute(sa.select(t.start, t.type, t.count).where(t.span == span))
            all_devices = {(int(s), k): int(n) for s, k, n in rows}
    finally:
        await engine.dispose()
    return per_device, all_devices


async def assert_buckets_match(store: Store, evs: list[Ev]) -> None:
    since, until = T0 + 7 * 60_000 + 123, T0 + 26 * HOUR + 31 * 60_000 + 456  # cut mid-minute
    cases: list[tuple[int | None, int | None, dict[str, str]]] = [
        (None, None, {}),
        (since, until, {}),
        (since, until, {"device": "garden"}),
        (since, None, {"type": "sound", "device": "porch"}),
        (None, until, {"type": "face"}),
        (T0 + 2 * HOUR, T0 + 5 * HOUR - 1, {}),  # whole hours
    ]
    for bucket_ms in BUCKETS:
        for lo, hi, f in cases:
            got = await store.bucket_counts(bucket_ms=bucket_ms, since=lo, until=hi, **f)
            want = brute_buckets(evs, bucket_ms, lo, hi, **f)
            assert {b["timestamp"]: b["counts"] for b in got["buckets"]} == want, (
                bucket_ms,
                lo,
                hi,
                f,
            )


async def test_every_rollup_level_holds_exactly_the_stored_events(
    open_store: OpenStore, target: Target
) -> None:
    store = await open_store(max_batch=97)  # periods shared by many batches add up
    evs = spread_events(3_000, seed=3)
    await fill(store, evs)
    for span in ROLLUP_SPANS:
        assert await read_rollup(target, span) == brute_rollup(evs, span), span


async def test_buckets_of_every_size_equal_a_brute_force_count(store: Store) -> None:
    evs = spread_events(3_000, seed=4)
    evs += [("porch", "motion", T0 - T0 % HOUR + k * 60_000, {}) for k in range(0, 600, 13)]
    await fill(store, evs)
    await assert_buckets_match(store, evs)
    got = await store.bucket_counts(bucket_ms=90_000)  # no rollup level divides it
    assert {b["timestamp"]: b["counts"] for b in got["buckets"]} == brute_buckets(
        evs, 90_000, None, None
    )


def matching(evs: list[Ev], lo: int | None, hi: int | None, **f: str) -> list[Ev]:
    return [
        e
        for e in evs
        if (lo is None or e[2] >= lo)
        and (hi is None or e[2] <= hi)
        and f.get("type") in (None, e[1])
        and f.get("device") in (None, e[0])
    ]


def newest_first(evs: list[Ev], lo: int | None, hi: int | None, **f: str) -> list[int]:
    keep = matching(evs, lo, hi, **f)
    return [e[3]["n"] for e in sorted(keep, key=lambda e: (-e[2], -e[3]["n"]))]


def summary(evs: list[Ev]) -> list[dict[str, Any]]:
    n = Counter(e[1] for e in evs)
    last = {t: max(e[2] for e in evs if e[1] == t) for t in n}
    rows = sorted(n.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"type": t, "count": c, "lastTimestamp": last[t]} for t, c in rows]


@pytest.mark.parametrize("limit", [1, 7, 500])
async def test_filtered_listings_find_rare_and_common_events(store: Store, limit: int) -> None:
    evs = spread_events(4_000, seed=5)
    await fill(store, evs)  # one batch: ids follow the list, as newest_first assumes
    since, until = T0 + 3 * HOUR + 30_017, T0 + 20 * HOUR + 59_998
    for lo, hi, f in [
        (None, None, {"type": "face"}),
        (None, None, {"device": "doorbell"}),
        (since, until, {"type": "face"}),
        (since, until, {"type": "motion", "device": "porch"}),
        (since, until, {"device": "garden"}),
        (since, until, {}),
        (None, None, {"type": "no-such-type"}),
    ]:
        got = await store.query_events(limit=limit, since=lo, until=hi, **f)
        want = newest_first(evs, lo, hi, **f)
        assert [e["data"]["n"] for e in got["events"]] == want[:limit], (lo, hi, f)
        assert got["summary"] == summary(matching(evs, lo, hi, **f)), (lo, hi, f)


async def test_a_0001_database_is_upgraded_with_its_events(
    open_store: OpenStore, target: Target
) -> None:
    evs = spread_events(2_000, seed=6)
    engine = create_engine(target.full_url, schema=target.schema)
    try:
        await migrate(engine, schema=target.schema, revision="0001")
        async with engine.begin() as conn:
            rows = [{"device": d, "type": t, "timestamp": ts, "data": x} for d, t, ts, x in evs]
            await conn.execute(sa.insert(events), rows)
            for span in (HOUR, 60_000):  # what 0001's writer kept
                await conn.execute(
                    sa.text(
                        "INSERT INTO event_counts (span, start, device, type, count) "
                        "VALUES (:s, :b, :d, :t, :n)"
                    ),
                    [
                        {"s": span, "b": b, "d": d, "t": t, "n": n}
                        for (d, b, t), n in brute_rollup(evs, span)[0].items()
                    ],
                )
            # events up to id 5000 were stored once and cleared: their ids stay used
            if engine.dialect.name == "sqlite":
                await conn.execute(sa.text("UPDATE sqlite_sequence SET seq = 5000"))
            else:
                await conn.execute(
                    sa.text("SELECT setval(pg_get_serial_sequence('events', 'id'), 5000)")
                )
    finally:
        await engine.dispose()

    store = await open_store()
    assert (await store.event_range())["totalEvents"] == len(evs)
    for span in ROLLUP_SPANS:
        assert await read_rollup(target, span) == brute_rollup(evs, span), span
    await assert_buckets_match(store, evs)
    got = await store.query_events(limit=5, type="face")
    assert [e["data"]["n"] for e in got["events"]] == newest_first(evs, None, None, type="face")[:5]

    new = ("porch", "motion", T0 + 31 * HOUR, {"n": -1})
    await fill(store, [new])
    evs.append(new)
    newest = (await store.query_events(limit=1))["events"][0]
    assert newest["data"] == {"n": -1} and newest["id"] > 5000
    await assert_buckets_match(store, evs)


async def test_downgrading_to_0001_keeps_events_and_ids(
    open_store: OpenStore, target: Target
) -> None:
    store = await open_store()
    await fill(store, [("porch", "motion", T0 + i, {"i": i}) for i in range(30)])
    assert await store.clear_events() == 30
    await fill(store, [("porch", "sound", T0, {})])
    await store.close()

    engine = create_engine(target.full_url, schema=target.schema)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_downgrade, "0001")
            rows = (await conn.execute(sa.select(events.c.id, events.c.type))).all()
            assert [tuple(r) for r in rows] == [(31, "sound")]
        await migrate(engine, schema=target.schema)
    finally:
        await engine.dispose()
    again = await open_store()
    await fill(again, [("porch", "person", T0 + 1, {})])
    got = (await again.query_events())["events"]
    assert [(e["id"], e["type"]) for e in got] == [(32, "person"), (31, "sound")]


def _downgrade(sync_conn: sa.Connection, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = sync_conn
    command.downgrade(cfg, revision)
