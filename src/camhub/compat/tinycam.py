"""tinyCam / Axis compatible routes, at tinyCam's own paths (seed 002).

    GET /api/v1/login?user=&pwd=          {"data": {"token", "access"}}
    GET /api/v1/logout?token=             ends the session
    GET /api/v1/get_cam_list              camhub's cameras as tinyCam cameras
    GET /api/v1/get_cam_event_list        camhub's stored events, newest first
    GET /api/v1/get_file?file=            a motion snapshot camhub saved
    GET /api/v1/get_status[?cameraId=]    hub status, or {"motion"} of one camera
    GET /axis-cgi/jpg/image.cgi           a JPEG  (camera, resolution, compression)
    GET /axis-cgi/mjpg/video.cgi          MJPEG   (camera, fps, resolution, compression)
    (receive.wav, ptz.cgi, lightcontrol.cgi, param.cgi, restart.cgi: tinycam_control)

So a tinyCam client (the Home Assistant integration, camhub's own ``tinycam`` driver)
or any Axis viewer can use camhub as if it were a tinyCam server. The layer speaks
capabilities only. Authentication, access levels, error format and camera numbering
are in :mod:`camhub.compat.tinycam_auth`.
"""

from __future__ import annotations

import shutil
import threading
import time
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from camhub.api.deps import State, stream_owner
from camhub.api.routes.media import NO_CACHE, MjpegResponse
from camhub.auth.service import BadCredentials
from camhub.capabilities import Capability
from camhub.clock import now_ms
from camhub.compat import tinycam_auth as ta
from camhub.compat import tinycam_files as tf
from camhub.compat.tinycam_auth import Caller, TinyCamError, TinyCamRoute, int_param, select_camera
from camhub.compat.tinycam_control import router as control_router
from camhub.errors import CamhubError
from camhub.store.recordings import Recording
from camhub.streams import parse_resolution
from camhub.streams.motion import SNAPSHOT_NAME

# ptzCapabilities bits, as camhub's tinyCam driver and emulator read the mask
PTZ_PAN_TILT = 0x000F
PTZ_PRESETS = 0x0400
PTZ_LIGHT = 0x8000

# tinyCam's event filters -> camhub event types
FILTERS = {
    "motion": "motion",
    "person": "person",
    "vehicle": "vehicle",
    "pet": "pet",
    "face": "face",
    "audio": "sound",
}
VENDOR_KIND = {v: k for k, v in FILTERS.items()}  # camhub type -> tinyCam "motion"
MAX_EVENTS = 10_000
MOTION_RECENT_MS = 30_000  # a camera "is in motion" this long after a motion event


router = APIRouter(tags=["tinycam"], route_class=TinyCamRoute)


def data(payload: Any) -> JSONResponse:
    return JSONResponse({"data": payload}, headers={"Cache-Control": "no-store"})


# /api/v1 ------------------------------------------------------------------------------
@router.get("/api/v1/login")
async def login(request: Request, state: State, caller: Caller) -> Response:
    """Exchange ``user`` and ``pwd`` for a token (a camhub session)."""
    q = request.query_params
    principal = await ta.check_password(request, state, q.get("user", ""), q.get("pwd", ""))
    try:
        session = await state.auth.open_session(
            principal.username, principal.role, principal.credential
        )
    except BadCredentials:  # the password changed while it was being checked
        raise ta.TinyCamError(401, "Invalid username or password.") from None
    return data({"token": session.token, "access": ta.access_of(principal)})


@router.get("/api/v1/logout")
async def logout(state: State, caller: Caller) -> Response:
    """End the session of the ``token`` given (other ways in have nothing to end)."""
    if caller is None or caller.token_hash is None:
        raise TinyCamError(400, "Missing token.")
    await state.auth.revoke(caller.token_hash)
    return data({})


def _ptz_capabilities(caps: frozenset[Capability]) -> int:
    mask = 0
    if Capability.PTZ in caps:
        mask |= PTZ_PAN_TILT
    if Capability.PRESETS in caps:
        mask |= PTZ_PRESETS
    if {Capability.LIGHT, Capability.LED} & caps:
        mask |= PTZ_LIGHT
    return mask


@router.get("/api/v1/get_cam_list")
async def get_cam_list(state: State, caller: Caller) -> Response:
    """camhub's cameras, in ``camera=<1..n>`` order."""
    return data(
        [
            {
                "name": cam.name,
                "enabled": True,
                "id": cam.id,
                "ptzCapabilities": _ptz_capabilities(cam.device.capabilities),
                "audioListening": Capability.AUDIO in cam.device.capabilities,
                "cloudAccess": False,
            }
            for cam in ta.cameras(state)
        ]
    )


def file_link(device: str, snapshot: Any) -> str | None:
    """The ``get_file`` link of a saved motion snapshot, if the name is one of ours."""
    if not isinstance(snapshot, str) or not SNAPSHOT_NAME.match(snapshot):
        return None
    return "/api/v1/get_file?file=" + quote(f"/{device}/{snapshot}", safe="/")


def event_entry(event: dict[str, Any], clip: Recording | None = None) -> dict[str, Any]:
    """One event as tinyCam lists it: with ``video`` and ``image`` of its clip."""
    extra = event.get("data") if isinstance(event.get("data"), dict) else {}
    assert isinstance(extra, dict)
    duration = extra.get("duration")
    if not (isinstance(duration, int) and duration >= 0):
        duration = clip.duration_ms if clip is not None else 0
    entry: dict[str, Any] = {
        "time": event["timestamp"],
        "duration": duration,
        "motion": VENDOR_KIND.get(event["type"], event["type"]),
    }
    if clip is not None:
        entry["video"] = tf.video_link(clip)
    link = (tf.image_link(clip) if clip else None) or file_link(
        event["device"], extra.get("snapshot")
    )
    if link is not None:
        entry["image"] = link
    return entry


@router.get("/api/v1/get_cam_event_list")
async def get_cam_event_list(request: Request, state: State, caller: Caller) -> Response:
    """Stored events of one camera (``cameraId``) or of all, newest first."""
    q = request.query_params
    kind = q.get("type") or "local"
    if kind not in ("local", "cloud"):
        raise TinyCamError(400, "Invalid type.")
    filter_ = q.get("filter") or None
    if filter_ is not None and filter_ not in (*FILTERS, "pin"):
        raise TinyCamError(400, "Invalid filter.")
    endtime = int_param(request, "endtime", lo=0)
    count = int_param(request, "count", lo=1) or MAX_EVENTS
    if q.get("cameraId"):
        cams = [select_camera(request, state, by="cameraId")]
    else:
        cams = ta.cameras(state)
    if kind == "cloud":
        return data([])  # camhub keeps no cloud events
    found: list[dict[str, Any]] = []
    for cam in cams:
        if filter_ == "pin":  # the events whose clip is pinned
            index = state.service.recordings.index
            found += await index.pinned_events(cam.name, endtime, min(count, MAX_EVENTS))
            continue
        result = await state.store.query_events(
            limit=min(count, MAX_EVENTS),
            until=endtime,
            type=FILTERS[filter_] if filter_ else None,
            device=cam.name,
        )
        found.extend(result["events"])
    found.sort(key=lambda e: (e["timestamp"], e["id"]), reverse=True)
    found = found[:count]
    clips = await tf.clips(state, found)
    return data([event_entry(e, clips.get(e["id"])) for e in found])


@router.get("/api/v1/get_file", response_class=Response)
async def get_file(request: Request, state: State, caller: Caller) -> Response:
    """A recording (MP4, ranges allowed), its JPEG, or a motion snapshot, by the name
    ``get_cam_event_list`` gave."""
    found = await tf.find(state, request.query_params.get("file"))
    return FileResponse(found.path, media_type=found.media_type)


async def _recent_motion(state: State, device: str, now: int) -> bool:
    result = await state.store.query_events(
        limit=1, since=now - MOTION_RECENT_MS, type="motion", device=device
    )
    return bool(result["events"])


@router.get("/api/v1/get_status")
async def get_status(request: Request, state: State, caller: Caller) -> Response:
    """One camera's ``{"motion"}``, or the hub's status in tinyCam's shape."""
    now = now_ms()
    if request.query_params.get("cameraId"):
        cam = select_camera(request, state, by="cameraId")
        return data({"motion": await _recent_motion(state, cam.name, now)})
    cams = ta.cameras(state)
    disk = shutil.disk_usage(state.settings.data_dir)
    settings = ta.settings_of(request)
    return data(
        {
            **settings,
            "threadsUsed": threading.active_count(),
            "uptime": int((time.time() - state.started_at) * 1000) if state.started_at else 0,
            "rootAvailable": False,
            "spaceUsed": disk.used,
            "spaceAvailable": disk.free,
            "liveConnections": sum(state.streams.viewer_count(c.name) for c in cams),
            "motionCameras": [c.name for c in cams if await _recent_motion(state, c.name, now)],
        }
    )


# media --------------------------------------------------------------------------------
def image_args(request: Request) -> tuple[int | None, int | None, int | None]:
    """(width, height, quality): Axis ``compression`` 0..100 is JPEG quality 100-c."""
    try:
        width, height = parse_resolution(request.query_params.get("resolution") or None)
    except CamhubError:
        raise TinyCamError(400, "Invalid resolution.") from None
    compression = int_param(request, "compression", 0, 100)
    quality = None if compression is None else max(1, 100 - compression)
    return width, height, quality


@router.get("/axis-cgi/jpg/image.cgi", response_class=Response)
async def image(request: Request, state: State, caller: Caller) -> Response:
    """One JPEG of ``camera=<1..n>``."""
    cam = select_camera(request, state)
    width, height, quality = image_args(request)
    owner = stream_owner(state, caller) if caller is not None else None
    jpeg = await state.streams.snapshot(cam.name, width, height, quality, owner=owner)
    return Response(jpeg, media_type="image/jpeg", headers=NO_CACHE)


@router.get("/axis-cgi/mjpg/video.cgi", response_class=Response)
async def video(request: Request, state: State, caller: Caller) -> Response:
    """Live MJPEG of ``camera=<1..n>``; ``fps=0`` (or none) is as fast as it comes."""
    cam = select_camera(request, state)
    width, height, quality = image_args(request)
    fps = int_param(request, "fps", 0, 60) or None
    owner = stream_owner(state, caller) if caller is not None else None
    viewer = state.streams.subscribe(cam.name, width, height, quality, fps, owner=owner)
    await viewer.open()
    try:
        first = await viewer.first(cam.device.config.timeout)
    except BaseException:
        viewer.close()
        raise
    return MjpegResponse(viewer, first)


router.include_router(control_router)
