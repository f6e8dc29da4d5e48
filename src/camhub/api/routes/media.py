"""Live video and stills: ``stream.mjpeg``, ``snapshot`` and saved motion snapshots.

All take ``?token=`` (a session or media token, see ``deps.media_viewer``) as well as
the usual Bearer token or session cookie, so that an ``<img src>`` or a media player
can use them. Query parameters: ``fps`` (0.1-60), ``resolution`` (``WIDTHxHEIGHT``,
never larger than the camera's), ``quality`` (1-100); the limits of
``camhub.streams.limits`` answer 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from camhub.api.deps import MediaUser, State, stream_owner
from camhub.api.routes.devices import device_with
from camhub.capabilities import Capability
from camhub.drivers.multipart import content_type
from camhub.errors import CamhubError, InvalidArgument, NotFound, Unsupported
from camhub.streams import Viewer, parse_resolution
from camhub.streams.audio import open_audio
from camhub.streams.frames import Variant
from camhub.streams.motion import snapshot_path

router = APIRouter(tags=["media"])

NO_CACHE = {"Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache"}


def _number(name: str, text: str | None, low: float, high: float) -> float | None:
    if text is None or text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise InvalidArgument(
            f"{name} must be a number from {low:g} to {high:g}",
            errors=[f"{name}: must be {low:g}..{high:g}"],
        )
    return value


def _params(
    resolution: str | None, quality: str | None
) -> tuple[int | None, int | None, int | None]:
    width, height = parse_resolution(resolution)
    q = _number("quality", quality, 1, 100)
    return width, height, None if q is None else int(q)


async def stream_until_gone(
    pump: Callable[[], Coroutine[Any, Any, None]],
    headers: list[tuple[bytes, bytes]],
    receive: Receive,
    send: Send,
) -> None:
    """Answer 200 with ``headers`` and run ``pump`` (which sends the body's parts) until
    it ends or the client leaves, then end the body: the one shape of every endless
    media answer (MJPEG, progressive MP4)."""

    async def gone() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    await send({"type": "http.response.start", "status": 200, "headers": headers})
    tasks = {asyncio.create_task(pump()), asyncio.create_task(gone())}
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, CamhubError, OSError):
                await task
    with contextlib.suppress(OSError, RuntimeError):
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class MjpegResponse(Response):
    """Sends the viewer's frames until the client leaves; one part per frame."""

    def __init__(self, viewer: Viewer, first: Variant) -> None:
        super().__init__(
            status_code=200,
            media_type=content_type(),
            headers={**NO_CACHE, "X-Accel-Buffering": "no"},
        )
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.viewer = viewer
        self.first = first

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def pump() -> None:
            await send({"type": "http.response.body", "body": self.first.part, "more_body": True})
            while True:
                variant = await self.viewer.next_variant()
                await send({"type": "http.response.body", "body": variant.part, "more_body": True})

        try:
            await stream_until_gone(pump, self.raw_headers, receive, send)
        finally:
            self.viewer.close()


def _viewable(state: State, name: str) -> None:
    device = state.hub.get(name)
    if not {Capability.STREAM, Capability.SNAPSHOT} & device.capabilities:
        raise Unsupported(f"{name} does not support stream", device=name)


@router.get(
    "/api/devices/{name}/stream.mjpeg",
    response_class=Response,
    responses={200: {"content": {"multipart/x-mixed-replace": {}}}},
)
async def stream_mjpeg(
    name: str,
    state: State,
    user: MediaUser,
    fps: str | None = None,
    resolution: str | None = None,
    quality: str | None = None,
) -> Response:
    """Live MJPEG: one camera connection, however many viewers."""
    _viewable(state, name)
    width, height, q = _params(resolution, quality)
    rate = _number("fps", fps, 0.1, 60)
    device = state.hub.get(name)
    owner = stream_owner(state, user)
    viewer = state.streams.subscribe(name, width, height, q, rate, owner=owner)
    await viewer.open()
    try:
        first = await viewer.first(device.config.timeout)
    except BaseException:
        viewer.close()
        raise
    return MjpegResponse(viewer, first)


@router.get(
    "/api/devices/{name}/snapshot",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def snapshot(
    name: str,
    state: State,
    user: MediaUser,
    resolution: str | None = None,
    quality: str | None = None,
) -> Response:
    """A JPEG now: the live frame when the camera is streaming, else a fresh still."""
    _viewable(state, name)
    width, height, q = _params(resolution, quality)
    owner = stream_owner(state, user)
    jpeg = await state.streams.snapshot(name, width, height, q, owner=owner)
    return Response(jpeg, media_type="image/jpeg", headers=NO_CACHE)


@router.get(
    "/api/devices/{name}/audio.wav",
    response_class=Response,
    responses={200: {"content": {"audio/x-wav": {}}}},
)
async def audio(name: str, state: State, user: MediaUser) -> Response:
    """The camera's microphone as it serves it (WAV), passed through."""
    device = device_with(state, name, Capability.AUDIO)
    media_type, pieces = await open_audio(state.http, device)
    return StreamingResponse(pieces, media_type=media_type, headers=NO_CACHE)


@router.get(
    "/api/snapshots/{file}",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def saved_snapshot(file: str, state: State, user: MediaUser) -> FileResponse:
    """A snapshot saved by camhub's motion detection (name from the event's data)."""
    path = snapshot_path(state.settings.data_dir, file)
    if path is None:
        raise NotFound("No such snapshot")
    return FileResponse(path, media_type="image/jpeg")
