"""The Sercomm camera emulator (RC8221 / RC8221D / OC821D / RC8230), seed 004.

Plain HTTP with basic auth against the USER group: its admin may do everything, its
viewer only what is under ``/img/``, ``/util/`` and ``/io/`` (and ``/pt/`` when the
USER group's ``pt_ctrl`` lets it); everything else answers the viewer 401 like the
real camera. Every configuration group lives in :attr:`SercommEmulator.groups`.

Motion: a background task watches the synthetic scene (``VideoSource.moving``). While
the camera is armed (``EVENT.event_trigger=1``) with motion detection on and a window
switched on, motion starting fires an event, repeated every ``retrigger`` seconds
(``SimOptions.extra``, default 10, at least ``EVENT.event_interval``) while it lasts.
An event with ``httpn:1`` in ``EVENT.event_mt`` calls ``HTTP_NOTIFY.http_url`` with a
GET (``http_method=1``; 0 is POST), adding ``event``, ``camera``, ``window`` and
``time`` to its query when ``event_data_flag=1``; with ``httppost:1`` and
``HTTP_EVENT.http_event_en=1`` it POSTs a JPEG to ``http_post_url``.

``SimOptions.extra``: ``scene`` (quiet | motion | bursts), ``retrigger`` seconds,
``slow_seconds`` for the ``slow`` fault, ``viewer_password`` (default ``demo``),
``rtsp_session_timeout``. ``SimOptions.rtsp_port`` runs the RTSP server of
``/img/media.sav`` and ``/img/video.sav`` (:mod:`camhub.sim.sercomm.rtsp`).
Faults: ``drop`` (reply cut short), ``offline`` (connection closed unanswered),
``hang`` (no answer until the fault is cleared), ``slow``, ``bad-auth`` (every
credential refused).

The routes are classes over narrow ports of the camera (:mod:`.host`), so none of
their modules imports this one: :class:`~.routes.SercommRoutes` (groups and
administration), :class:`~.media.MediaRoutes` (pictures, pan/tilt),
:class:`~.streams.StreamRoutes` (SDP, RTSP names, Flash) and
:class:`~.network.NetworkRoutes`; error codes are :class:`~.codes.SetError`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar, cast

import aiohttp
from aiohttp import web

from camhub.sim.base import Emulator, SimOptions
from camhub.sim.sercomm.groups import MODELS, Model, default_groups
from camhub.sim.sercomm.host import ROLE, Role
from camhub.sim.sercomm.media import MediaRoutes
from camhub.sim.sercomm.network import NetworkRoutes
from camhub.sim.sercomm.routes import SercommRoutes
from camhub.sim.sercomm.rtsp import SercommRtsp
from camhub.sim.sercomm.streams import StreamRoutes
from camhub.sim.video import Scene, VideoSource
from camhub.tasks import cancel_and_wait

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PAN_LIMIT = (-63, 63)
TILT_LIMIT = (-36, 28)
REALM = 'Basic realm="IP Camera"'


class SercommEmulator(Emulator):
    kind: ClassVar[str] = "sercomm"
    tls: ClassVar[bool] = False
    known_faults: ClassVar[frozenset[str]] = frozenset(
        {"drop", "offline", "hang", "slow", "bad-auth"}
    )

    def __init__(self, opts: SimOptions | None = None) -> None:
        opts = opts or SimOptions()
        name = (opts.model or "RC8230").upper()
        if name not in MODELS:
            raise ValueError(f"unknown Sercomm model {opts.model!r}; one of {', '.join(MODELS)}")
        self.model: Model = MODELS[name]
        scene = str(opts.extra.get("scene", "bursts"))
        if scene not in ("quiet", "motion", "bursts"):
            raise ValueError(f"unknown scene {scene!r}")
        self.video = VideoSource(scene=cast(Scene, scene))
        self.retrigger = float(opts.extra.get("retrigger", 10.0))
        self.slow_seconds = float(opts.extra.get("slow_seconds", 2.0))
        self.viewer_password = str(opts.extra.get("viewer_password", "demo"))
        self.pan = 0
        self.tilt = 0
        self.last_preset: int | None = None
        self.sweeps = 0
        self.clock_offset = 0.0
        self.notify_calls = 0
        self.notify_errors = 0
        self.post_calls = 0
        self.motion_events = 0
        self.reboots = 0
        self.resets = 0
        self.ui_enabled = False
        self.requests = 0
        self.log_lines: collections.deque[str] = collections.deque(maxlen=100)
        self._closing = asyncio.Event()
        self._unhang = asyncio.Event()
        super().__init__(opts)
        self.groups = self._fresh_groups()
        self.add_log("System", "Boot up.")
        self.rtsp = SercommRtsp(self) if opts.rtsp_port is not None else None

    # state -------------------------------------------------------------------------
    def _fresh_groups(self) -> dict[str, dict[str, str]]:
        groups = default_groups(self.model)
        groups["USER"]["admin_name"] = self.username
        groups["USER"]["admin_password"] = self.password
        groups["USER"]["viewer_password"] = self.viewer_password
        return groups

    def factory_reset(self) -> None:
        """Defaults, and the factory account: ``administrator`` with no password."""
        self.groups = default_groups(self.model)
        self.groups["USER"]["admin_name"] = "administrator"
        self.pan = self.tilt = 0
        self.resets += 1
        self.add_log("System", "Reset to factory default.")
        self.config_changed()

    def config_changed(self) -> None:
        """Groups were set, restored or reset: the video and RTSP port follow them."""
        if self.rtsp is not None:
            self.rtsp.groups_changed()

    def now(self) -> float:
        return time.time() + self.clock_offset

    def add_log(self, module: str, message: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.now()))
        self.log_lines.appendleft(f"{stamp} {module}: {message}")

    def g(self, group: str, key: str, default: str = "") -> str:
        return self.groups.get(group, {}).get(key, default)

    @property
    def armed(self) -> bool:
        return self.g("EVENT", "event_trigger") == "1"

    def event_action(self, action: str, setting: str = "event_mt") -> bool:
        items = dict(p.partition(":")[::2] for p in self.g("EVENT", setting).split(";"))
        return items.get(action) == "1"

    def active_window(self) -> int | None:
        if self.g("MOTION", "md_mode") != "1":
            return None
        for i in range(1, 5):
            if self.g("MOTION", f"md_switch{i}") == "1":
                return i
        return None

    def sim_state(self) -> dict[str, Any]:
        return {
            "model": self.model.name,
            "pan": self.pan,
            "tilt": self.tilt,
            "last_preset": self.last_preset,
            "sweeps": self.sweeps,
            "armed": self.armed,
            "motion_enabled": self.g("MOTION", "md_mode") == "1",
            "scene": self.video.scene,
            "moving": self.video.moving(time.time()),
            "motion_events": self.motion_events,
            "notify_calls": self.notify_calls,
            "notify_errors": self.notify_errors,
            "post_calls": self.post_calls,
            "http_url_set": bool(self.g("HTTP_NOTIFY", "http_url")),
            "reboots": self.reboots,
            "resets": self.resets,
            "ui_enabled": self.ui_enabled,
            "requests": self.requests,
            "rtsp": self.rtsp.server.sessions() if self.rtsp and self.rtsp.server else None,
        }

    # pan / tilt --------------------------------------------------------------------
    def move_to(self, pan: int, tilt: int) -> None:
        self.pan = max(PAN_LIMIT[0], min(PAN_LIMIT[1], pan))
        self.tilt = max(TILT_LIMIT[0], min(TILT_LIMIT[1], tilt))

    # serving -----------------------------------------------------------------------
    def setup(self) -> None:
        self.app.middlewares.append(self._fault_middleware)
        self.app.middlewares.append(self._auth_middleware)
        self.app.on_shutdown.append(self._on_shutdown)
        self.app.cleanup_ctx.append(self._motion_ctx)
        SercommRoutes(self).add(self.app)
        MediaRoutes(self).add(self.app)
        StreamRoutes(self).add(self.app)
        NetworkRoutes(self).add(self.app)

    async def start(self) -> str:
        url = await super().start()
        if self.rtsp is not None:
            await self.rtsp.start(self.opts.rtsp_port or 0)
        return url

    async def stop(self) -> None:
        if self.rtsp is not None:
            await self.rtsp.stop()
        await super().stop()

    @property
    def rtsp_url(self) -> str | None:
        return self.rtsp.url if self.rtsp is not None else None

    def on_fault(self, name: str, on: bool) -> None:
        if name == "hang" and not on:
            self._unhang.set()
            self._unhang = asyncio.Event()

    async def _on_shutdown(self, app: web.Application) -> None:
        self._closing.set()
        self._unhang.set()

    @property
    def closing(self) -> asyncio.Event:
        return self._closing

    @web.middleware
    async def _fault_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/__sim/"):
            return await handler(request)
        self.requests += 1
        if self.fault("offline"):
            _abort(request)
            raise web.HTTPServiceUnavailable()
        if self.fault("hang"):
            await self._unhang.wait()
            if self._closing.is_set():
                _abort(request)
                raise web.HTTPServiceUnavailable()
        if self.fault("slow"):
            await asyncio.sleep(self.slow_seconds)
        if self.fault("drop"):
            resp = web.StreamResponse(headers={"Content-Length": "4096"})
            resp.content_type = "text/plain"
            await resp.prepare(request)
            await resp.write(b"[SYS")
            _abort(request)
            return resp
        return await handler(request)

    def role_of(self, request: web.Request) -> Role | None:
        """Who the request's basic credentials belong to, None when refused."""
        if self.fault("bad-auth"):
            return None
        if self.g("USER", "login_check") == "0":
            return "admin"
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        users = self.groups["USER"]
        if user == users["admin_name"] and password == users["admin_password"]:
            return "admin"
        if users["viewer_name"] and (user, password) == (
            users["viewer_name"],
            users["viewer_password"],
        ):
            return "viewer"
        return None

    @web.middleware
    async def _auth_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/__sim/"):
            return await handler(request)
        role = self.role_of(request)
        if role is None or (role == "viewer" and not self._viewer_may(request.path)):
            return web.Response(
                status=401,
                text="401 Unauthorized",
                headers={"WWW-Authenticate": REALM},
            )
        request[ROLE] = role
        return await handler(request)

    def _viewer_may(self, path: str) -> bool:
        if path.startswith("/pt/"):
            return self.g("USER", "pt_ctrl").split(",")[0] == "1"
        return path.startswith(("/img/", "/util/", "/io/"))

    # motion ------------------------------------------------------------------------
    async def _motion_ctx(self, app: web.Application) -> AsyncIterator[None]:
        self._closing.clear()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            task = asyncio.create_task(self._watch_motion(http), name="sercomm-motion")
            yield
            await cancel_and_wait(task)

    async def _watch_motion(self, http: aiohttp.ClientSession) -> None:
        last_fired: float | None = None
        while not self._closing.is_set():
            now = time.time()
            window = self.active_window()
            detecting = (
                self.armed
                and window is not None
                and not self.fault("offline")
                and self.video.moving(now)
            )
            if not detecting:
                last_fired = None
            else:
                every = max(self.retrigger, float(self.g("EVENT", "event_interval", "0") or 0))
                if last_fired is None or now - last_fired >= every:
                    last_fired = now
                    await self._fire_motion(http, window or 1)
            await asyncio.sleep(0.1)

    async def _fire_motion(self, http: aiohttp.ClientSession, window: int) -> None:
        self.motion_events += 1
        name = self.g("MOTION", f"md_name{window}", f"Window {window}")
        self.add_log("MOTION", f"Motion detected in {name}.")
        if self.event_action("httpn"):
            await self._notify(http, window)
        if self.event_action("httppost") and self.g("HTTP_EVENT", "http_event_en") == "1":
            await self._post_event(http)

    async def _notify(self, http: aiohttp.ClientSession, window: int) -> None:
        url = self.g("HTTP_NOTIFY", "http_url")
        if self.g("HTTP_NOTIFY", "http_notify") != "1" or not url:
            return
        if self.g("HTTP_NOTIFY", "event_data_flag") == "1":
            params = {
                "event": "motion",
                "camera": self.g("SYSTEM", "host_name"),
                "window": str(window),
                "time": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.now())),
            }
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        user = self.g("HTTP_NOTIFY", "http_user")
        headers = _basic(user, self.g("HTTP_NOTIFY", "http_password"))
        method = "GET" if self.g("HTTP_NOTIFY", "http_method") != "0" else "POST"
        try:
            async with http.request(method, url, headers=headers) as resp:
                await resp.read()
                ok = resp.status < 400
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.debug("sercomm notify failed: %s", type(exc).__name__)
            ok = False
        if ok:
            self.notify_calls += 1
            self.add_log("HTTP", "Notification sent.")
        else:
            self.notify_errors += 1
            self.add_log("HTTP", "Notification failed.")

    async def _post_event(self, http: aiohttp.ClientSession) -> None:
        url = self.g("HTTP_EVENT", "http_post_url")
        if self.g("HTTP_EVENT", "http_post_en") != "1" or not url:
            return
        user = self.g("HTTP_EVENT", "http_post_user")
        headers = _basic(user, self.g("HTTP_EVENT", "http_post_pass"))
        headers["Content-Type"] = "image/jpeg"
        jpeg = await asyncio.to_thread(self.video.frame, None, 640, 480, 70)
        try:
            async with http.post(url, data=jpeg, headers=headers) as resp:
                await resp.read()
                if resp.status < 400:
                    self.post_calls += 1
        except (aiohttp.ClientError, TimeoutError, ValueError):
            self.add_log("HTTP", "Event post failed.")


def _basic(user: str, password: str) -> dict[str, str]:
    if not user:
        return {}
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def _abort(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.abort()
