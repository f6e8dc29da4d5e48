"""Recordings: list, play (HTTP ranges), pin, delete, a camera's timeline, HLS VOD
over a time range, an export as one MP4, and each event's clip and snapshot.

Guests may view; pin, unpin and delete need an admin. Media answers (MP4, JPEG,
playlist, export, clip) also take ``?token=`` (the media dependency), and a playlist
passes that token on to the URLs in it. Times are ms since the epoch.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse

from camhub.api.deps import Admin, MediaUser, State, User
from camhub.clock import now_ms
from camhub.errors import InvalidArgument, NotFound
from camhub.recordings.export import Piece, export, playlist
from camhub.recordings.manager import RecordingManager
from camhub.store.recordings import Recording
from camhub.streams.motion import snapshot_path

router = APIRouter(tags=["recordings"])

DAY_MS = 86_400_000
MAX_TIMELINE_MS = 7 * DAY_MS
MAX_RANGE_MS = DAY_MS  # one playlist or export
MAX_PIECES = 10_000
MAX_TIMELINE_EVENTS = 2_000
MAX_EXPORTS = 2  # remuxing at once; more answer 503
NO_STORE = {"Cache-Control": "no-store"}
_CURSOR = re.compile(r"^(\d{1,15}):(\d{1,18})$")
MAX_MS = 10**15  # the year 33658: any time the database can compare
MAX_ID = 2**63 - 1

Ms = Annotated[int | None, Query(ge=0, le=MAX_MS, description="ms since the epoch")]
RecordingId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="a recording's id")]
EventId = Annotated[int, PathParam(ge=1, le=MAX_ID, description="an event's id")]
Device = Annotated[str | None, Query(max_length=128, description="a device name")]


def _manager(state: State) -> RecordingManager:
    return state.service.recordings


def _json(rec: Recording, events: list[int] | None = None) -> dict[str, Any]:
    return {
        "id": rec.id,
        "device": rec.device,
        "kind": rec.kind,
        "start": rec.start,
        "end": rec.end,
        "bytes": rec.bytes,
        "pinned": rec.pinned,
        "url": f"/api/recordings/{rec.id}.mp4",
        "snapshot": f"/api/recordings/{rec.id}.jpg",
        "events": events or [],
    }


def _window(since: int | None, until: int | None, longest: int) -> tuple[int, int]:
    """``[since, until]``: the last ``longest`` ms by default; refused when reversed."""
    hi = now_ms() if until is None else until
    lo = hi - longest if since is None else since
    if hi < lo:
        raise InvalidArgument("Invalid query", ["until: must not be before since"])
    if hi - lo > longest:
        hours = longest // 3_600_000
        raise InvalidArgument("Invalid query", [f"until: at most {hours} h after since"])
    return lo, hi


@router.get("/api/recordings")
async def list_recordings(
    state: State,
    _user: User,
    device: Device = None,
    since: Ms = None,
    until: Ms = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=40, description="last `next`")] = None,
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    kind: Annotated[str | None, Query(pattern="^(continuous|event)$")] = None,
) -> dict[str, Any]:
    """Finished segments and clips overlapping ``[since, until]``, newest first (or
    ``order=asc``), ``limit`` a page; ``next`` continues."""
    after = None
    if cursor:
        m = _CURSOR.match(cursor)
        if m is None:
            raise InvalidArgument("Invalid query", ["cursor: not a cursor this API gave"])
        after = (int(m[1]), int(m[2]))
    if since is not None and until is not None and until < since:
        raise InvalidArgument("Invalid query", ["until: must not be before since"])
    index = _manager(state).index
    newest_first = order == "desc"
    recs = await index.find(
        device=device,
        since=since,
        until=until,
        limit=limit,
        after=after,
        newest_first=newest_first,
        kind=kind,
    )
    links = await index.event_ids(r.id for r in recs)
    nxt = f"{recs[-1].start}:{recs[-1].id}" if len(recs) == limit else None
    return {"recordings": [_json(r, links.get(r.id)) for r in recs], "next": nxt}


def _with_token(request: Request, url: str) -> str:
    token = request.query_params.get("token")
    return f"{url}?token={quote(token, safe='')}" if token else url


async def _pieces(state: State, device: str, lo: int, hi: int, request: Request) -> list[Piece]:
    manager = _manager(state)
    recs = await manager.index.find(
        device=device, since=lo, until=hi, limit=MAX_PIECES, newest_first=False
    )
    out = []
    for r in recs:
        path = manager.path_of(r)
        if path is not None:
            url = _with_token(request, f"/api/recordings/{r.id}.mp4")
            out.append(Piece(path, r.start, r.end, url))
    return out


@router.get(
    "/api/recordings/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"video/mp4": {}}}},
)
async def export_recordings(
    request: Request,
    state: State,
    _user: MediaUser,
    device: Annotated[str, Query(min_length=1, max_length=128)],
    since: Ms = None,
    until: Ms = None,
) -> StreamingResponse:
    """One MP4 of a camera's recordings in ``[since, until]`` (at most a day), remuxed,
    from the keyframe at or before ``since``."""
    lo, hi = _window(since, until, MAX_RANGE_MS)
    pieces = await _pieces(state, device, lo, hi, request)
    if not pieces:
        raise NotFound("Nothing recorded in that range")
    manager = _manager(state)
    if manager.exports >= MAX_EXPORTS:
        raise HTTPException(503, "Too many exports at once", headers={"Retry-After": "5"})

    async def body() -> Any:
        manager.exports += 1
        try:
            async for chunk in export(pieces, lo, hi):
                yield chunk
        finally:
            manager.exports -= 1

    name = f"{device}-{lo}-{hi}.mp4"
    return StreamingResponse(
        body(),
        media_type="video/mp4",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
    )


async def _file(state: State, rid: int) -> Path:
    manager = _manager(state)
    path = manager.path_of(await manager.get(rid))
    if path is None:
        raise NotFound("Recording file is missing")
    return path


@router.get(
    "/api/recordings/{rid}.mp4",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {}}}, 206: {"content": {"video/mp4": {}}}},
)
async def recording_video(rid: RecordingId, state: State, _user: MediaUser) -> FileResponse:
    """The recording's MP4 (fragmented, seekable); ``Range`` requests answer 206."""
    path = await _file(state, rid)
    return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": "private"})


@router.head("/api/recordings/{rid}.mp4", response_class=FileResponse, include_in_schema=False)
async def recording_video_head(rid: RecordingId, state: State, _user: MediaUser) -> FileResponse:
    """The MP4's headers (size, ranges) for players that ask first."""
    return await recording_video(rid, state, _user)


@router.get(
    "/api/recordings/{rid}.jpg",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def recording_snapshot(rid: RecordingId, state: State, _user: MediaUser) -> FileResponse:
    """A picture from the recording (for an event clip: around its first event)."""
    manager = _manager(state)
    path = await manager.snapshot_of(await manager.get(rid))
    if path is None:
        raise NotFound("This recording has no snapshot")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private"})


@router.post("/api/recordings/{rid}/pin")
async def pin(rid: RecordingId, state: State, _admin: Admin) -> dict[str, Any]:
    """Keep this recording whatever retention says (its file becomes ``..._pin.mp4``)."""
    return _json(await _manager(state).pin(rid, True))


@router.post("/api/recordings/{rid}/unpin")
async def unpin(rid: RecordingId, state: State, _admin: Admin) -> dict[str, Any]:
    """Let retention delete this recording again."""
    return _json(await _manager(state).pin(rid, False))


@router.delete("/api/recordings/{rid}")
async def delete(rid: RecordingId, state: State, _admin: Admin) -> dict[str, Any]:
    """Delete the recording and its snapshot (409 while pinned)."""
    await _manager(state).delete(rid)
    return {"success": True, "deleted": rid}


@router.get("/api/devices/{name}/timeline")
async def timeline(
    name: str, state: State, _user: User, since: Ms = None, until: Ms = None
) -> dict[str, Any]:
    """What was recorded (merged ranges) and what happened (events, with their clip
    and snapshot), by default over the last 24 h; at most 7 days."""
    lo, hi = _window(since, until, MAX_TIMELINE_MS)
    if since is None and until is None:
        lo = hi - DAY_MS
    index = _manager(state).index
    recs = await index.find(device=name, since=lo, until=hi, limit=100_000, newest_first=False)
    ranges: list[dict[str, int]] = []
    for r in recs:
        if ranges and r.start <= ranges[-1]["end"] + 1000:
            ranges[-1]["end"] = max(ranges[-1]["end"], r.end)
        else:
            ranges.append({"start": r.start, "end": r.end})
    found = await state.store.query_events(
        limit=MAX_TIMELINE_EVENTS, since=lo, until=hi, device=name
    )
    clips = await index.for_events(e["id"] for e in found["events"])
    events = []
    for e in reversed(found["events"]):
        clip = clips.get(e["id"])
        own = isinstance(e["data"], dict) and e["data"].get("snapshot")
        has_snapshot = bool(own or clip)
        events.append(
            {
                "id": e["id"],
                "type": e["type"],
                "timestamp": e["timestamp"],
                "recording": clip.id if clip else None,
                "clip": f"/api/events/{e['id']}/clip" if clip else None,
                "snapshot": f"/api/events/{e['id']}/snapshot" if has_snapshot else None,
            }
        )
    return {
        "device": name,
        "since": lo,
        "until": hi,
        "ranges": ranges,
        "recordings": len(recs),
        "events": events,
    }


@router.get(
    "/api/devices/{name}/recordings.m3u8",
    response_class=Response,
    responses={200: {"content": {"application/vnd.apple.mpegurl": {}}}},
)
async def vod_playlist(
    name: str, request: Request, state: State, _user: MediaUser, since: Ms = None, until: Ms = None
) -> Response:
    """HLS VOD over the camera's recordings in ``[since, until]`` (at most a day):
    fMP4 segments by byte range, ``EXT-X-MAP`` per file."""
    lo, hi = _window(since, until, MAX_RANGE_MS)
    pieces = await _pieces(state, name, lo, hi, request)
    if not pieces:
        raise NotFound("Nothing recorded in that range")
    text = await asyncio.to_thread(playlist, pieces)
    return Response(text, media_type="application/vnd.apple.mpegurl", headers=NO_STORE)


async def _event(state: State, eid: int) -> dict[str, Any]:
    event = await _manager(state).index.event(eid)
    if event is None:
        raise NotFound("No such event")
    return event


@router.get(
    "/api/events/{eid}/clip",
    response_class=Response,
    responses={
        200: {"content": {"video/mp4": {}}},
        202: {"description": "still recording: try again after Retry-After seconds"},
    },
)
async def event_clip(eid: EventId, state: State, _user: MediaUser) -> Response:
    """The recording that covers this event; 202 with ``Retry-After`` while it is
    being recorded (its post-roll), 404 when there is none."""
    event = await _event(state, eid)
    manager = _manager(state)
    clip = (await manager.index.for_events([eid])).get(eid)
    if clip is not None and (path := manager.path_of(clip)) is not None:
        return FileResponse(path, media_type="video/mp4", headers={"Cache-Control": "private"})
    wait = manager.pending(event)
    if wait is None:
        raise NotFound("No clip for this event")
    seconds = max(1, round(wait))
    return JSONResponse(
        {"status": "recording", "retryAfter": seconds},
        status_code=202,
        headers={"Retry-After": str(seconds), "Cache-Control": "no-store"},
    )


@router.get(
    "/api/events/{eid}/snapshot",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def event_snapshot(eid: EventId, state: State, _user: MediaUser) -> FileResponse:
    """The event's own picture (camhub's motion detection saves one), else one from
    its clip."""
    event = await _event(state, eid)
    data = event["data"] if isinstance(event["data"], dict) else {}
    own = data.get("snapshot")
    if isinstance(own, str) and (path := snapshot_path(state.settings.data_dir, own)) is not None:
        return FileResponse(path, media_type="image/jpeg")
    manager = _manager(state)
    clip = (await manager.index.for_events([eid])).get(eid)
    snap = await manager.snapshot_of(clip) if clip is not None else None
    if snap is None:
        raise NotFound("No snapshot for this event")
    return FileResponse(snap, media_type="image/jpeg", headers={"Cache-Control": "private"})
