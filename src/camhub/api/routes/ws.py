"""``GET /api/ws``: live events, device state changes, ping/pong, MJPEG frames.

Authentication: ``?token=`` (or the session cookie), else an ``{"type":"auth",
"token":...}`` message within 10 s of ``auth_required``. Then the server sends a
state snapshot (``{"type":"devices","devices":[...]}``), every new event
(``{"type":"event","event":{...}}``) and device change (``{"type":"device",...}``).
``subscribe``/``unsubscribe`` messages stream a camera's frames as binary messages
(see ``camhub.api.ws_media``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, WebSocket, WebSocketDisconnect

from camhub.api.deps import get_state, principal_for, stream_owner
from camhub.api.state import AppState
from camhub.api.ws_media import WsMedia
from camhub.auth.principal import Principal
from camhub.clock import now_ms

router = APIRouter()
log = logging.getLogger("camhub.ws")

AUTH_WINDOW = 10.0
QUEUE_LIMIT = 1000
SESSION_CHECK_SECONDS = 60.0


def _cross_site(ws: WebSocket) -> bool:
    """A browser page of another site opening our socket with our cookie (CSWSH)."""
    origin = ws.headers.get("origin")
    if origin is None:
        return False  # not a browser
    return urlsplit(origin).netloc.lower() != ws.headers.get("host", "").lower()


async def _receive_text(ws: WebSocket) -> str | None:
    """The next text message; None for a binary one. Raises WebSocketDisconnect."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    return text if isinstance(text, str) else None


async def _authenticate(ws: WebSocket) -> Principal | None:
    try:
        p = await principal_for(ws, allow_query=True)
        if p.via == "cookie" and _cross_site(ws):
            await ws.send_json({"type": "error", "message": "Cross-site WebSocket refused"})
            return None
        return p
    except HTTPException as exc:
        if ws.query_params.get("token"):
            await ws.send_json({"type": "auth", "success": False, "error": exc.detail})
            return None
    await ws.send_json({"type": "auth_required", "timestamp": now_ms()})
    try:
        raw = await asyncio.wait_for(_receive_text(ws), AUTH_WINDOW)
    except TimeoutError:
        await ws.send_json({"type": "error", "message": "Authentication timeout"})
        return None
    try:
        msg = json.loads(raw) if raw is not None else None
    except ValueError:
        msg = None
    token = msg.get("token") if isinstance(msg, dict) and msg.get("type") == "auth" else None
    if not isinstance(token, str):
        await ws.send_json({"type": "error", "message": "Authentication required"})
        return None
    session = await get_state(ws).auth.session(token)
    if session is None:
        await ws.send_json({"type": "auth", "success": False, "error": "Invalid token"})
        return None
    await ws.send_json({"type": "auth", "success": True})
    return session.principal


@router.websocket("/api/ws")
async def websocket(ws: WebSocket) -> None:
    state = get_state(ws)
    await ws.accept()
    try:
        principal = await _authenticate(ws)
        if principal is None:
            await ws.close(code=4401)
            return
        await _serve(ws, state, principal)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left (or the socket is already closed)


async def _serve(ws: WebSocket, state: AppState, principal: Principal) -> None:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)
    send_lock = asyncio.Lock()
    ended = asyncio.Event()  # the session behind this socket was revoked or expired

    def push(message: dict[str, Any]) -> None:
        # A stalled client loses live updates; the hub never waits for it.
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(message)

    def on_events(events: list[dict[str, Any]]) -> None:
        for ev in events:
            push({"type": "event", "event": ev})

    def on_revoke(token_hash: str) -> None:
        if token_hash == principal.token_hash:
            ended.set()

    async def send_json(message: dict[str, Any]) -> None:
        async with send_lock:
            await ws.send_text(json.dumps(message, default=str))

    async def send_bytes(data: bytes) -> None:
        async with send_lock:
            await ws.send_bytes(data)

    async def sender() -> None:
        while True:
            await send_json(await queue.get())

    async def watch_session() -> None:
        while not ended.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SESSION_CHECK_SECONDS):
                    await ended.wait()
            if ended.is_set() or not await state.auth.still_valid(principal):
                ended.set()
                with contextlib.suppress(Exception):
                    await send_json({"type": "error", "message": "Session ended"})
                    await ws.close(code=4401)

    async def receiver() -> None:
        while True:
            raw = await _receive_text(ws)
            try:
                msg = json.loads(raw) if raw is not None else None
            except ValueError:
                msg = None
            if not isinstance(msg, dict):
                await send_json({"type": "error", "message": "Malformed JSON"})
                continue
            kind = msg.get("type")
            if kind == "ping":
                await send_json({"type": "pong", "timestamp": now_ms()})
            elif kind in ("subscribe", "unsubscribe"):
                await send_json(await media.handle(msg))
            elif kind == "auth":
                await send_json({"type": "auth", "success": True})
            else:
                await send_json({"type": "error", "message": f"Unknown message type {kind!r}"})

    media = WsMedia(
        send_bytes,
        state.streams,
        lambda name: name in state.hub.names(),
        send_json,
        owner=stream_owner(state, principal),
    )
    unsubscribe = [
        state.hub.subscribe(push),
        state.store.subscribe(on_events),
        state.auth.on_revoke(on_revoke),
    ]
    state.metrics.ws_clients.inc()
    state.ws_clients += 1
    tasks = [asyncio.create_task(sender()), asyncio.create_task(watch_session())]
    try:
        await send_json(
            {
                "type": "connected",
                "authenticated": True,
                "role": principal.role,
                "timestamp": now_ms(),
            }
        )
        await send_json(
            {"type": "devices", "devices": [state.hub.describe(n) for n in state.hub.names()]}
        )
        receiving = asyncio.create_task(receiver())
        tasks.append(receiving)
        await asyncio.wait([receiving, tasks[1]], return_when=asyncio.FIRST_COMPLETED)
        if receiving.done() and not receiving.cancelled() and receiving.exception() is not None:
            exc = receiving.exception()
            if not isinstance(exc, WebSocketDisconnect | RuntimeError):
                raise exc  # type: ignore[misc]
    finally:
        for u in unsubscribe:
            u()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await media.close()
        state.metrics.ws_clients.dec()
        state.ws_clients -= 1
