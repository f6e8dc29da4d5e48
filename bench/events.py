"""Event store benchmark: 1M inserts and bucket queries, next to raw sqlite3.

    python bench/events.py [--events N] [--url postgresql+asyncpg://... [--schema S]]
    python bench/events.py --schemas    # raw sqlite3 only: what each index costs

Both sides get the same events (JSON-encoded data included). "same schema": the raw
side inserts into a copy of a freshly migrated store database (the same ``events``
table and index; it does not maintain the rollups); "bare table": a table with only
the timestamp index and no AUTOINCREMENT, the cheapest thing one could write. The raw
side is the straightforward thing: ``executemany`` in one transaction per batch, and a
``GROUP BY`` for the buckets (on the same-schema copy). Every bucket answer of the
store is checked against raw sqlite3's before it is timed (best of 3 for both).
Ratios > 1 mean the store is faster.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from camhub.store import Store

DEVICES = ("porch", "garden", "garage", "hall")
TYPES = ("motion", "sound", "person", "vehicle", "pet")
DAY_MS = 86_400_000
SPAN_MS = 7 * DAY_MS  # events spread over the last week (--days)
BATCH = 20_000


def make_events(
    n: int, now: int, span_ms: int = SPAN_MS
) -> list[tuple[str, str, int, dict[str, Any]]]:
    start = now - span_ms
    step = span_ms / n
    return [
        (
            DEVICES[i % len(DEVICES)],
            TYPES[(i * 7 + i // 3) % len(TYPES)],
            start + int(i * step),
            {"score": i % 100, "zone": i % 4},
        )
        for i in range(n)
    ]


BARE_TABLE = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, device TEXT NOT NULL, type TEXT NOT NULL, "
    '"timestamp" BIGINT NOT NULL, data TEXT NOT NULL)',
    'CREATE INDEX ix_events_timestamp ON events ("timestamp")',
)
# --schemas: what each part of the old (0001) schema cost raw sqlite3's inserts
_TYPE_INDEX = 'CREATE INDEX ix_events_type_timestamp ON events (type, "timestamp")'
_DEVICE_INDEX = 'CREATE INDEX ix_events_device_timestamp ON events (device, "timestamp")'
SCHEMA_VARIANTS = {
    "bare table": BARE_TABLE,
    "+ AUTOINCREMENT": (
        BARE_TABLE[0].replace("PRIMARY KEY", "PRIMARY KEY AUTOINCREMENT"),
        *BARE_TABLE[1:],
    ),
    "+ (type, timestamp) index": (*BARE_TABLE, _TYPE_INDEX),
    "+ both indexes": (*BARE_TABLE, _TYPE_INDEX, _DEVICE_INDEX),
    "0001: both + AUTOINCREMENT": (
        BARE_TABLE[0].replace("PRIMARY KEY", "PRIMARY KEY AUTOINCREMENT"),
        *BARE_TABLE[1:],
        _TYPE_INDEX,
        _DEVICE_INDEX,
    ),
}


def raw_insert(
    db: Path, evs: list[tuple[str, str, int, dict[str, Any]]], ddl: tuple[str, ...] = BARE_TABLE
) -> float:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'events'").fetchone():
        for statement in ddl:
            conn.execute(statement)
    t0 = time.perf_counter()
    for i in range(0, len(evs), BATCH):
        conn.execute("BEGIN")
        conn.executemany(
            'INSERT INTO events (device, type, "timestamp", data) VALUES (?, ?, ?, ?)',
            [(d, t, ts, json.dumps(data)) for d, t, ts, data in evs[i : i + BATCH]],
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def raw_buckets(db: Path, bucket_ms: int, since: int | None) -> tuple[float, dict[int, int]]:
    conn = sqlite3.connect(db)
    sql = 'SELECT "timestamp" - "timestamp" % ?, type, count(*) FROM events'
    args: tuple[int, ...] = (bucket_ms,)
    if since is not None:
        sql += ' WHERE "timestamp" >= ?'
        args += (since,)
    best, rows = float("inf"), []
    for _ in range(3):
        t0 = time.perf_counter()
        rows = conn.execute(sql + " GROUP BY 1, 2", args).fetchall()
        best = min(best, time.perf_counter() - t0)
    conn.close()
    totals: dict[int, int] = {}
    for b, _t, n in rows:
        totals[b] = totals.get(b, 0) + n
    return best, totals


async def store_insert(store: Store, evs: list[tuple[str, str, int, dict[str, Any]]]) -> float:
    t0 = time.perf_counter()
    for i, (d, t, ts, data) in enumerate(evs):
        store.add_event(d, t, ts, data)
        if i % 5000 == 4999:
            await asyncio.sleep(0)  # let the writer run, as a live producer would
    await store.flush()
    return time.perf_counter() - t0


async def store_buckets(
    store: Store, bucket_ms: int, since: int | None
) -> tuple[float, dict[int, int]]:
    best, result = float("inf"), None
    for _ in range(3):
        t0 = time.perf_counter()
        result = await store.bucket_counts(bucket_ms=bucket_ms, since=since)
        best = min(best, time.perf_counter() - t0)
    assert result is not None
    return best, {b["timestamp"]: sum(b["counts"].values()) for b in result["buckets"]}


async def empty_sqlite_store(data_dir: Path) -> Path:
    """A migrated, empty SQLite store database: the raw side's schema."""
    s = await Store.open(None, data_dir)
    await s.close()
    return data_dir / "camhub.db"


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--url", default=None, help="store URL (default: SQLite in a temp dir)")
    ap.add_argument("--schema", default=None, help="PostgreSQL schema for the store's tables")
    ap.add_argument("--days", type=float, default=7, help="events spread over this many days")
    ap.add_argument(
        "--schemas", action="store_true", help="only raw sqlite3 inserts into table variants"
    )
    args = ap.parse_args()
    n = args.events
    now = int(time.time() * 1000)
    span_ms = int(args.days * DAY_MS)
    evs = make_events(n, now, span_ms)
    whole = f"{args.days:g} days"
    if args.schemas:
        schema_variants(evs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        raw_db = work / "raw.db"
        shutil.copy(await empty_sqlite_store(work / "schema"), raw_db)
        store = await Store.open(args.url, work / "store", schema=args.schema)
        await store.clear_events()
        bare_s = raw_insert(work / "bare.db", evs)
        raw_s = raw_insert(raw_db, evs)
        store_s = await store_insert(store, evs)
        print(f"{n} events, store {store.url_for_display.split(':')[0]}")
        print(f"{'':28}{'raw sqlite3':>14}{'store':>14}{'ratio':>8}")
        for label, secs in (("insert/s, same schema", raw_s), ("insert/s, bare table", bare_s)):
            print(f"{label:28}{n / secs:>14,.0f}{n / store_s:>14,.0f}{secs / store_s:>8.2f}")
        cases = [
            (f"buckets 1 min, {whole}", 60_000, None),
            (f"buckets 5 min, {whole}", 300_000, None),
            (f"buckets 15 min, {whole}", 900_000, None),
            (f"buckets 1 h, {whole}", 3_600_000, None),
            ("buckets 1 min, last 24 h", 60_000, now - DAY_MS + 12_345),
        ]
        for label, bucket_ms, since in cases:
            raw_q, raw_totals = raw_buckets(raw_db, bucket_ms, since)
            st_q, st_totals = await store_buckets(store, bucket_ms, since)
            assert raw_totals == st_totals, f"{label}: store and raw sqlite3 disagree"
            print(
                f"{label + ' (ms)':28}{raw_q * 1000:>14.1f}{st_q * 1000:>14.1f}{raw_q / st_q:>8.1f}"
            )
        for label, kw in (
            ("list 1000 + summary", {}),
            ("same, one type", {"type": "pet"}),
            ("same, one device + type", {"type": "pet", "device": "hall"}),
        ):
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                page = await store.query_events(limit=1000, **kw)
                best = min(best, time.perf_counter() - t0)
            assert len(page["events"]) == 1000
            print(f"{label + ' (ms)':28}{'':>14}{best * 1000:>14.1f}")
        await store.close()


def schema_variants(evs: list[tuple[str, str, int, dict[str, Any]]]) -> None:
    """Raw sqlite3 inserts/s into each table variant, three rounds interleaved."""
    rates: dict[str, list[float]] = {name: [] for name in SCHEMA_VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(3):
            for i, (name, ddl) in enumerate(SCHEMA_VARIANTS.items()):
                rates[name].append(len(evs) / raw_insert(Path(tmp) / f"{r}-{i}.db", evs, ddl))
    bare = rates["bare table"]
    print(f"{len(evs)} events, raw sqlite3 insert/s (3 rounds) and ratio to the bare table")
    for name, got in rates.items():
        ratios = " ".join(f"{g / b:.2f}" for g, b in zip(got, bare, strict=True))
        print(f"{name:28}{' '.join(f'{g:>10,.0f}' for g in got)}   {ratios}")


if __name__ == "__main__":
    asyncio.run(main())
