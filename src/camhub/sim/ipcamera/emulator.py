"""The Android "IP Camera" app, emulated: HTTPS API, MJPEG, events and WebSocket.

Options (``SimOptions``): ``password`` (default ``admin``; empty disables protection),
and in ``extra``: ``pro`` (default True), ``http_port`` (the redirect listener, default
any free port; None for none), ``reverse_proxy`` (trust X-Forwarded-Proto), ``scene``,
``period``, ``burst`` (the synthetic picture, see :class:`VideoSource`),
``ws_auth_timeout`` (seconds, default 10), ``lockout_seconds`` (default 30),
``capture_seconds`` (how long a high-res capture takes, default 0.5),
``rtsp_max_fps`` and ``rtsp_session_timeout`` (the RTSP server, see
:mod:`camhub.sim.ipcamera.rtsp`; ``SimOptions.rtsp_port`` turns it on at launch),
``mqtt_time_scale`` (shortens the MQTT client's telemetry interval and backoff for
tests, see :mod:`camhub.sim.ipcamera.mqtt`).

Faults: ``drop`` (close connections without answering), ``slow`` (answer late),
``hang`` (never answer), ``ws-drop`` (close every WebSocket and refuse new ones),
``no-db`` (the event database is not initialised: the history routes answer 500
``Event history unavailable`` and events are broadcast but not stored).

Test hooks besides ``/__sim/fault`` and ``/__sim/state``: ``POST /__sim/event?type=T``
(one detection event now) and ``POST /__sim/license?pro=0|1`` (the Pro purchase
changes: ``license:changed`` to every WebSocket client).

The parts take narrow ports of this class (:mod:`.host`), so none of their modules
imports this one: :func:`~.access.build_middleware`, :class:`~.routes.IpCameraRoutes`,
:class:`~.services.Services` (RTSP and MQTT settings), :class:`~.ws.WsHub`,
:class:`~.rtsp.IpCameraRtsp` and the MQTT client :class:`~.mqtt.PhoneMqtt`; error
statuses are :class:`~.codes.Status`.
"""

from __future__ import annotations

import asyncio
import ssl
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

from aiohttp import web

from camhub.clock import now_ms
from camhub.sim.base import Emulator, SimOptions
from camhub.sim.ipcamera.access import build_middleware
from camhub.sim.ipcamera.auth import Auth
from camhub.sim.ipcamera.events import WS_MESSAGE, EventLog
from camhub.sim.ipcamera.mqtt import PhoneMqtt
from camhub.sim.ipcamera.routes import IpCameraRoutes
from camhub.sim.ipcamera.rtsp import PICTURE_KEYS, IpCameraRtsp
from camhub.sim.ipcamera.services import Services
from camhub.sim.ipcamera.settings import LENSES, Settings, license_info
from camhub.sim.ipcamera.ws import WsHub
from camhub.sim.video import VideoSource
from camhub.tasks import cancel_and_wait
from camhub.tls import generate_self_signed, server_context

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CAPTURE_SIZE = (1920, 1080)
OBJECT_TYPES = ("OBJECT_PERSON", "OBJECT_DOG")


class IpCameraEmulator(Emulator):
    kind: ClassVar[str] = "ipcamera"
    tls: ClassVar[bool] = True
    known_faults: ClassVar[frozenset[str]] = frozenset({"drop", "slow", "hang", "ws-drop", "no-db"})

    def __init__(self, opts: SimOptions | None = None) -> None:
        opts = opts or SimOptions()
        extra = opts.extra
        self.settings = Settings(pro=bool(extra.get("pro", True)))
        self.reverse_proxy = bool(extra.get("reverse_proxy", False))
        password = opts.password if opts.password is not None else self.default_password
        self.auth = Auth(password, lockout_seconds=int(extra.get("lockout_seconds", 30)))
        self.events = EventLog()
        self.video = VideoSource(
            fps=60,
            scene=extra.get("scene", "bursts"),
            period=float(extra.get("period", 20.0)),
            burst=float(extra.get("burst", 5.0)),
        )
        self.camera_running = True
        self.stream_clients = 0
        self.capture_jpeg: bytes | None = None
        self.capture_seconds = float(extra.get("capture_seconds", 0.5))
        self.capturing = False
        self.http_port = 0
        self._last_event: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._ssl: ssl.SSLContext | None = None
        self.ws = WsHub(self, float(extra.get("ws_auth_timeout", 10.0)))
        self.rtsp = IpCameraRtsp(
            self, float(extra.get("rtsp_max_fps", 30)), int(extra.get("audio_rate", 44100))
        )
        self.mqtt = PhoneMqtt(
            self, self._mqtt_status_changed, float(extra.get("mqtt_time_scale", 1.0))
        )
        self.services = Services(self, self.rtsp, self.mqtt, self.ws.broadcast)
        if opts.rtsp_port is not None:
            self.settings.values["rtspEnabled"] = True
            if opts.rtsp_port:
                self.settings.values["rtspPort"] = opts.rtsp_port
        super().__init__(opts)

    # emulator frame --------------------------------------------------------------------
    def setup(self) -> None:
        self.app.middlewares.append(self._faults)
        self.app.middlewares.append(build_middleware(self))
        self.app.cleanup_ctx.append(self._scene_ctx)
        self.app.router.add_get("/ws", self.ws.handle)
        self.app.router.add_post("/__sim/event", self._sim_event)
        self.app.router.add_post("/__sim/license", self._sim_license)
        IpCameraRoutes(self).add(self.app)
        self.services.add(self.app)

    def sim_state(self) -> dict[str, Any]:
        return {
            "settings": self.settings.public(),
            "torch": self.settings["torchEnabled"],
            "wsClients": len(self.ws.clients),
            "streamClients": self.stream_clients,
            "events": len(self.events.events),
            "cameraRunning": self.camera_running,
            "httpPort": self.http_port,
            "pro": self.settings.pro,
            "rtsp": {
                "running": self.rtsp.running,
                "sessions": self.rtsp.server.sessions() if self.rtsp.server else [],
                "encoding": self.rtsp.feed.encoding,
            },
            "mqtt": {
                "running": self.mqtt.running,
                "connected": self.mqtt.connected,
                "connections": self.mqtt.connections,
                "error": self.mqtt.error,
            },
        }

    def on_fault(self, name: str, on: bool) -> None:
        if name == "ws-drop" and on:
            self._spawn(self.ws.close_all())

    def ssl_context(self) -> ssl.SSLContext:
        self._tmp = tempfile.TemporaryDirectory(prefix="camhub-sim-")
        self.regenerate_certificate()
        assert self._ssl is not None
        return self._ssl

    @property
    def cert_path(self) -> Path:
        assert self._tmp is not None
        return Path(self._tmp.name) / "cert.pem"

    def regenerate_certificate(self) -> None:
        """New key and certificate; new TLS connections use them at once."""
        key = self.cert_path.with_name("key.pem")
        generate_self_signed(
            self.cert_path, key, [self.opts.host, "localhost"], common_name="IP Camera"
        )
        if self._ssl is None:
            self._ssl = server_context(self.cert_path, key)
            self._ssl.minimum_version = ssl.TLSVersion.TLSv1_2
        else:
            self._ssl.load_cert_chain(self.cert_path, key)

    async def start(self) -> str:
        url = await super().start()
        http_port = self.opts.extra.get("http_port", 0)
        if http_port is not None and self._runner is not None:
            site = web.TCPSite(self._runner, self.opts.host, int(http_port), reuse_address=True)
            await site.start()
            server = site._server
            assert isinstance(server, asyncio.base_events.Server)
            self.http_port = server.sockets[0].getsockname()[1]
        if self.settings["rtspEnabled"]:
            await self.rtsp.start(port=0 if self.opts.rtsp_port == 0 else None)
        self.mqtt.start()
        return url

    @property
    def rtsp_url(self) -> str | None:
        return self.rtsp.url

    async def stop(self) -> None:
        await self.mqtt.stop()
        await self.rtsp.stop()
        await self.rtsp.feed.close()
        await self.rtsp.sound.close()
        await self.ws.close_all()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._ssl = None
        await super().stop()

    @property
    def http_url(self) -> str:
        return f"http://{self.opts.host}:{self.http_port}"

    def _spawn(self, coro: Awaitable[None]) -> None:
        async def run() -> None:
            await coro

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @web.middleware
    async def _faults(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/__sim/"):
            if self.fault("drop"):
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError
            if self.fault("hang"):
                await asyncio.Event().wait()
            if self.fault("slow"):
                await asyncio.sleep(float(self.opts.extra.get("slow_seconds", 2.0)))
        return await handler(request)

    # state the routes and the WebSocket share ------------------------------------------
    async def apply_settings(self, changes: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Validate and apply; broadcast what changed to every WebSocket client."""
        changed, errors = self.settings.apply(changes)
        await self.settings_applied(changed)
        await self.ws.announce(changed)
        return changed, errors

    async def settings_applied(self, changed: dict[str, Any]) -> None:
        """What follows a change, whichever way it came (HTTP, WebSocket, MQTT)."""
        if not changed:
            return
        if PICTURE_KEYS & changed.keys():
            self.rtsp.picture_changed()
        if "rtspEnabled" in changed:
            await self.services.switch_rtsp(bool(changed["rtspEnabled"]))
        if "mqttEnabled" in changed:
            await self.services.switch_mqtt(bool(changed["mqttEnabled"]))
        self.mqtt.settings_changed()

    async def _mqtt_status_changed(self) -> None:
        await self.ws.broadcast({"type": "mqtt_status", **self.services.mqtt_status()})

    async def set_camera_running(self, on: bool) -> None:
        self.camera_running = on
        await self.ws.broadcast(self.status_message())

    def status(self) -> dict[str, Any]:
        return {
            "clients": self.stream_clients,
            "wsClients": len(self.ws.clients),
            "streaming": self.camera_running,
            "cameraRunning": self.camera_running,
            "settings": self.settings.public(),
        }

    def capabilities(self) -> dict[str, Any]:
        """``GET /capabilities``: the hardware of the camera now selected."""
        lens = self.settings.lens
        return {
            "cameraIds": list(LENSES),
            "resolutions": list(lens.resolutions),
            "frameRates": list(lens.frame_rates),
            "maxFrameRate": lens.max_frame_rate,
        }

    async def set_pro(self, pro: bool) -> None:
        """The Pro purchase was made, refunded or expired."""
        if pro != self.settings.pro:
            self.settings.pro = pro
            await self.ws.broadcast({"type": "license:changed", "license": license_info(pro)})

    def status_message(self) -> dict[str, Any]:
        s = self.settings
        detection = {
            "motionEnabled": s["motionEnabled"],
            "soundEnabled": s["soundEnabled"],
            "motionActive": self.video.moving(time.time()),
        }
        return {"type": "status", **self.status(), "detection": detection}

    def system_info(self) -> dict[str, Any]:
        w, h = self.settings.frame_size()
        return {
            "type": "system_info",
            "cpu": 12.5,
            "memory": {"usedMb": 512, "totalMb": 4096},
            "battery": {"level": 87, "charging": True, "temperature": 31.5},
            "stream": {"clients": self.stream_clients, "fps": self.settings["frameRate"],
                       "width": w, "height": h},
        }  # fmt: skip

    def telemetry(self) -> dict[str, Any]:
        """What the MQTT client publishes every interval: system info and status."""
        status = {k: v for k, v in self.status_message().items() if k != "settings"}
        return {**status, **self.system_info(), "type": "telemetry", "timestamp": now_ms()}

    def state_snapshot(self) -> list[dict[str, Any]]:
        """What a WebSocket client gets right after authenticating."""
        return [
            self.status_message(),
            self.system_info(),
            {"type": "mqtt_status", **self.services.mqtt_status()},
            {"type": "rtsp_status", **self.services.rtsp_status()},
        ]

    def frame(self, quality: int | None = None) -> bytes:
        w, h = self.settings.frame_size()
        return self.video.frame(width=w, height=h, quality=quality or self.settings["jpegQuality"])

    def capture(self, reply: Callable[[dict[str, Any]], Awaitable[None]]) -> dict[str, Any] | None:
        """Start a high-res capture; ``reply`` gets ``capture_ready`` when it is done.

        Returns the immediate answer instead when none can start: the camera is off, or
        a capture is already running (``capture_busy``).
        """
        if not self.camera_running:
            return {"type": "error", "code": "camera_stopped", "message": "Camera not started"}
        if self.capturing:
            return {"type": "capture_busy", "message": "Capture already in progress"}
        self.capturing = True

        async def shoot() -> None:
            try:
                await asyncio.sleep(self.capture_seconds)  # the sensor's full-size readout
                self.capture_jpeg = self.video.frame(
                    width=CAPTURE_SIZE[0], height=CAPTURE_SIZE[1], quality=95
                )
            finally:
                self.capturing = False
            await reply({"type": "capture_ready", "url": "/capture", "width": CAPTURE_SIZE[0],
                         "height": CAPTURE_SIZE[1]})  # fmt: skip

        self._spawn(shoot())
        return None

    # events ----------------------------------------------------------------------------
    async def record_event(
        self, type_: str, fields: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Store (when history is on) and broadcast one detection event."""
        fields = fields if fields is not None else self._fields(type_)
        if self.settings["eventHistoryEnabled"] and not self.fault("no-db"):
            event = self.events.add(type_, fields)
        else:
            event = {"eventId": 0, "timestamp": now_ms(), "type": type_, **fields}
        message = {"type": WS_MESSAGE[type_], "eventId": event["eventId"], "eventKind": type_,
                   "timestamp": event["timestamp"], **fields}  # fmt: skip
        await self.ws.broadcast(message)
        self.mqtt.event({**message})
        return event

    async def detection_frame(self, objects: list[dict[str, Any]]) -> None:
        """``detection_frame``: every object the detector tracks in the current frame."""
        w, h = self.settings.frame_size()
        tracked = [
            {"trackingId": i, "objectClass": o["objectClass"], "confidence": o["confidence"],
             "box": {"x": round(w * (0.1 + 0.45 * i)), "y": round(h * 0.2),
                     "width": round(w * 0.3), "height": round(h * 0.6)}}
            for i, o in enumerate(objects, start=1)
        ]  # fmt: skip
        await self.ws.broadcast({"type": "detection_frame", "width": w, "height": h,
                                 "objects": tracked})  # fmt: skip

    def _fields(self, type_: str) -> dict[str, Any]:
        s = self.settings
        if type_ == "MOTION":
            w, h = s.frame_size()
            return {
                "changedPercent": round(4.0 + 1.5 * s["motionSensitivity"], 1),
                "width": w,
                "height": h,
            }
        if type_ == "ANY_SOUND":
            return {"db": -25.5, "rms": 0.45}
        if type_ == "DOG_BARK":
            return {"className": "Dog", "confidence": 92}
        if type_ == "BABY_CRY":
            return {"className": "Baby cry", "confidence": 88}
        obj = "person" if type_ == "OBJECT_PERSON" else "dog"
        return {"objectClass": obj, "confidence": 85, "eventType": "appeared"}

    def _due(self, type_: str, cooldown: int) -> bool:
        now = time.monotonic()
        if now - self._last_event.get(type_, -1e9) < cooldown:
            return False
        self._last_event[type_] = now
        return True

    async def detect(self) -> None:
        """The scene just started moving: what would the app's detectors report?"""
        s = self.settings
        wanted = [
            ("MOTION", s["motionEnabled"], s["motionCooldown"]),
            ("ANY_SOUND", s["soundEnabled"], s["soundCooldown"]),
            ("DOG_BARK", s["dogBarkClassificationEnabled"], s["soundCooldown"]),
            ("BABY_CRY", s["babyCryClassificationEnabled"], s["soundCooldown"]),
            ("OBJECT_PERSON", s["objectPersonDetectionEnabled"], 0),
            ("OBJECT_DOG", s["objectDogDetectionEnabled"], 0),
        ]
        seen = []
        for type_, enabled, cooldown in wanted:
            if enabled and self._due(type_, cooldown):
                event = await self.record_event(type_)
                if type_ in OBJECT_TYPES:
                    seen.append(event)
        if seen:
            await self.detection_frame(seen)

    async def _scene_ctx(self, app: web.Application) -> AsyncIterator[None]:
        async def watch() -> None:
            was_moving = False
            while True:
                moving = self.camera_running and self.video.moving(time.time())
                if moving and not was_moving:
                    await self.detect()
                was_moving = moving
                await asyncio.sleep(0.1)

        task = asyncio.get_running_loop().create_task(watch())
        yield
        await cancel_and_wait(task)

    async def _sim_event(self, request: web.Request) -> web.Response:
        """Test hook: ``POST /__sim/event?type=MOTION`` records one event now."""
        type_ = request.query.get("type", "MOTION").upper()
        if type_ not in WS_MESSAGE:
            return web.json_response({"error": f"unknown type {type_}"}, status=400)
        event = await self.record_event(type_)
        if type_ in OBJECT_TYPES:
            await self.detection_frame([event])
        return web.json_response(event)

    async def _sim_license(self, request: web.Request) -> web.Response:
        """Test hook: ``POST /__sim/license?pro=0`` ends the Pro license (1 restores it)."""
        await self.set_pro(request.query.get("pro", "1") not in ("0", "false", "off"))
        return web.json_response({"pro": self.settings.pro})
