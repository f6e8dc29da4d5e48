"""The Tapo camera emulator: HTTPS on one port, ``POST /`` to log in and
``POST /stok=<stok>/ds`` for everything else (seed 000, pytapo 3.4.30).

Options (``SimOptions``): ``login`` is ``"legacy"`` or ``"secure"``; ``model``
(default ``C200``; a model without a motor, e.g. ``C100``, answers -40210 to PTZ).
``extra`` keys: ``hash`` (``"sha256"`` default, or ``"md5"``: the password digest of
the secure flow), ``max_attempts`` (failed logins before a lockout, 10),
``lockout_seconds`` (1800), ``slow_seconds`` (delay of the ``slow`` fault, 5),
``detection_period`` (seconds between scripted detections, 20; 0 for none),
``without`` (modules this firmware lacks, e.g. ``["led", "lens_mask"]``: the
camera answers -40106 to them).

RTSP (``SimOptions.rtsp_port``, None for none): ``stream1`` and ``stream2`` with the
camera account ``stream_username`` / ``stream_password``; ``extra`` keys
``main_size``, ``sub_size``, ``fps``, ``scene``, ``rtsp_session_timeout``; see
:mod:`camhub.sim.tapo_camera.rtsp`.

Faults: ``slow`` and ``drop`` (connection closed mid-reply) and ``lockout`` (every
login answers -40404 with ``sec_left``) last until switched off;
``session-expiry`` (-40401), ``bad-seq`` (HTTP 500 ``Http seq illegaly``) and
``bad-tag`` hit the next API request only, then switch themselves off.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from typing import Any, ClassVar

from aiohttp import web

from camhub.sim.base import Emulator, SimOptions
from camhub.sim.tapo_camera.auth import SESSION_EXPIRED, LoginAuthority, Session
from camhub.sim.tapo_camera.camera import NOT_SUPPORTED, TapoCamera
from camhub.sim.tapo_camera.motion import Detection
from camhub.sim.tapo_camera.rtsp import TapoRtsp

ONE_SHOT_FAULTS = ("session-expiry", "bad-seq", "bad-tag")
COMMON_FAILED = -1


class TapoCameraEmulator(Emulator):
    kind: ClassVar[str] = "tapo-camera"
    tls: ClassVar[bool] = True
    default_port: ClassVar[int] = 443
    known_faults: ClassVar[frozenset[str]] = frozenset(
        {"session-expiry", "bad-seq", "bad-tag", "lockout", "slow", "drop"}
    )

    def __init__(self, opts: SimOptions | None = None) -> None:
        opts = opts or SimOptions()
        if opts.login not in ("legacy", "secure"):
            raise ValueError(f"login must be legacy or secure, not {opts.login!r}")
        extra = opts.extra
        hash_name = str(extra.get("hash", "sha256"))
        if hash_name not in ("sha256", "md5"):
            raise ValueError(f"hash must be sha256 or md5, not {hash_name!r}")
        super().__init__(opts)
        self.secure = opts.login == "secure"
        self.slow_seconds = float(extra.get("slow_seconds", 5.0))
        self.auth = LoginAuthority(
            username=self.username,
            password=self.password,
            secure=self.secure,
            hash_name=hash_name,
            max_attempts=int(extra.get("max_attempts", 10)),
            lockout_seconds=int(extra.get("lockout_seconds", 1800)),
        )
        self.camera = TapoCamera(
            opts.model or "C200",
            detection_period=float(extra.get("detection_period", 20.0)),
            on_reboot=self.auth.sessions.clear,
            without=frozenset(str(m) for m in extra.get("without", ())),
        )
        self.rtsp = TapoRtsp(self) if opts.rtsp_port is not None else None

    def setup(self) -> None:
        self.app.router.add_post("/", self._login_route)
        self.app.router.add_post("/stok={stok}/ds", self._api_route)

    async def start(self) -> str:
        url = await super().start()
        if self.rtsp is not None:
            await self.rtsp.start()
        return url

    async def stop(self) -> None:
        if self.rtsp is not None:
            await self.rtsp.stop()
        await super().stop()

    @property
    def rtsp_url(self) -> str | None:
        """``rtsp://HOST:PORT`` of the RTSP server (append ``/stream1``), or None."""
        return self.rtsp.url if self.rtsp is not None else None

    # hooks for tests and the demo ------------------------------------------------------
    def add_detection(
        self, kind: str = "motion", start: int | None = None, duration: int = 5
    ) -> Detection:
        """Log a detection (``start`` in epoch seconds, default now)."""
        return self.camera.detections.add(kind, start, duration)

    def sim_state(self) -> dict[str, Any]:
        cam = self.camera
        return {
            "login": self.opts.login,
            "model": cam.model,
            "pan": cam.motor.pan,
            "tilt": cam.motor.tilt,
            "cruising": cam.motor.cruising,
            "privacy": cam.privacy,
            "led": cam.led,
            "motion_detection": cam.tree.get("motion_detection", {})
            .get("motion_det", {})
            .get("enabled")
            == "on",
            "presets": [{"id": p.id, "name": p.name} for p in cam.presets.items.values()],
            "logins": self.auth.logins,
            "sessions": len(self.auth.sessions),
            "locked_seconds": self.auth.seconds_left(),
            "reboots": cam.reboots,
            "rtsp": self.rtsp.state() if self.rtsp is not None else None,
        }

    def _take(self, fault: str) -> bool:
        """Consume a one-shot fault."""
        if fault in self.faults:
            self.faults.discard(fault)
            return True
        return False

    # plumbing ------------------------------------------------------------------------
    async def _misbehave(self, request: web.Request) -> web.StreamResponse | None:
        if self.fault("slow"):
            await asyncio.sleep(self.slow_seconds)
        if self.fault("drop"):
            resp = web.StreamResponse(headers={"Content-Type": "application/json"})
            resp.content_length = 4096
            await resp.prepare(request)
            await resp.write(b'{"error_code": 0, "result": {"respo')
            if request.transport is not None:
                request.transport.abort()
            return resp
        return None

    @staticmethod
    def _json(payload: dict[str, Any], status: int = 200) -> web.Response:
        return web.json_response(payload, status=status)

    @staticmethod
    async def _body(request: web.Request) -> tuple[str, dict[str, Any] | None]:
        text = await request.text()
        try:
            data = json.loads(text)
        except ValueError:
            return text, None
        return text, data if isinstance(data, dict) else None

    # routes --------------------------------------------------------------------------
    async def _login_route(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._misbehave(request)) is not None:
            return bad
        _text, data = await self._body(request)
        if data is None or data.get("method") != "login":
            return self._json({"error_code": SESSION_EXPIRED})
        params = data.get("params")
        reply = self.auth.login(
            params if isinstance(params, dict) else {}, forced_lockout=self.fault("lockout")
        )
        return self._json(reply)

    async def _api_route(self, request: web.Request) -> web.StreamResponse:
        if (bad := await self._misbehave(request)) is not None:
            return bad
        session = self.auth.sessions.get(request.match_info["stok"])
        if self._take("session-expiry"):
            self.auth.sessions.clear()
            session = None
        if session is None:
            return self._json({"error_code": SESSION_EXPIRED})
        text, data = await self._body(request)
        if data is None:
            return self._json({"error_code": NOT_SUPPORTED})
        session.calls += 1
        if not session.secure:
            return self._json(self.camera.handle(data))
        return self._secure(session, request, text, data)

    def _secure(
        self, session: Session, request: web.Request, text: str, data: dict[str, Any]
    ) -> web.Response:
        if data.get("method") != "securePassthrough":
            return self._json({"error_code": NOT_SUPPORTED})
        try:
            seq = int(request.headers.get("Seq", ""))
        except ValueError:
            seq = -1
        if self._take("bad-seq") or seq < session.next_seq:
            return self._json(
                {"error_code": SESSION_EXPIRED, "msg": "Http seq illegaly"}, status=500
            )
        tag = request.headers.get("Tapo_tag", "")
        if self._take("bad-tag") or tag != session.expected_tag(text, seq):
            return self._json(
                {"error_code": COMMON_FAILED, "msg": "Check tapo tag failed"}, status=500
            )
        session.next_seq = seq + 1
        params = data.get("params")
        blob = params.get("request") if isinstance(params, dict) else None
        try:
            inner = json.loads(session.decrypt(base64.b64decode(str(blob), validate=True)))
        except (ValueError, binascii.Error):
            return self._json({"error_code": COMMON_FAILED}, status=500)
        if not isinstance(inner, dict):
            return self._json({"error_code": COMMON_FAILED}, status=500)
        answer = json.dumps(self.camera.handle(inner)).encode()
        sealed = base64.b64encode(session.encrypt(answer)).decode()
        return self._json({"seq": seq, "result": {"response": sealed}, "error_code": 0})
