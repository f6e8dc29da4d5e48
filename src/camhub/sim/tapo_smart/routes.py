"""The HTTP routes of a KLAP v2 device (port 80).

``POST /app/handshake1``, ``/app/handshake2``, ``/app/request?seq=N``, and plain JSON
on ``POST /app``, which a KLAP device refuses with ``error_code`` 1003. ``POST /`` is
where clients ask whether a device speaks TPAP (``{"method": "login", "params":
{"sub_method": "discover"}}``, the ``tapo`` crate does): firmware that predates TPAP,
which these emulate, answers ``error_code`` 1003 there too, and the client goes on
with KLAP.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from camhub.sim.tapo_smart.codes import SmartCode
from camhub.sim.tapo_smart.host import KlapHost
from camhub.sim.tapo_smart.klap import BadPayload

COOKIE = "TP_SESSIONID"


class KlapRoutes:
    def __init__(self, host: KlapHost) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        app.router.add_post("/app/handshake1", self.handshake1)
        app.router.add_post("/app/handshake2", self.handshake2)
        app.router.add_post("/app/request", self.request)
        app.router.add_post("/app", self.plain)
        app.router.add_post("/", self.plain)

    async def _faults(self, request: web.Request) -> None:
        if self.host.fault("drop"):
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # no answer at all
        if self.host.fault("slow"):
            await asyncio.sleep(self.host.slow_seconds)

    async def handshake1(self, request: web.Request) -> web.StreamResponse:
        await self._faults(request)
        seed = await request.read()
        if len(seed) != 16:
            return web.Response(status=400)
        klap = self.host.klap
        sid, body = klap.handshake1(seed)
        response = web.Response(body=body, content_type="application/octet-stream")
        # The devices send both values in one header; clients read TIMEOUT as a cookie.
        response.headers["Set-Cookie"] = f"{COOKIE}={sid};TIMEOUT={klap.timeout_s}"
        return response

    async def handshake2(self, request: web.Request) -> web.StreamResponse:
        await self._faults(request)
        if not self.host.klap.handshake2(request.cookies.get(COOKIE), await request.read()):
            return web.Response(status=403)
        return web.Response(status=200)

    async def request(self, request: web.Request) -> web.StreamResponse:
        await self._faults(request)
        session = self.host.klap.session(request.cookies.get(COOKIE))
        if session is None:
            return web.Response(status=403)
        try:
            seq = int(request.query["seq"])
            plain = session.decrypt(seq, await request.read())
        except (KeyError, ValueError, BadPayload):
            return web.Response(status=400)
        try:
            envelope = json.loads(plain)
        except ValueError:
            reply: dict[str, Any] = {"error_code": SmartCode.JSON_DECODE_FAIL}
        else:
            reply = self.host.handle(envelope)
        body = session.encrypt(seq, json.dumps(reply, separators=(",", ":")).encode())
        return web.Response(body=body, content_type="application/octet-stream")

    async def plain(self, request: web.Request) -> web.StreamResponse:
        await self._faults(request)
        return web.json_response({"error_code": SmartCode.PLAIN_JSON_REFUSED})
