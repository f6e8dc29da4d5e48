"""Event history (seed 003's /events family, under /api): list, buckets, range,
clear, CSV export, storage statistics.

Every reader may look; only an admin may clear. Query parameters are checked here
(FastAPI answers 400 with an ``errors`` list) and again by the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from camhub.api.deps import Admin, State, User
from camhub.errors import InvalidArgument
from camhub.store.queries import MAX_TIMESTAMP_MS

router = APIRouter(prefix="/api", tags=["events"])

Since = Annotated[
    int | None,
    Query(
        ge=0,
        le=MAX_TIMESTAMP_MS,
        description="ms since the epoch, inclusive; 0 = start of today (UTC)",
    ),
]
Until = Annotated[
    int | None, Query(ge=0, le=MAX_TIMESTAMP_MS, description="ms since the epoch, inclusive")
]
EventType = Annotated[
    str | None, Query(alias="type", max_length=64, description="e.g. motion, sound, person")
]
DeviceName = Annotated[str | None, Query(max_length=128, description="a device name")]


@router.get("/events")
async def list_events(
    state: State,
    _user: User,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    since: Since = None,
    until: Until = None,
    event_type: EventType = None,
    device: DeviceName = None,
    bucket_ms: Annotated[
        int | None,
        Query(alias="bucketMs", ge=60_000, le=3_600_000, description="count per time bucket"),
    ] = None,
) -> dict[str, Any]:
    """Newest events first with a per-type summary; with ``bucketMs``, counts per bucket."""
    if bucket_ms is not None:
        return await state.store.bucket_counts(
            bucket_ms=bucket_ms, since=since, until=until, type=event_type, device=device
        )
    return await state.store.query_events(
        limit=limit, since=since, until=until, type=event_type, device=device
    )


@router.get("/events/range")
async def event_range(state: State, _user: User) -> dict[str, Any]:
    """Oldest and newest stored timestamps and the number of events."""
    return await state.store.event_range()


@router.post("/events/clear")
async def clear_events(
    state: State,
    _admin: Admin,
    confirm: Annotated[str | None, Query(description="must be true")] = None,
) -> dict[str, Any]:
    """Delete every stored event. Needs ``?confirm=true``."""
    if (confirm or "").lower() != "true":
        raise InvalidArgument("Add confirm=true to delete all events")
    return {"success": True, "cleared": await state.store.clear_events()}


@router.get("/events/export", response_class=StreamingResponse)
async def export_events(
    state: State,
    _user: User,
    since: Since = None,
    until: Until = None,
    event_type: EventType = None,
    device: DeviceName = None,
) -> StreamingResponse:
    """Every matching event as CSV (id,timestamp,time,device,type,data), oldest first.

    Read page by page (bounded memory, any size). The first page is read before the
    answer starts, so a query that fails is an error status, not a 200 with a cut
    file; should the database fail later, the transfer is aborted (no final chunk),
    which clients report as an incomplete download, never as a complete CSV.
    """
    chunks = state.store.export_csv(since=since, until=until, type=event_type, device=device)
    return StreamingResponse(
        await _started(chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="camhub-events.csv"'},
    )


@router.get("/storage/stats")
async def storage_stats(state: State, _user: User) -> dict[str, Any]:
    """Database size, events by type, and the free space where data is kept."""
    return await state.store.storage_stats(state.settings.data_dir)


async def _started(chunks: AsyncIterator[str], read: int = 2) -> AsyncIterator[str]:
    """``chunks`` with its first ``read`` chunks (the header and the first page)
    already read, so their failures come before the status line."""
    head: list[str] = []
    async for chunk in chunks:
        head.append(chunk)
        if len(head) == read:
            break

    async def whole() -> AsyncIterator[str]:
        for chunk in head:
            yield chunk
        async for chunk in chunks:
            yield chunk

    return whole()
