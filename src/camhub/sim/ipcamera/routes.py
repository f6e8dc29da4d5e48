"""The app's HTTP routes: login, certificate, media, settings, status, torch, events."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from camhub.sim.ipcamera.access import request_token
from camhub.sim.ipcamera.codes import Status
from camhub.sim.ipcamera.events import QueryError
from camhub.sim.ipcamera.host import RoutesHost
from camhub.tls import cert_info

BOUNDARY = "frame"
DASHBOARD = """<!doctype html>
<html><head><title>IP Camera</title></head>
<body><h1>IP Camera</h1><img src="/stream" alt="live"></body></html>
"""


def _error(message: str, status: Status) -> web.Response:
    return web.json_response({"error": message}, status=status)


def needs_history(
    handler: Callable[[IpCameraRoutes, web.Request], Awaitable[web.Response]],
) -> Callable[[IpCameraRoutes, web.Request], Awaitable[web.Response]]:
    """A route of the event database: 500 while it is not initialised (fault ``no-db``)."""

    @functools.wraps(handler)
    async def guarded(self: IpCameraRoutes, request: web.Request) -> web.Response:
        if self.host.fault("no-db"):
            return _error("Event history unavailable", Status.SERVER_ERROR)
        return await handler(self, request)

    return guarded


class IpCameraRoutes:
    """Every HTTP route of the app but ``/api/rtsp/*`` and ``/api/mqtt/*`` (services)."""

    def __init__(self, host: RoutesHost) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/", self.dashboard)
        r.add_post("/auth", self.login)
        r.add_get("/auth/status", self.auth_status)
        r.add_post("/auth/logout", self.logout)
        r.add_get("/cert", self.cert)
        r.add_get("/cert/info", self.cert_info)
        r.add_post("/cert/regenerate", self.cert_regenerate)
        r.add_get("/stream", self.stream)
        r.add_get("/snapshot", self.snapshot)
        r.add_get("/capture", self.capture)
        r.add_get("/settings", self.get_settings)
        r.add_post("/settings", self.post_settings)
        r.add_get("/status", self.status)
        r.add_get("/capabilities", self.capabilities)
        r.add_post("/torch", self.torch)
        r.add_get("/events", self.events)
        r.add_get("/events/range", self.events_range)
        r.add_post("/events/clear", self.events_clear)
        r.add_get("/api/storage/stats", self.storage_stats)
        r.add_get("/api/events/export", self.export)

    # pages and session -------------------------------------------------------------
    async def dashboard(self, request: web.Request) -> web.Response:
        return web.Response(text=DASHBOARD, content_type="text/html")

    async def login(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response(
                {"success": False, "error": "Invalid JSON"}, status=Status.BAD_REQUEST
            )
        if not isinstance(body, dict) or "password" not in body:
            return web.json_response(
                {"success": False, "error": "Password required"}, status=Status.BAD_REQUEST
            )
        status, answer, session = self.host.auth.login(body["password"])
        resp = web.json_response(answer, status=status)
        if session is not None:
            resp.set_cookie("session", session.token, httponly=True, secure=True, samesite="Strict")
        return resp

    async def auth_status(self, request: web.Request) -> web.Response:
        auth = self.host.auth
        found = request_token(request, media=False)
        return web.json_response(
            {
                "enabled": auth.enabled,
                "configured": auth.enabled,
                "authenticated": found is not None and auth.find(found[0]) is not None,
            }
        )

    async def logout(self, request: web.Request) -> web.Response:
        found = request_token(request, media=False)
        self.host.auth.logout(found[0] if found else None)
        resp = web.json_response({"success": True})
        resp.del_cookie("session")
        return resp

    # certificate -------------------------------------------------------------------
    async def cert(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self.host.cert_path.read_bytes(),
            content_type="application/x-pem-file",
            headers={"Content-Disposition": 'attachment; filename="ipcamera.pem"'},
        )

    async def cert_info(self, request: web.Request) -> web.Response:
        info = cert_info(self.host.cert_path)

        def name(rfc4514: str) -> str:  # most significant part first, as the app shows it
            return ", ".join(reversed(rfc4514.split(",")))

        return web.json_response(
            {
                "subject": name(info.subject),
                "issuer": name(info.issuer),
                "notBefore": info.not_before,
                "notAfter": info.not_after,
                "serialNumber": info.serial_number,
                "status": info.status,
                "downloadUrl": "/cert",
            }
        )

    async def cert_regenerate(self, request: web.Request) -> web.Response:
        self.host.regenerate_certificate()
        return web.json_response({"success": True})

    # media ---------------------------------------------------------------------------
    async def snapshot(self, request: web.Request) -> web.Response:
        if not self.host.camera_running:
            return _error("Camera not started", Status.UNAVAILABLE)
        return web.Response(body=self.host.frame(), content_type="image/jpeg")

    async def capture(self, request: web.Request) -> web.Response:
        if self.host.capture_jpeg is None:
            return _error(
                "No capture available; send a capture message over the WebSocket", Status.NOT_FOUND
            )
        return web.Response(body=self.host.capture_jpeg, content_type="image/jpeg")

    async def stream(self, request: web.Request) -> web.StreamResponse:
        host = self.host
        if not host.camera_running:
            return _error("Camera not started", Status.UNAVAILABLE)
        resp = web.StreamResponse(
            headers={
                "Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}",
                "Cache-Control": "no-cache, no-store",
                "Connection": "close",
            }
        )
        await resp.prepare(request)
        host.stream_clients += 1
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        try:
            while host.camera_running:
                jpeg = host.frame()
                await resp.write(
                    b"".join(
                        (
                            b"--" + BOUNDARY.encode() + b"\r\nContent-Type: image/jpeg\r\n",
                            b"Content-Length: %d\r\n\r\n" % len(jpeg),
                            jpeg,
                            b"\r\n",
                        )
                    )
                )
                next_at = max(next_at + 1.0 / host.settings["frameRate"], loop.time() - 0.5)
                await asyncio.sleep(max(0.0, next_at - loop.time()))
        except (ConnectionError, RuntimeError):
            pass  # the viewer went away
        finally:
            host.stream_clients -= 1
        return resp

    # settings and status -------------------------------------------------------------
    async def get_settings(self, request: web.Request) -> web.Response:
        return web.json_response(self.host.settings.public())

    async def post_settings(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response(
                {"success": False, "errors": ["(body): Invalid JSON"]}, status=Status.BAD_REQUEST
            )
        if not isinstance(body, dict):
            return web.json_response(
                {"success": False, "errors": ["(body): Expected a JSON object"]},
                status=Status.BAD_REQUEST,
            )
        changed, errors = await self.host.apply_settings(body)
        if errors:
            return web.json_response(
                {"success": False, "errors": errors}, status=Status.BAD_REQUEST
            )
        return web.json_response(
            {"success": True, "changed": sorted(changed), "settings": self.host.settings.public()}
        )

    async def status(self, request: web.Request) -> web.Response:
        return web.json_response(self.host.status())

    async def capabilities(self, request: web.Request) -> web.Response:
        return web.json_response(self.host.capabilities())

    async def torch(self, request: web.Request) -> web.Response:
        on = not self.host.settings["torchEnabled"]
        await self.host.apply_settings({"torchEnabled": on})
        return web.json_response({"torchEnabled": on})

    # event history -------------------------------------------------------------------
    @needs_history
    async def events(self, request: web.Request) -> web.Response:
        try:
            answer: dict[str, Any] = self.host.events.query(dict(request.query))
        except QueryError as exc:
            return _error(str(exc), Status.BAD_REQUEST)
        return web.json_response(answer)

    @needs_history
    async def events_range(self, request: web.Request) -> web.Response:
        return web.json_response(self.host.events.range())

    @needs_history
    async def events_clear(self, request: web.Request) -> web.Response:
        if request.query.get("confirm") != "true":
            return _error("confirm=true is required to delete all events", Status.BAD_REQUEST)
        return web.json_response({"success": True, "cleared": self.host.events.clear()})

    @needs_history
    async def storage_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.host.events.stats())

    @needs_history
    async def export(self, request: web.Request) -> web.Response:
        text = self.host.events.export_csv(self.host.settings.public())
        return web.Response(
            text=text,
            content_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="ip-camera-events.csv"'},
        )
