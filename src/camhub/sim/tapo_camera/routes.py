"""The camera's HTTPS API: ``POST /`` to log in, ``POST /stok=<stok>/ds`` for the rest.

A ``/ds`` body reaches the camera (:meth:`ApiHost.handle`) in one of three envelopes,
picked by the session's login:

* legacy: plain JSON;
* secure (``encrypt_type`` 3): ``securePassthrough`` with an AES-CBC ``request``,
  and the ``Seq`` and ``Tapo_tag`` headers checked first (a stale seq answers HTTP
  500 ``Http seq illegaly``, a wrong tag HTTP 500 ``Check tapo tag failed``);
* TPAP: the AES-CCM body of :mod:`.tpap`; a refused one ends the session.

The faults ``slow`` and ``drop`` (a reply cut off mid-body) hit both routes;
``session-expiry``, ``bad-seq`` and ``bad-tag`` the next ``/ds`` request only.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Any

from aiohttp import web

from camhub.sim.tapo_camera.auth import Session
from camhub.sim.tapo_camera.codes import CameraCode
from camhub.sim.tapo_camera.host import ApiHost
from camhub.sim.tapo_camera.tpap import TpapAuthority, open_request, seal_reply


def _json(payload: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


def _parse(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested past any real request
        return None
    return data if isinstance(data, dict) else None


async def _body(request: web.Request) -> tuple[str, dict[str, Any] | None]:
    text = await request.text()
    return text, _parse(text)


class TapoCameraRoutes:
    def __init__(self, host: ApiHost) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        app.router.add_post("/", self.login)
        app.router.add_post("/stok={stok}/ds", self.api)

    async def _misbehave(self, request: web.Request) -> web.StreamResponse | None:
        if self.host.fault("slow"):
            await asyncio.sleep(self.host.slow_seconds)
        if self.host.fault("drop"):
            resp = web.StreamResponse(headers={"Content-Type": "application/json"})
            resp.content_length = 4096
            await resp.prepare(request)
            await resp.write(b'{"error_code": 0, "result": {"respo')
            if request.transport is not None:
                request.transport.abort()
            return resp
        return None

    # routes --------------------------------------------------------------------------
    async def login(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._misbehave(request)) is not None:
            return bad
        _text, data = await _body(request)
        if data is None or data.get("method") != "login":
            return _json({"error_code": CameraCode.SESSION_EXPIRED})
        params = data.get("params")
        auth = self.host.auth
        if isinstance(auth, TpapAuthority):
            auth.port = self.host.port
        reply = auth.login(
            params if isinstance(params, dict) else {}, forced_lockout=self.host.fault("lockout")
        )
        return _json(reply)

    async def api(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._misbehave(request)) is not None:
            return bad
        sessions = self.host.auth.sessions
        session = sessions.get(request.match_info["stok"])
        if self.host.take_fault("session-expiry"):
            sessions.clear()
            session = None
        if session is None:
            return _json({"error_code": CameraCode.SESSION_EXPIRED})
        session.calls += 1
        if session.tpap:
            return self._tpap(session, await request.read())
        text, data = await _body(request)
        if data is None:
            return _json({"error_code": CameraCode.NOT_SUPPORTED})
        if not session.secure:
            return _json(self.host.handle(data))
        return self._secure(session, request, text, data)

    # envelopes -----------------------------------------------------------------------
    def _tpap(self, session: Session, body: bytes) -> web.Response:
        """The CCM channel; a refusal is plain JSON, and a refused body ends the session."""
        spoiled = self.host.take_fault("bad-seq") or self.host.take_fault("bad-tag")
        opened = CameraCode.SESSION_EXPIRED if spoiled else open_request(session, body)
        if isinstance(opened, CameraCode):
            if opened == CameraCode.SESSION_EXPIRED:
                self.host.auth.sessions.pop(session.stok, None)
            return _json({"error_code": opened})
        seq, inner = opened
        sealed = seal_reply(session, seq, self.host.handle(inner))
        return web.Response(body=sealed, content_type="application/octet-stream")

    def _secure(
        self, session: Session, request: web.Request, text: str, data: dict[str, Any]
    ) -> web.Response:
        if data.get("method") != "securePassthrough":
            return _json({"error_code": CameraCode.NOT_SUPPORTED})
        try:
            seq = int(request.headers.get("Seq", ""))
        except ValueError:
            seq = -1
        if self.host.take_fault("bad-seq") or seq < session.next_seq:
            return _json(
                {"error_code": CameraCode.SESSION_EXPIRED, "msg": "Http seq illegaly"}, status=500
            )
        tag = request.headers.get("Tapo_tag", "")
        if self.host.take_fault("bad-tag") or tag != session.expected_tag(text, seq):
            return _json(
                {"error_code": CameraCode.COMMON_FAILED, "msg": "Check tapo tag failed"},
                status=500,
            )
        session.next_seq = seq + 1
        params = data.get("params")
        blob = params.get("request") if isinstance(params, dict) else None
        try:
            inner = json.loads(session.decrypt(base64.b64decode(str(blob), validate=True)))
        except (ValueError, RecursionError, binascii.Error):
            return _json({"error_code": CameraCode.COMMON_FAILED}, status=500)
        if not isinstance(inner, dict):
            return _json({"error_code": CameraCode.COMMON_FAILED}, status=500)
        reply = self.host.handle(inner)
        if self.host.plain_single and inner.get("method") in ("get", "set", "do"):
            return _json(reply)
        answer = json.dumps(reply).encode()
        sealed = base64.b64encode(session.encrypt(answer)).decode()
        return _json({"seq": seq, "result": {"response": sealed}, "error_code": 0})
