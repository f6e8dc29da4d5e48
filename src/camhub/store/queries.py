"""Read queries over events: listing, summaries, buckets, range, export pages.

Bucketed counts avoid scanning the raw table. A time range is split into pieces: the
middle is summed from the coarsest rollup level whose span divides the bucket length,
what is left at either end from the finer levels, and the sub-minute edges counted in
``events`` through the timestamp index. Every rollup row used then falls entirely
inside one bucket; a bucket length that is not a multiple of a minute is counted from
the raw table alone. Without a device filter the rows come from ``event_totals`` (all
devices), with one from that device's rows of ``event_counts``: either way at most one
row per period and type.

``events`` has no index on type or device. A filtered listing first reads, from the
per-minute rollup, the newest minutes that hold matching events (enough of them to
hold ``limit``), then reads ``events`` in those minutes only, through the timestamp
index: a rare type costs as little as a common one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from camhub.errors import InvalidArgument
from camhub.store.schema import MINUTE_MS, ROLLUP_SPANS, event_counts, event_totals, events

DAY_MS = 86_400_000
# The last ms of year 9999: later timestamps are bad input, not 64-bit overflows.
MAX_TIMESTAMP_MS = 253_402_300_799_999
MIN_BUCKET_MS, MAX_BUCKET_MS = 60_000, 3_600_000
MAX_LIMIT = 10_000
PIVOT_TYPES = 50  # event types counted side by side in one query


def day_start(ms: int) -> int:
    return ms - ms % DAY_MS


@dataclass(frozen=True)
class Filter:
    """Which events: ``lo`` inclusive, ``hi`` exclusive (ms), type, device."""

    lo: int | None = None
    hi: int | None = None
    type: str | None = None
    device: str | None = None

    @classmethod
    def make(
        cls,
        *,
        since: int | None,
        until: int | None,
        type: str | None,
        device: str | None,
        now: int,
    ) -> Filter:
        errors = []
        if since is not None and not 0 <= since <= MAX_TIMESTAMP_MS:
            errors.append(f"since: must be 0..{MAX_TIMESTAMP_MS} (0 = start of today)")
        if until is not None and not 0 <= until <= MAX_TIMESTAMP_MS:
            errors.append(f"until: must be 0..{MAX_TIMESTAMP_MS}")
        if errors:
            raise InvalidArgument("Invalid query", errors)
        lo = day_start(now) if since == 0 else since
        hi = None if until is None else until + 1  # until is inclusive
        return cls(lo, hi, type or None, device or None)

    def raw_where(self, lo: int | None = None, hi: int | None = None) -> list[Any]:
        lo = self.lo if lo is None else lo
        hi = self.hi if hi is None else hi
        out: list[Any] = []
        if lo is not None:
            out.append(events.c.timestamp >= lo)
        if hi is not None:
            out.append(events.c.timestamp < hi)
        if self.type is not None:
            out.append(events.c.type == self.type)
        if self.device is not None:
            out.append(events.c.device == self.device)
        return out


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidArgument("Invalid query", [f"limit: must be between 1 and {MAX_LIMIT}"])


def check_bucket(bucket_ms: int) -> None:
    if not MIN_BUCKET_MS <= bucket_ms <= MAX_BUCKET_MS:
        raise InvalidArgument(
            "Invalid query", [f"bucketMs: must be between {MIN_BUCKET_MS} and {MAX_BUCKET_MS}"]
        )


# A piece of a time range: (rollup span or None for the raw table, start, end).
Piece = tuple[int | None, int | None, int | None]


def split_range(lo: int | None, hi: int | None, spans: tuple[int, ...]) -> list[Piece]:
    """Cover [lo, hi) with whole periods of the largest spans, raw rows at the edges."""
    if lo is not None and hi is not None and lo >= hi:
        return []
    if not spans:
        return [(None, lo, hi)]
    span, rest = spans[0], spans[1:]
    a = None if lo is None else -(-lo // span) * span
    b = None if hi is None else hi // span * span
    if a is not None and b is not None and a >= b:
        return split_range(lo, hi, rest)
    pieces: list[Piece] = []
    if lo is not None and a is not None and lo < a:
        pieces += split_range(lo, a, rest)
    pieces.append((span, a, b))
    if hi is not None and b is not None and b < hi:
        pieces += split_range(b, hi, rest)
    return pieces


def _rollup_rows(f: Filter, span: int) -> tuple[sa.Table, list[Any]]:
    """The rollup table for this filter, and the conditions selecting one span's rows."""
    table = event_totals if f.device is None else event_counts
    conds = [table.c.span == span]
    if f.device is not None:
        conds.append(table.c.device == f.device)
    if f.type is not None:
        conds.append(table.c.type == f.type)
    return table, conds


async def _types_in_range(conn: AsyncConnection, f: Filter) -> list[str]:
    """Every type with events in the filter's range, from the coarsest rollup level."""
    if f.type is not None:
        return [f.type]
    span = ROLLUP_SPANS[0]
    table, conds = _rollup_rows(f, span)
    if f.lo is not None:
        conds.append(table.c.start >= f.lo - f.lo % span)
    if f.hi is not None:
        conds.append(table.c.start < f.hi)
    stmt = sa.select(table.c.type).where(*conds).group_by(table.c.type)
    return sorted((await conn.execute(stmt)).scalars())


async def _count_piece(
    conn: AsyncConnection, f: Filter, piece: Piece, bucket_ms: int | None, types: list[str]
) -> list[Any]:
    """Rows ``(bucket, count of types[0], count of types[1], ...)``, a zero or NULL
    where a type has none: one row per bucket rather than per bucket and type (for
    minute buckets over a week, 5x fewer rows for Python to build and collect)."""
    span, lo, hi = piece
    if span is None:
        ts, kind = events.c.timestamp, events.c.type
        key: Any = (ts - ts % bucket_ms) if bucket_ms else sa.literal_column("0")
        cols: list[Any] = [sa.func.count(sa.case((kind == t, 1))) for t in types]
        stmt = sa.select(key, *cols).where(*f.raw_where(lo, hi))
    else:
        table, conds = _rollup_rows(f, span)
        start, kind, n = table.c.start, table.c.type, table.c.count
        if lo is not None:
            conds.append(start >= lo)
        if hi is not None:
            conds.append(start < hi)
        if bucket_ms == span:  # rows already in bucket order: the grouping streams
            key = start
        else:
            key = (start - start % bucket_ms) if bucket_ms else sa.literal_column("0")
        cols = [sa.cast(sa.func.sum(sa.case((kind == t, n))), sa.BigInteger) for t in types]
        stmt = sa.select(key, *cols).where(*conds)
    return list((await conn.execute(stmt.group_by(sa.text("1")))).all())


async def counts(
    conn: AsyncConnection, f: Filter, bucket_ms: int | None
) -> dict[int, dict[str, int]]:
    """{bucket start: {type: count}}; one bucket (0) when ``bucket_ms`` is None."""
    spans = tuple(s for s in ROLLUP_SPANS if bucket_ms is None or bucket_ms % s == 0)
    all_types = await _types_in_range(conn, f)
    out: dict[int, dict[str, int]] = {}
    for i in range(0, len(all_types), PIVOT_TYPES):  # one pass for any usual set of types
        types = all_types[i : i + PIVOT_TYPES]
        for piece in split_range(f.lo, f.hi, spans):
            for b, *ns in await _count_piece(conn, f, piece, bucket_ms, types):
                row = out.setdefault(int(b), {})
                for t, n in zip(types, ns, strict=True):
                    if n:
                        row[t] = row.get(t, 0) + int(n)
    return out


async def _oldest_minute_needed(conn: AsyncConnection, f: Filter, limit: int) -> int | None:
    """The start of the oldest minute the newest ``limit`` matching events can be in.

    The per-minute rollup is read newest first; a minute cut by ``lo`` or ``hi`` may
    hold fewer matching events than its count, so only whole minutes count towards
    ``limit``. None: every matching event in the range is needed (or there is none).
    """
    table, conds = _rollup_rows(f, MINUTE_MS)
    start = table.c.start
    if f.lo is not None:
        conds.append(start >= f.lo - f.lo % MINUTE_MS)
    if f.hi is not None:
        conds.append(start < f.hi)
    stmt = (
        sa.select(start, sa.func.sum(table.c.count))
        .where(*conds)
        .group_by(start)
        .order_by(start.desc())
        .limit(limit + 2)  # every minute listed holds at least one matching event
    )
    seen = 0
    for m, n in (await conn.execute(stmt)).all():
        whole = (f.lo is None or m >= f.lo) and (f.hi is None or m + MINUTE_MS <= f.hi)
        seen += int(n) if whole else 0
        if seen >= limit:
            return int(m)
    return None


async def _newest_rows(
    conn: AsyncConnection, f: Filter, limit: int, columns: list[Any]
) -> list[sa.Row[Any]]:
    ts = events.c.timestamp
    order = (ts.desc(), events.c.id.desc())
    if f.type is None and f.device is None:  # the timestamp index, newest first
        stmt = sa.select(*columns).where(*f.raw_where()).order_by(*order).limit(limit)
        return list((await conn.execute(stmt)).all())
    oldest = await _oldest_minute_needed(conn, f, limit)
    lo = f.lo if oldest is None else oldest
    table, conds = _rollup_rows(f, MINUTE_MS)
    start = table.c.start
    if lo is not None:
        conds.append(start >= lo - lo % MINUTE_MS)
    if f.hi is not None:
        conds.append(start < f.hi)
    # Each matching minute, cut to [lo, hi), is one range of the timestamp index; the
    # time bounds live only here, so the index is never searched from ``lo`` onwards.
    a: Any = start if lo is None else sa.case((start < lo, lo), else_=start)
    end = start + MINUTE_MS
    b: Any = end if f.hi is None else sa.case((end > f.hi, f.hi), else_=end)
    ranges = sa.select(a.label("a"), b.label("b")).where(*conds).group_by(start).subquery()
    joined = events.join(ranges, sa.and_(ts >= ranges.c.a, ts < ranges.c.b))
    stmt = (
        sa.select(*columns)
        .select_from(joined)
        .where(*Filter(type=f.type, device=f.device).raw_where())
        .order_by(*order)
        .limit(limit)
    )
    return list((await conn.execute(stmt)).all())


async def last_timestamps(conn: AsyncConnection, f: Filter, types: list[str]) -> dict[str, int]:
    """Newest timestamp per type: its newest minute from the rollup, then that minute."""
    out = {}
    for t in types:
        sub = Filter(f.lo, f.hi, t, f.device)
        rows = await _newest_rows(conn, sub, 1, [events.c.timestamp])
        if rows:
            out[t] = int(rows[0][0])
    return out


def event_dict(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": int(row.id),
        "device": row.device,
        "type": row.type,
        "timestamp": int(row.timestamp),
        "data": row.data,
    }


async def newest(conn: AsyncConnection, f: Filter, limit: int) -> list[dict[str, Any]]:
    return [event_dict(r) for r in await _newest_rows(conn, f, limit, list(events.c))]


async def page_after(
    conn: AsyncConnection, f: Filter, after_id: int, size: int
) -> list[dict[str, Any]]:
    """Events in id order after ``after_id`` (keyset paging for the export)."""
    stmt = (
        sa.select(events)
        .where(events.c.id > after_id, *f.raw_where())
        .order_by(events.c.id)
        .limit(size)
    )
    return [event_dict(r) for r in (await conn.execute(stmt)).all()]


async def time_bounds(conn: AsyncConnection) -> tuple[int | None, int | None]:
    # Two statements: SQLite only uses the index for a lone min() or max().
    lo = await conn.scalar(sa.select(sa.func.min(events.c.timestamp)))
    hi = await conn.scalar(sa.select(sa.func.max(events.c.timestamp)))
    return (None if lo is None else int(lo)), (None if hi is None else int(hi))


async def totals_by_type(conn: AsyncConnection) -> dict[str, int]:
    """Every stored event counted by type, from the coarsest rollup."""
    stmt = (
        sa.select(event_totals.c.type, sa.func.sum(event_totals.c.count))
        .where(event_totals.c.span == ROLLUP_SPANS[0])
        .group_by(event_totals.c.type)
        .order_by(event_totals.c.type)
    )
    return {t: int(n) for t, n in (await conn.execute(stmt)).all()}
