"""The event store and session table: one object the app's lifespan opens and closes."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import logging
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from camhub.clock import now_ms
from camhub.errors import Busy, CamhubError
from camhub.store import queries as q
from camhub.store.db import create_engine, default_url, display_url, migrate, table_bytes
from camhub.store.recordings import RecordingIndex
from camhub.store.schema import event_counts, event_totals, events
from camhub.store.sessions import SessionTable
from camhub.store.sinks import PostgresSink, Sink, SqliteSink
from camhub.store.writer import EventWriter, Subscriber

log = logging.getLogger("camhub.store")

EXPORT_COLUMNS = ("id", "timestamp", "time", "device", "type", "data")
EXPORT_PAGE = 5_000


def human_size(n: int) -> str:
    """1024-based, one decimal, as seed 003 shows it: ``2.5 MB``."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def iso_ms(ts: int) -> str:
    dt = datetime.fromtimestamp(ts / 1000, UTC)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _disk_usage(data_dir: Path) -> Any:
    while not data_dir.exists() and data_dir != data_dir.parent:
        data_dir = data_dir.parent
    return shutil.disk_usage(data_dir)


class Store:
    """Events (batched writes, rollup-backed counts) and sessions, on SQLite or PostgreSQL.

    Open with :meth:`open`; always :meth:`close` (it commits every queued event).
    """

    def __init__(self, engine: AsyncEngine, writer: EventWriter, *, schema: str | None) -> None:
        self._engine = engine
        self._writer = writer
        self._sessions = SessionTable(engine)
        self.recordings = RecordingIndex(engine)
        self._schema = schema
        self.url_for_display: str = display_url(engine)

    @classmethod
    async def open(
        cls,
        url: str | None,
        data_dir: Path,
        *,
        schema: str | None = None,
        max_batch: int = 20_000,
    ) -> Store:
        """Connect, migrate to the newest schema, start the writer.

        ``url`` None means SQLite at ``<data_dir>/camhub.db``. ``schema`` (PostgreSQL
        only) keeps every table in that schema, created when missing.
        """
        engine = create_engine(url or default_url(data_dir), schema=schema)
        try:
            try:
                await migrate(engine, schema=schema)
            except (sa.exc.DBAPIError, OSError) as exc:
                reason = type(getattr(exc, "orig", None) or exc).__name__
                raise CamhubError(
                    f"cannot open the event store at {display_url(engine)} ({reason})"
                ) from exc
            sink: Sink = (
                SqliteSink(engine) if engine.dialect.name == "sqlite" else PostgresSink(engine)
            )
            writer = EventWriter(sink, max_batch=max_batch)
            await writer.start()
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, writer, schema=schema)

    async def close(self) -> None:
        try:
            await self._writer.close()
        finally:
            await self._engine.dispose()

    @contextlib.asynccontextmanager
    async def _db(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection (a transaction when ``write``); database failures become a
        :class:`CamhubError` the API answers with, never a traceback."""
        try:
            async with self._engine.begin() if write else self._engine.connect() as conn:
                yield conn
        except (sa.exc.DBAPIError, OSError) as exc:
            log.warning("event store query failed: %s", type(exc).__name__)
            raise Busy("Event history unavailable", retry_after=5) from exc

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def __repr__(self) -> str:
        return f"Store({self.url_for_display!r})"

    # writing -------------------------------------------------------------------
    def add_event(self, device: str, type: str, timestamp: int, data: dict[str, Any]) -> None:
        """Queue an event; never blocks. Dropped (counted, logged) only when the database
        has failed for so long that millions are pending: memory stays bounded."""
        self._writer.add(device, type, timestamp, data)

    async def flush(self) -> None:
        await self._writer.flush()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback`` after each committed batch; returns the unsubscribe function."""
        return self._writer.subscribe(callback)

    # reading -------------------------------------------------------------------
    async def query_events(
        self,
        *,
        limit: int = 1000,
        since: int | None = None,
        until: int | None = None,
        type: str | None = None,
        device: str | None = None,
    ) -> dict[str, Any]:
        q.check_limit(limit)
        now = now_ms()
        f = q.Filter.make(since=since, until=until, type=type, device=device, now=now)
        async with self._db() as conn:
            rows = await q.newest(conn, f, limit)
            totals = (await q.counts(conn, f, None)).get(0, {})
            last = await q.last_timestamps(conn, f, sorted(totals))
        summary = [
            {"type": t, "count": n, "lastTimestamp": last.get(t)}
            for t, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        return {"serverNow": now, "dayStart": q.day_start(now), "events": rows, "summary": summary}

    async def bucket_counts(
        self,
        *,
        bucket_ms: int,
        since: int | None = None,
        until: int | None = None,
        type: str | None = None,
        device: str | None = None,
    ) -> dict[str, Any]:
        q.check_bucket(bucket_ms)
        now = now_ms()
        f = q.Filter.make(since=since, until=until, type=type, device=device, now=now)
        async with self._db() as conn:
            counted = await q.counts(conn, f, bucket_ms)
        buckets = [{"timestamp": b, "counts": counted[b]} for b in sorted(counted)]
        start = f.lo if f.lo is not None else (buckets[0]["timestamp"] if buckets else now)
        end = until if until is not None else now
        time_range = {"start": start, "end": end}
        return {"buckets": buckets, "bucketMs": bucket_ms, "timeRange": time_range}

    async def event_range(self) -> dict[str, Any]:
        async with self._db() as conn:
            lo, hi = await q.time_bounds(conn)
            total = sum((await q.totals_by_type(conn)).values())
        return {"minTimestamp": lo, "maxTimestamp": hi, "totalEvents": total}

    async def clear_events(self) -> int:
        """Delete every event (those still queued included); returns how many."""
        await self.flush()
        async with self._db(write=True) as conn:
            result = await conn.execute(sa.delete(events))
            await conn.execute(sa.delete(event_counts))
            await conn.execute(sa.delete(event_totals))
        return int(result.rowcount)

    def export_csv(
        self,
        *,
        since: int | None = None,
        until: int | None = None,
        type: str | None = None,
        device: str | None = None,
    ) -> AsyncIterator[str]:
        """CSV chunks, header first, oldest event first; read page by page."""
        f = q.Filter.make(since=since, until=until, type=type, device=device, now=now_ms())
        return self._export(f)

    async def _export(self, f: q.Filter) -> AsyncIterator[str]:
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\r\n")
        out.writerow(EXPORT_COLUMNS)
        yield buf.getvalue()
        after = 0
        while True:
            async with self._db() as conn:
                page = await q.page_after(conn, f, after, EXPORT_PAGE)
            if not page:
                return
            buf.seek(0)
            buf.truncate()
            for e in page:
                data = json.dumps(e["data"], separators=(",", ":"))
                ts = e["timestamp"]
                out.writerow((e["id"], ts, iso_ms(ts), e["device"], e["type"], data))
            yield buf.getvalue()
            after = page[-1]["id"]

    async def storage_stats(self, data_dir: Path) -> dict[str, Any]:
        async with self._db() as conn:
            by_type = await q.totals_by_type(conn)
            lo, hi = await q.time_bounds(conn)
            if self.dialect == "sqlite":
                db_bytes = self._sqlite_file_bytes()
            else:
                db_bytes = await table_bytes(
                    conn, ["events", "event_counts", "event_totals", "sessions"]
                )
        disk = await asyncio.to_thread(_disk_usage, data_dir)
        return {
            "databaseSize": human_size(db_bytes),
            "databaseSizeBytes": db_bytes,
            "totalEvents": sum(by_type.values()),
            "motionEvents": by_type.get("motion", 0),
            "soundEvents": by_type.get("sound", 0),
            "eventsByType": by_type,
            "minTimestamp": lo,
            "maxTimestamp": hi,
            "deviceStorageTotal": human_size(disk.total),
            "deviceStorageAvailable": human_size(disk.free),
            "deviceStorageTotalBytes": disk.total,
            "deviceStorageAvailableBytes": disk.free,
        }

    def _sqlite_file_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.local_files() if not p.name.endswith("-shm"))

    def local_files(self) -> list[Path]:
        """The database's files on this machine (SQLite: the file and its journals)."""
        database = self._engine.url.database
        if self.dialect != "sqlite" or not database or database == ":memory:":
            return []
        paths = [Path(database + suffix) for suffix in ("", "-wal", "-shm")]
        return [p for p in paths if p.exists()]

    # sessions ------------------------------------------------------------------
    async def create_session(
        self,
        token_hash: str,
        csrf_hash: str,
        username: str,
        role: str,
        expires_ms: int,
        credential: str | None = None,
    ) -> None:
        await self._sessions.create(token_hash, csrf_hash, username, role, expires_ms, credential)

    async def get_session(self, token_hash: str) -> dict[str, object] | None:
        return await self._sessions.get(token_hash)

    async def set_session_csrf(self, token_hash: str, csrf_hash: str) -> None:
        await self._sessions.set_csrf(token_hash, csrf_hash)

    async def delete_session(self, token_hash: str) -> None:
        await self._sessions.delete(token_hash)

    async def sessions_beyond(self, username: str, keep: int) -> list[str]:
        return await self._sessions.beyond(username, keep)

    async def delete_expired_sessions(self) -> int:
        return await self._sessions.delete_expired()
