"""tinyCam file names for camhub's recordings (seed 002): what ``get_cam_event_list``
links, what ``get_file`` serves and what ``param.cgi`` deletes, pins and unpins.

A recording is ``/<camera>/<name>.mp4`` with the name tinyCam gives its own
(``2020-09-29 15.06.04 120sec person.mp4``; pinned: ``..._pin.mp4``), its snapshot
``/<camera>/<name>.mp4.jpg``; a snapshot saved by camhub's motion detection keeps its
own name (``/<camera>/<file>.jpg``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from camhub.api.deps import State
from camhub.compat.tinycam_auth import TinyCamError
from camhub.errors import Conflict
from camhub.recordings import files
from camhub.recordings.manager import RecordingManager
from camhub.store.recordings import Recording
from camhub.streams.motion import snapshot_path

JPG = ".jpg"


def link(device: str, name: str) -> str:
    return "/api/v1/get_file?file=" + quote(f"/{device}/{name}", safe="/")


def video_link(rec: Recording) -> str:
    return link(rec.device, files.tinycam_name(rec.path))


def image_link(rec: Recording) -> str:
    return link(rec.device, files.tinycam_name(rec.path) + JPG)


def _manager(state: State) -> RecordingManager:
    return state.service.recordings


async def clips(state: State, events: list[dict[str, Any]]) -> dict[int, Recording]:
    """Each event's clip (the recording that covers it), by event id."""
    return await _manager(state).index.for_events(e["id"] for e in events)


@dataclass(frozen=True)
class Found:
    """What a tinyCam file name stands for."""

    path: Path
    media_type: str
    recording: Recording | None = None  # None: a motion snapshot
    image: bool = False  # the recording's snapshot rather than its video


async def find(state: State, name: str | None) -> Found:
    """The file ``/<camera>/<file>``; tinyCam's 400/404 otherwise."""
    if not name:
        raise TinyCamError(400, "Missing file.")
    folder, _, file = name.rpartition("/")
    device = folder.lstrip("/")
    if not folder.startswith("/") or "/" in device:
        raise TinyCamError(404, "File not found.")
    manager = _manager(state)
    video = file[: -len(JPG)] if file.endswith(".mp4" + JPG) else file
    rel = files.from_tinycam(device, video)
    if rel is not None:
        rec = await manager.index.by_path(rel)
        if rec is not None:
            if video != file:
                snap = await manager.snapshot_of(rec)
                if snap is not None:
                    return Found(snap, "image/jpeg", rec, image=True)
            elif (path := manager.path_of(rec)) is not None:
                return Found(path, "video/mp4", rec)
    snapshot = snapshot_path(state.settings.data_dir, file)
    if snapshot is None:
        raise TinyCamError(404, "File not found.")
    return Found(snapshot, "image/jpeg")


async def act(state: State, action: str, name: str | None) -> None:
    """``param.cgi?action=delete|pin|unpin&root.Filename=``."""
    found = await find(state, name)
    rec = found.recording
    if rec is None:  # a motion snapshot: it can only be deleted
        if action != "delete":
            raise TinyCamError(400, "Pinning not supported for this file.")
        found.path.unlink(missing_ok=True)
        return
    manager = _manager(state)
    if action == "delete":
        try:
            if found.image:
                await manager.delete_snapshot(rec.id)
            else:
                await manager.delete(rec.id)
        except Conflict:
            raise TinyCamError(400, "File is pinned; unpin it first.") from None
        return
    await manager.pin(rec.id, action == "pin")
