"""The app's WebSocket ``/ws``: auth, state snapshot, settings, keepalive, live events.

A client with a valid token (``?token=`` or the session cookie) gets ``connected`` and a
state snapshot (``status``, ``system_info``, ``mqtt_status``, ``rtsp_status``) at once.
Without one it gets ``auth_required`` and must send ``{"type": "auth", "token": ...}``
within the auth window (10 s) or is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import WSMsgType, web

from camhub.clock import now_ms
from camhub.sim.ipcamera.codes import Status, WsClose
from camhub.sim.ipcamera.host import WsHost

AUTH_WINDOW = 10.0


class WsHub:
    def __init__(self, host: WsHost, auth_window: float = AUTH_WINDOW) -> None:
        self.host = host
        self.auth_window = auth_window
        self.clients: set[web.WebSocketResponse] = set()  # authenticated ones
        self.all: set[web.WebSocketResponse] = set()
        self.h264_quality = 80

    async def broadcast(self, message: dict[str, Any]) -> None:
        data = json.dumps({**message, "timestamp": message.get("timestamp", now_ms())})
        for ws in list(self.clients):
            if not ws.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.send_str(data)

    async def announce(self, changed: dict[str, Any]) -> None:
        """Tell every client which settings changed (the ``settings`` broadcast), and
        after a camera switch the new camera's hardware (``capabilitiesChanged``)."""
        if changed:
            await self.broadcast({"type": "settings", "settings": changed})
        if "cameraId" in changed:
            caps = self.host.capabilities()
            await self.broadcast({"type": "capabilitiesChanged", "cameraId": changed["cameraId"],
                                  "capabilities": caps})  # fmt: skip

    async def close_all(self) -> None:
        for ws in list(self.all):
            await ws.close(code=WsClose.GOING_AWAY, message=b"dropped")

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.host.fault("ws-drop"):
            return web.json_response({"error": "Service unavailable"}, status=Status.UNAVAILABLE)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.all.add(ws)
        try:
            session = self.host.auth.find(
                request.query.get("token") or request.cookies.get("session")
            )
            if session is not None or not self.host.auth.enabled:
                await self._welcome(ws)
            else:
                await send(ws, {"type": "connected", "authenticated": False})
                await send(ws, {"type": "auth_required"})
                if not await self._await_auth(ws):
                    return ws
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._on_message(ws, msg.data)
        finally:
            self.clients.discard(ws)
            self.all.discard(ws)
        return ws

    async def _welcome(self, ws: web.WebSocketResponse, via_auth: bool = False) -> None:
        if via_auth:
            await send(ws, {"type": "auth", "success": True})
        else:
            await send(ws, {"type": "connected", "authenticated": True})
        self.clients.add(ws)
        for message in self.host.state_snapshot():
            await send(ws, message)

    async def _await_auth(self, ws: web.WebSocketResponse) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.auth_window
        while True:
            try:
                msg = await ws.receive(timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                await send(ws, _error("auth_timeout", "Authentication timeout"))
                await ws.close(code=WsClose.AUTH, message=b"Authentication timeout")
                return False
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return False
            if msg.type != WSMsgType.TEXT:
                continue
            data = _parse(msg.data)
            if data is None or data.get("type") != "auth":
                if data is not None and data.get("type") == "ping":
                    await send(ws, {"type": "pong"})
                    continue
                await send(ws, _error("auth_required", "Authentication required"))
                continue
            token = data.get("token")
            if self.host.auth.find(token if isinstance(token, str) else None) is None:
                await send(ws, {"type": "auth", "success": False, "error": "Invalid token"})
                await ws.close(code=WsClose.AUTH, message=b"Invalid token")
                return False
            await self._welcome(ws, via_auth=True)
            return True

    async def _on_message(self, ws: web.WebSocketResponse, text: str) -> None:
        data = _parse(text)
        if data is None:
            await send(ws, _error("bad_request", "Invalid JSON message"))
            return
        kind = data.get("type")
        host = self.host
        if kind == "ping":
            await send(ws, {"type": "pong"})
        elif kind == "auth":
            await send(ws, {"type": "auth", "success": True})
        elif kind == "setting":
            key, value = data.get("key"), data.get("value")
            if not isinstance(key, str) or "value" not in data:
                await send(ws, _error("bad_request", "setting needs key and value"))
                return
            changed, errors = host.settings.apply({key: value})
            ack: dict[str, Any] = {"type": "setting_ack", "key": key, "value": value}
            ack |= {"success": False, "error": errors[0]} if errors else {"success": True}
            await send(ws, ack)
            await host.settings_applied(changed)
            await self.announce(changed)
        elif kind == "settings_batch":
            changes = data.get("settings")
            if not isinstance(changes, dict):
                await send(ws, _error("bad_request", "settings_batch needs a settings object"))
                return
            changed, errors = host.settings.apply(changes)
            await send(
                ws,
                {"type": "settings_batch_ack", "success": not errors, "applied": sorted(changed)}
                | ({"errors": errors} if errors else {}),
            )
            await host.settings_applied(changed)
            await self.announce(changed)
        elif kind == "capture":
            answer = host.capture(lambda message: send(ws, message))
            if answer is not None:
                await send(ws, answer)
        elif kind == "enableH264":
            await send(ws, {"type": "h264_ack", "enabled": bool(data.get("enabled", True))})
        elif kind == "requestKeyframe":
            pass  # no H.264 stream is produced; nothing to key
        elif kind == "h264_quality":
            value = data.get("value", data.get("quality"))
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                await send(ws, _error("bad_request", "h264_quality must be between 0 and 100"))
            else:
                self.h264_quality = value
        elif kind == "stream_control":
            action = data.get("action")
            if action not in ("start", "stop"):
                await send(ws, _error("bad_request", "action must be start or stop"))
                return
            await host.set_camera_running(action == "start")
        elif kind == "audio_subscribe":
            await send(ws, {"type": "audio_ack", "subscribed": bool(data.get("enabled", True))})
        elif kind == "audio":
            pass  # two-way audio played on the phone: nothing to emulate
        elif kind == "tts":
            if not isinstance(data.get("text"), str):
                await send(ws, _error("bad_request", "tts needs text"))
        else:
            await send(ws, _error("unknown_type", f"Unknown message type: {kind}"))


async def send(ws: web.WebSocketResponse, message: dict[str, Any]) -> None:
    if not ws.closed:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(
                json.dumps({**message, "timestamp": message.get("timestamp", now_ms())})
            )


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


def _parse(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
