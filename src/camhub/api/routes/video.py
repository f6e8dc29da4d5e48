"""H.264 video as the camera sends it, never decoded: MSE, ``stream.mp4`` and HLS.

- ``GET /api/devices/{name}/video``: ``{"h264": bool}``, whether the routes below
  can play the device now (a camera may offer only MJPEG, or H.264 only while a
  setting is on); a page asks before it opens a player.
- ``GET /api/devices/{name}/video.ws`` (WebSocket): the server speaks first, a text
  message ``{"type":"mse","codecs":"avc1.PPCCLL"}``, then binary fMP4 messages: the
  init segment, then one ``moof``+``mdat`` per frame from a keyframe on. A new
  resolution is announced by a new ``mse`` message and init segment; a camera
  failure by ``{"type":"error",...}`` (the socket stays and resumes).
- ``GET /api/devices/{name}/stream.mp4``: the same fMP4 as one progressive HTTP
  response (chunked); it ends if the camera changes resolution.
- ``GET /api/devices/{name}/hls/index.m3u8``: HLS with fMP4 segments of about one
  GOP, ``init{N}.mp4`` and ``{seq}.m4s`` next to it.

A camera's sound rides along as an AAC track (``streams/live_sound.py``; the codecs then
end in ``,mp4a.40.2``). All take ``?stream=sub`` for the camera's sub-stream (``main``
by default) and ``?token=`` like the other media routes. A device without an H.264
stream answers 422. Every viewer of a camera stream shares one camera connection and
one mux.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from camhub.api.deps import MediaUser, State, User, get_state, principal_for
from camhub.api.routes.media import NO_CACHE, stream_until_gone
from camhub.api.routes.ws import _cross_site
from camhub.api.state import AppState
from camhub.auth.principal import Principal
from camhub.errors import CamhubError, DeviceTimeout, InvalidArgument, NotFound, Unsupported
from camhub.streams.fanout import Consumer
from camhub.streams.fmp4 import Fragment
from camhub.streams.packets import Profile
from camhub.streams.video import Fmp4Feed

router = APIRouter(tags=["video"])

MIN_FIRST_WAIT = 10.0  # seconds to wait for a first keyframe (open + one GOP)
SESSION_CHECK_SECONDS = 60.0
INIT_FILE = re.compile(r"init(\d{1,9})\.mp4")
SEGMENT_FILE = re.compile(r"(\d{1,12})\.m4s")


def _profile(stream: str | None) -> Profile:
    if stream in (None, "", "main"):
        return "main"
    if stream == "sub":
        return "sub"
    raise InvalidArgument("stream must be main or sub", errors=["stream: main or sub"])


def _first_wait(state: AppState, name: str) -> float:
    return max(MIN_FIRST_WAIT, state.hub.get(name).config.timeout)


async def _first(consumer: Consumer[Fragment], name: str, within: float) -> Fragment:
    """The first fragment, or the camera's error: before an answer is committed."""
    try:
        async with asyncio.timeout(within):
            return await consumer.get()
    except TimeoutError:
        raise DeviceTimeout(f"{name}: no video in {within:g} s", device=name) from None


@router.get("/api/devices/{name}/video")
async def video_offer(name: str, state: State, user: User) -> dict[str, bool]:
    """Whether the device's live video is H.264 now (``{"h264": true}``): what the MSE
    socket, ``stream.mp4`` and HLS play; without it only MJPEG and snapshots are there.
    Asked before opening a player, it spares one a refused connection."""
    try:
        await state.streams.packets.check(name)
    except Unsupported:
        return {"h264": False}
    return {"h264": True}


# WebSocket (MSE) -------------------------------------------------------------------------
async def _deny(ws: WebSocket, status: int, body: dict[str, Any]) -> None:
    """Refuse the handshake with an HTTP answer when the server can; else close."""
    if "websocket.http.response" in ws.scope.get("extensions", {}):
        await ws.send_denial_response(JSONResponse(body, status_code=status))
        return
    await ws.accept()
    await ws.send_text(json.dumps({"type": "error", **body}))
    await ws.close(code=4000 + status)


@router.websocket("/api/devices/{name}/video.ws")
async def video_ws(ws: WebSocket, name: str) -> None:
    state = get_state(ws)
    try:
        # a media route: session or media tokens (one for this device, or for all)
        principal = await principal_for(ws, allow_query=True, allow_media=True)
        if principal.via == "cookie" and _cross_site(ws):
            raise HTTPException(403, "Cross-site WebSocket refused")
        if principal.via == "media" and principal.device not in (None, name):
            raise HTTPException(403, "This media token is for another device")
        profile = _profile(ws.query_params.get("stream"))
        feed, consumer = await state.streams.video.subscribe(name, profile)
    except HTTPException as exc:
        await _deny(ws, exc.status_code, {"error": exc.detail})
        return
    except CamhubError as exc:
        await _deny(ws, exc.status, exc.payload())
        return
    try:
        await ws.accept()
        ended = asyncio.Event()
        unsubscribe = state.auth.on_revoke(
            lambda token_hash: ended.set() if token_hash == principal.token_hash else None
        )
        try:
            await _play(ws, state, name, feed, consumer, ended, principal)
        finally:
            unsubscribe()
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the viewer left
    finally:
        consumer.close()


async def _play(
    ws: WebSocket,
    state: AppState,
    name: str,
    feed: Fmp4Feed,
    consumer: Consumer[Fragment],
    ended: asyncio.Event,
    principal: Principal,
) -> None:
    first: Fragment | None = None
    codecs = feed.known_codecs()
    while codecs is None:  # the camera has not answered yet: wait for it, say why not
        described = asyncio.create_task(feed.source.described.wait())
        getting = asyncio.create_task(consumer.get())
        try:
            await asyncio.wait({described, getting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            described.cancel()
            getting.cancel()
        if getting.done() and not getting.cancelled():
            try:
                first = getting.result()
                codecs = first.init.codecs
            except CamhubError as exc:
                await ws.send_text(json.dumps({"type": "error", **exc.payload()}))
                if consumer.final:
                    await ws.close(code=4000 + exc.status)
                    return
        else:
            codecs = feed.known_codecs()
    await ws.send_text(json.dumps({"type": "mse", "codecs": codecs}))

    async def send() -> None:
        sent_init = None
        sent_codecs = codecs
        pending = first
        while True:
            try:
                frag, pending = pending or await consumer.get(), None
            except CamhubError as exc:
                await ws.send_text(json.dumps({"type": "error", **exc.payload()}))
                if consumer.final:
                    await ws.close(code=4000 + exc.status)
                    return
                continue
            if frag.init is not sent_init:
                if sent_init is not None or frag.init.codecs != sent_codecs:
                    sent_codecs = frag.init.codecs
                    await ws.send_text(json.dumps({"type": "mse", "codecs": sent_codecs}))
                await ws.send_bytes(frag.init.data)
                sent_init = frag.init
            await ws.send_bytes(frag.data)

    async def receive() -> None:
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass  # nothing to say to us

    async def session() -> None:
        while not ended.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SESSION_CHECK_SECONDS):
                    await ended.wait()
            if ended.is_set() or not await state.auth.still_valid(principal):
                with contextlib.suppress(Exception):
                    await ws.send_text(json.dumps({"type": "error", "error": "Session ended"}))
                    await ws.close(code=4401)
                return

    tasks = [asyncio.create_task(t()) for t in (send, receive, session)]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# stream.mp4 -------------------------------------------------------------------------------
class Mp4Response(Response):
    """Progressive fMP4: the init segment, then every fragment until the viewer leaves."""

    def __init__(self, consumer: Consumer[Fragment], first: Fragment) -> None:
        super().__init__(status_code=200, media_type="video/mp4", headers=NO_CACHE)
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.consumer = consumer
        self.first = first

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def body(data: bytes) -> None:
            await send({"type": "http.response.body", "body": data, "more_body": True})

        async def pump() -> None:
            init = self.first.init
            await body(init.data)
            await body(self.first.data)
            while True:
                try:
                    frag = await self.consumer.get()
                except CamhubError:
                    if self.consumer.final:
                        return
                    continue  # the camera reconnects; the player sees a pause
                if frag.init is not init:
                    return  # a new resolution cannot continue this file
                await body(frag.data)

        try:
            await stream_until_gone(pump, self.raw_headers, receive, send)
        finally:
            self.consumer.close()


@router.get(
    "/api/devices/{name}/stream.mp4",
    response_class=Response,
    responses={200: {"content": {"video/mp4": {}}}},
)
async def stream_mp4(
    name: str, state: State, user: MediaUser, stream: str | None = None
) -> Response:
    """Live H.264 as progressive fragmented MP4 (no decoding, one camera connection)."""
    _, consumer = await state.streams.video.subscribe(name, _profile(stream))
    try:
        first = await _first(consumer, name, _first_wait(state, name))
    except BaseException:
        consumer.close()
        raise
    return Mp4Response(consumer, first)


# HLS ------------------------------------------------------------------------------------------
@router.get(
    "/api/devices/{name}/hls/index.m3u8",
    response_class=Response,
    responses={200: {"content": {"application/vnd.apple.mpegurl": {}}}},
)
async def hls_playlist(
    name: str, request: Request, state: State, user: MediaUser, stream: str | None = None
) -> Response:
    """The live HLS playlist (fMP4 segments of about one GOP, a sliding window)."""
    hls = await state.streams.video.hls_stream(name, _profile(stream))
    await hls.ready(_first_wait(state, name) + 2)
    keep = {k: v for k, v in request.query_params.items() if k in ("token", "stream")}
    query = f"?{urlencode(keep)}" if keep else ""
    return Response(
        hls.playlist(query), media_type="application/vnd.apple.mpegurl", headers=NO_CACHE
    )


@router.get(
    "/api/devices/{name}/hls/{file}",
    response_class=Response,
    responses={200: {"content": {"video/mp4": {}, "video/iso.segment": {}}}},
)
async def hls_file(
    name: str, file: str, state: State, user: MediaUser, stream: str | None = None
) -> Response:
    """An init segment (``init{N}.mp4``) or a media segment (``{seq}.m4s``)."""
    profile = await state.streams.packets.check(name, _profile(stream))
    hls = state.streams.video.hls.get((name, profile))
    if hls is None or not hls.running:
        raise NotFound(f"{name}: no HLS stream running (load index.m3u8 first)", device=name)
    hls.touch()
    if m := INIT_FILE.fullmatch(file):
        data = hls.inits.get(int(m.group(1)))
        media_type = "video/mp4"
    elif m := SEGMENT_FILE.fullmatch(file):
        data = hls.segment(int(m.group(1)))
        media_type = "video/iso.segment"
    else:
        data = None
    if data is None:
        raise NotFound(f"{name}: no such HLS file (it may have left the window)", device=name)
    return Response(data, media_type=media_type, headers={"Cache-Control": "no-cache"})
