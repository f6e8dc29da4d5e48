"""The recording index: one row per finished MP4 (``recordings``) and the events each
one covers (``recording_events``), on the store's engine.

:class:`camhub.recordings` owns the files; this module only keeps their index. Times
are ms since the epoch; a recording covers ``[start, end)``. Every database failure
becomes a :class:`CamhubError` the API answers with (never a traceback).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from camhub.errors import CamhubError
from camhub.store.queries import event_dict
from camhub.store.schema import events, recording_events, recordings

log = logging.getLogger("camhub.store")

ID_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True, slots=True)
class Recording:
    id: int
    device: str
    kind: str  # "continuous" | "event"
    start: int
    end: int
    path: str  # relative to the recording directory
    bytes: int
    pinned: bool
    snapshot: str | None

    @property
    def duration_ms(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class NewRecording:
    device: str
    kind: str
    start: int
    end: int
    path: str
    bytes: int
    pinned: bool = False
    snapshot: str | None = None


def _row(r: Any) -> Recording:
    return Recording(
        int(r.id), r.device, r.kind, int(r.start_ms), int(r.end_ms), r.path, int(r.bytes),
        bool(r.pinned), r.snapshot,
    )  # fmt: skip


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    items = sorted(set(ids))
    for i in range(0, len(items), ID_CHUNK):
        yield items[i : i + ID_CHUNK]


class RecordingIndex:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @contextlib.asynccontextmanager
    async def _db(self, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.begin() if write else self._engine.connect() as conn:
                yield conn
        except (sa.exc.DBAPIError, OSError) as exc:
            log.warning("recording index query failed: %s", type(exc).__name__)
            raise CamhubError("Recording index unavailable") from exc

    # writing -------------------------------------------------------------------------
    async def add(self, new: NewRecording, event_ids: Iterable[int] = ()) -> Recording:
        """Index a finished file and link the events it covers, in one transaction."""
        async with self._db(write=True) as conn:
            result = await conn.execute(
                sa.insert(recordings).values(
                    device=new.device,
                    kind=new.kind,
                    start_ms=new.start,
                    end_ms=new.end,
                    path=new.path,
                    bytes=new.bytes,
                    pinned=new.pinned,
                    snapshot=new.snapshot,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            rid = int(key[0])
            await self._link(conn, rid, event_ids)
        return Recording(rid, new.device, new.kind, new.start, new.end, new.path, new.bytes,
                         new.pinned, new.snapshot)  # fmt: skip

    async def _link(self, conn: AsyncConnection, rid: int, event_ids: Iterable[int]) -> None:
        ids = sorted(set(event_ids))
        if not ids:
            return
        known = set(
            (
                await conn.execute(
                    sa.select(recording_events.c.event_id).where(
                        recording_events.c.recording_id == rid,
                        recording_events.c.event_id.in_(ids),
                    )
                )
            ).scalars()
        )
        rows = [{"event_id": e, "recording_id": rid} for e in ids if e not in known]
        if rows:
            await conn.execute(sa.insert(recording_events), rows)

    async def link(self, rid: int, event_ids: Iterable[int]) -> None:
        async with self._db(write=True) as conn:
            await self._link(conn, rid, event_ids)

    async def update(self, rid: int, **values: Any) -> None:
        """Change ``path``, ``bytes``, ``end_ms``, ``pinned`` or ``snapshot``."""
        allowed = {"path", "bytes", "end_ms", "pinned", "snapshot"}
        if not values or set(values) - allowed:
            raise ValueError(f"cannot update {sorted(set(values) - allowed)}")
        async with self._db(write=True) as conn:
            await conn.execute(sa.update(recordings).where(recordings.c.id == rid).values(values))

    async def delete(self, ids: Iterable[int]) -> int:
        """Forget these recordings (and their event links); how many there were."""
        n = 0
        async with self._db(write=True) as conn:
            for chunk in _chunks(ids):
                await conn.execute(
                    sa.delete(recording_events).where(recording_events.c.recording_id.in_(chunk))
                )
                result = await conn.execute(sa.delete(recordings).where(recordings.c.id.in_(chunk)))
                n += int(result.rowcount)
        return n

    # reading -------------------------------------------------------------------------
    async def get(self, rid: int) -> Recording | None:
        async with self._db() as conn:
            row = (await conn.execute(sa.select(recordings).where(recordings.c.id == rid))).first()
        return None if row is None else _row(row)

    async def by_path(self, path: str) -> Recording | None:
        async with self._db() as conn:
            stmt = sa.select(recordings).where(recordings.c.path == path)
            row = (await conn.execute(stmt)).first()
        return None if row is None else _row(row)

    async def find(
        self,
        *,
        device: str | None = None,
        since: int | None = None,
        until: int | None = None,
        limit: int = 100,
        after: tuple[int, int] | None = None,
        newest_first: bool = True,
        kind: str | None = None,
    ) -> list[Recording]:
        """Recordings overlapping ``[since, until]``, by start; ``after`` is the
        ``(start, id)`` of the last row of the previous page."""
        c = recordings.c
        conds: list[Any] = []
        if device is not None:
            conds.append(c.device == device)
        if kind is not None:
            conds.append(c.kind == kind)
        if since is not None:
            conds.append(c.end_ms > since)
        if until is not None:
            conds.append(c.start_ms <= until)
        if after is not None:
            key = sa.tuple_(c.start_ms, c.id)
            conds.append(key < sa.tuple_(*after) if newest_first else key > sa.tuple_(*after))
        order = (c.start_ms.desc(), c.id.desc()) if newest_first else (c.start_ms, c.id)
        stmt = sa.select(recordings).where(*conds).order_by(*order).limit(limit)
        async with self._db() as conn:
            return [_row(r) for r in (await conn.execute(stmt)).all()]

    async def page(self, after_id: int, size: int) -> list[Recording]:
        """Every recording in id order, page by page (for the start-up check)."""
        stmt = (
            sa.select(recordings)
            .where(recordings.c.id > after_id)
            .order_by(recordings.c.id)
            .limit(size)
        )
        async with self._db() as conn:
            return [_row(r) for r in (await conn.execute(stmt)).all()]

    async def oldest_unpinned(
        self, *, device: str | None = None, ended_before: int | None = None, limit: int = 50
    ) -> list[Recording]:
        c = recordings.c
        conds: list[Any] = [c.pinned == sa.false()]
        if device is not None:
            conds.append(c.device == device)
        if ended_before is not None:
            conds.append(c.end_ms < ended_before)
        stmt = sa.select(recordings).where(*conds).order_by(c.start_ms, c.id).limit(limit)
        async with self._db() as conn:
            return [_row(r) for r in (await conn.execute(stmt)).all()]

    async def totals(self) -> dict[str, int]:
        """Bytes recorded per device."""
        stmt = sa.select(recordings.c.device, sa.func.sum(recordings.c.bytes)).group_by(
            recordings.c.device
        )
        async with self._db() as conn:
            return {d: int(n or 0) for d, n in (await conn.execute(stmt)).all()}

    async def devices(self) -> list[str]:
        stmt = sa.select(recordings.c.device).group_by(recordings.c.device)
        async with self._db() as conn:
            return sorted((await conn.execute(stmt)).scalars())

    # events --------------------------------------------------------------------------
    async def event_ids(self, rids: Iterable[int]) -> dict[int, list[int]]:
        """The events each recording covers."""
        out: dict[int, list[int]] = {}
        async with self._db() as conn:
            for chunk in _chunks(rids):
                stmt = (
                    sa.select(recording_events.c.recording_id, recording_events.c.event_id)
                    .where(recording_events.c.recording_id.in_(chunk))
                    .order_by(recording_events.c.event_id)
                )
                for rid, eid in (await conn.execute(stmt)).all():
                    out.setdefault(int(rid), []).append(int(eid))
        return out

    async def for_events(self, event_ids: Iterable[int]) -> dict[int, Recording]:
        """Each event's clip: the earliest recording that covers it."""
        out: dict[int, Recording] = {}
        async with self._db() as conn:
            for chunk in _chunks(event_ids):
                j = recordings.join(
                    recording_events, recording_events.c.recording_id == recordings.c.id
                )
                stmt = (
                    sa.select(recording_events.c.event_id, *recordings.c)
                    .select_from(j)
                    .where(recording_events.c.event_id.in_(chunk))
                    .order_by(recordings.c.start_ms.desc())
                )
                for r in (await conn.execute(stmt)).all():
                    out[int(r.event_id)] = _row(r)  # the earliest start wins: it comes last
        return out

    async def event(self, event_id: int) -> dict[str, Any] | None:
        async with self._db() as conn:
            row = (await conn.execute(sa.select(events).where(events.c.id == event_id))).first()
        return None if row is None else event_dict(row)

    async def events_between(self, device: str, lo: int, hi: int, limit: int) -> list[int]:
        """Ids of a device's events in ``[lo, hi)`` (to link a repaired recording)."""
        stmt = (
            sa.select(events.c.id)
            .where(events.c.timestamp >= lo, events.c.timestamp < hi, events.c.device == device)
            .order_by(events.c.timestamp)
            .limit(limit)
        )
        async with self._db() as conn:
            return [int(i) for i in (await conn.execute(stmt)).scalars()]

    async def pinned_events(
        self, device: str, until: int | None, limit: int
    ) -> list[dict[str, Any]]:
        """A device's events whose clip is pinned, newest first."""
        j = events.join(recording_events, recording_events.c.event_id == events.c.id).join(
            recordings, recordings.c.id == recording_events.c.recording_id
        )
        conds: list[Any] = [recordings.c.device == device, recordings.c.pinned == sa.true()]
        if until is not None:
            conds.append(events.c.timestamp <= until)
        stmt = (
            sa.select(*events.c)
            .select_from(j)
            .where(*conds)
            .distinct()
            .order_by(events.c.timestamp.desc(), events.c.id.desc())
            .limit(limit)
        )
        async with self._db() as conn:
            return [event_dict(r) for r in (await conn.execute(stmt)).all()]
