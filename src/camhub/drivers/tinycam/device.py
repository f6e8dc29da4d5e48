"""The ``tinycam`` driver: a tinyCam Monitor PRO web server as one device.

The server is configured once; its cameras become child devices named
``<server>.<camera slug>`` (see :mod:`camhub.drivers.tinycam.camera`), re-read from
``get_cam_list`` on every poll, so cameras added or removed in the app appear and
disappear. Unchanged cameras keep the same child object. The server's poll also
reports recorded events (see :mod:`camhub.drivers.tinycam.events`).

Options (``options:`` in the device config): ``auth`` = ``token`` (default; falls
back to basic auth on servers without ``/api/v1/login``) or ``basic``;
``ptz_move_seconds`` = how long a camera's ``ptz_move`` / ``ptz_step`` runs before
it is stopped (0.5; 0 to 10). ``tls: true`` in the device config: the server's HTTPS
option, whose self-signed certificate is accepted.

A poll reads the camera list and the global status at once, then the cameras' event
lists, a few at a time (:data:`EVENT_READS_AT_ONCE`), so a server with many cameras
still answers within the coordinator's deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import Any, ClassVar
from urllib.parse import urlencode

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext, EventIn, HttpSource, slugify
from camhub.drivers.tinycam.camera import TinyCamCamera
from camhub.drivers.tinycam.events import EventTracker
from camhub.drivers.tinycam.protocol import CameraInfo, EventRecord, TinyCamApi
from camhub.drivers.tinycam.transport import AuthMode, TinyCamTransport
from camhub.errors import CamhubError, DeviceError, InvalidArgument

log = logging.getLogger(__name__)

DEFAULT_PORT = 8083
DEFAULT_PTZ_MOVE_SECONDS = 0.5
EVENT_READS_AT_ONCE = 4
# tinyCam's event kinds (the "motion" field) that camhub names otherwise; the vendor's
# word stays in the event's data as "vendorType".
EVENT_TYPES = {"audio": "sound"}
STREAM_PROFILES = {0: "main", 1: "sub", 2: "auto"}
ON_OFF_SETTINGS = {
    "backgroundMode": "root.BackgroundMode",
    "powerSafeMode": "root.PowerSafeMode",
    "notifications": "root.Notifications",
}
RAW_PREFIXES = ("/api/v1/", "/axis-cgi/", "/param.cgi")


@register("tinycam")
class TinyCamServer(Device):
    kind: ClassVar[str] = "tinycam"
    poll_interval: ClassVar[float] = 10.0

    @classmethod
    def default_capabilities(cls) -> set[Capability]:
        return {
            Capability.CHILDREN,
            Capability.EVENTS,
            Capability.REBOOT,
            Capability.RAW,
            Capability.SETTINGS,
        }

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self.model = config.model or "tinyCam Monitor"
        scheme = "https" if config.tls else "http"
        base_url = f"{scheme}://{config.host}:{config.port or DEFAULT_PORT}"
        password = ctx.password
        if password is None and config.password is not None:
            password = config.password.get_secret_value()
        mode: AuthMode = "basic" if config.options.get("auth") == "basic" else "token"
        self.transport = TinyCamTransport(
            ctx.http,
            base_url,
            ctx.username or config.username or "admin",
            password or "",
            config.name,
            timeout=config.timeout,
            mode=mode,
        )
        self.api = TinyCamApi(self.transport)
        self.tracker = EventTracker()
        self.ptz_move_seconds = _ptz_move_seconds(config)
        self.presets_lock = asyncio.Lock()  # the preset names file is per server
        # The error of the last connect/poll; None once one succeeded. Children read it.
        self.failure: CamhubError | None = None
        self._children: dict[int, TinyCamCamera] = {}

    # lifecycle ---------------------------------------------------------------------------
    async def connect(self) -> None:
        try:
            await self.transport.login()
            self._sync(await self.api.cam_list())
        except CamhubError as exc:
            self.failure = exc
            raise

    async def close(self) -> None:
        with contextlib.suppress(DeviceError):
            await self.transport.logout()

    async def list_children(self) -> list[Device]:
        return list(self._children.values())

    async def poll(self) -> dict[str, Any]:
        try:
            state = await self._poll()
        except BaseException as exc:  # also cancelled by the coordinator's deadline
            self.failure = (
                exc
                if isinstance(exc, CamhubError)
                else DeviceError(f"{self.name}: the last poll did not finish", device=self.name)
            )
            raise
        self.failure = None
        return state

    async def _poll(self) -> dict[str, Any]:
        # Both at once (they share one login: the transport serialises it); both are
        # awaited to the end, then the first failure is raised.
        cams, status = await asyncio.gather(
            self.api.cam_list(), self._status(), return_exceptions=True
        )
        for result in (cams, status):
            if isinstance(result, BaseException):
                raise result
        assert isinstance(cams, list) and isinstance(status, dict)
        self._sync(cams)
        moving = status.get("motionCameras")
        if isinstance(moving, list):
            for child in self._children.values():
                child.motion = child.info.name in moving
        await self._report_events([c for c in self._children.values() if c.info.enabled])
        self.state = {
            "access": self.transport.access,
            "auth": self.transport.mode,
            "children": [c.name for c in self._children.values()],
            "cameras": [
                {"id": c.info.id, "name": c.info.name, "device": c.name, "enabled": c.info.enabled}
                for c in self._children.values()
            ],
            "settings": self._settings_from(status) if status else None,
            "liveConnections": status.get("liveConnections"),
            "uptimeMs": status.get("uptime"),
            "batteryLevel": status.get("batteryLevel"),
        }
        return self.state

    def _sync(self, cams: list[CameraInfo]) -> None:
        """Children in step with the camera list; unchanged ones are kept as they are."""
        children: dict[int, TinyCamCamera] = {}
        for index, info in enumerate(cams, start=1):
            name = f"{self.name}.{slugify(info.name) or f'camera-{info.id}'}"
            if any(c.name == name for c in children.values()):
                name = f"{name}-{info.id}"
            child = self._children.get(info.id)
            if child is not None and child.name == name:
                child.update(info, index)
            else:
                child = TinyCamCamera(self, info, name, index)
            children[info.id] = child
        for cid, gone in self._children.items():
            if children.get(cid) is not gone:
                gone.removed = True
        self._children = children
        self.tracker.forget(set(children))

    async def _status(self) -> dict[str, Any]:
        """Global status, or {} for a guest account (get_status is admin only)."""
        if self.transport.access == "guest":
            return {}
        try:
            return await self.api.status()
        except DeviceError as exc:
            if exc.code != 403:
                raise
            self.transport.access = "guest"
            return {}

    async def _report_events(self, cameras: list[TinyCamCamera]) -> None:
        """New events of these cameras, read a few cameras at a time, reported oldest
        first. Events of the cameras read are reported even when another camera's read
        failed; that failure is raised afterwards (its cursor did not move)."""
        gate = asyncio.Semaphore(EVENT_READS_AT_ONCE)

        async def fetch(cid: int, count: int, endtime: int | None) -> list[EventRecord]:
            return await self.api.events(cid, count=count, endtime=endtime)

        async def read(child: TinyCamCamera) -> list[EventRecord]:
            async with gate:
                return await self.tracker.new_events(child.info.id, fetch)

        results = await asyncio.gather(*(read(c) for c in cameras), return_exceptions=True)
        fresh: list[tuple[EventRecord, TinyCamCamera]] = []
        failure: BaseException | None = None
        for child, result in zip(cameras, results, strict=True):
            if isinstance(result, BaseException):
                removed = isinstance(result, DeviceError) and result.code == 404
                if not removed and failure is None:  # 404: removed since the list
                    failure = result
                continue
            fresh.extend((e, child) for e in result)
        fresh.sort(key=lambda pair: pair[0].time)
        for e, child in fresh:
            self.ctx.emit(
                EventIn(
                    EVENT_TYPES.get(e.kind, e.kind),
                    {
                        "camera": child.name,
                        "cameraId": child.info.id,
                        "vendorType": e.kind,
                        "video": e.video,
                        "image": e.image,
                        "file": EventRecord.file_of(e.video),
                        "duration": e.duration,
                    },
                    e.time,
                    device=child.name,
                )
            )
        if failure is not None:
            raise failure

    # media for children ----------------------------------------------------------------------
    async def media_source(self, path: str, params: dict[str, Any]) -> HttpSource:
        """A URL a stream reader can open as is: token in the query, or basic auth.

        Called on every (re)connect of a stream, so it first makes one cheap
        authenticated call: a token the server has forgotten is replaced here rather
        than handed to the reader again.
        """
        if self.transport.mode == "token":
            self.api.check(await self.transport.request("/api/v1/get_cam_list"), "get_cam_list")
        query = urlencode({**params, **self.transport.auth_params()})
        return HttpSource(
            url=f"{self.transport.base_url}{path}?{query}",
            headers=self.transport.auth_headers(),
        )

    # settings, reboot, raw --------------------------------------------------------------
    @staticmethod
    def _settings_from(status: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {k: status.get(k) for k in ON_OFF_SETTINGS}
        out["streamProfile"] = STREAM_PROFILES.get(status.get("streamProfile", -1))
        return out

    async def get_settings(self) -> dict[str, Any]:
        return self._settings_from(await self.api.status())

    async def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """``backgroundMode``, ``powerSafeMode``, ``notifications`` (bool; with
        ``tag`` for notifications) and ``streamProfile`` (main, sub, auto)."""
        errors: list[str] = []
        params: list[dict[str, str]] = []
        for key, value in changes.items():
            if key in ON_OFF_SETTINGS:
                if not isinstance(value, bool):
                    errors.append(f"{key}: must be true or false")
                    continue
                p = {"action": "update", ON_OFF_SETTINGS[key]: "on" if value else "off"}
                if key == "notifications" and isinstance(changes.get("tag"), str):
                    p["tag"] = changes["tag"]
                params.append(p)
            elif key == "streamProfile":
                if value not in STREAM_PROFILES.values():
                    errors.append("streamProfile: must be main, sub or auto")
                    continue
                params.append({"action": "update", "root.StreamProfile": value})
            elif key == "tag":
                if "notifications" not in changes:
                    errors.append("tag: only with notifications")
            else:
                errors.append(f"{key}: unknown setting")
        if errors:
            raise InvalidArgument("Invalid settings", errors=errors)
        for p in params:
            await self.api.command("/param.cgi", p)
        return await self.get_settings()

    async def reboot(self) -> None:
        await self.api.command("/axis-cgi/admin/restart.cgi")
        self.transport.token = None  # the app restarts and forgets its tokens

    async def raw(self, request: Any) -> Any:
        """``{"path": "/api/v1/get_status", "params": {...}}``: JSON data, or text."""
        if not isinstance(request, dict) or not isinstance(request.get("path"), str):
            raise InvalidArgument("raw needs {path, params}", errors=["path: required"])
        path, params = request["path"], request.get("params") or {}
        if not path.startswith(RAW_PREFIXES) or ".." in path or not isinstance(params, dict):
            raise InvalidArgument("path must be a tinyCam API path", errors=["path: not allowed"])
        reply = self.api.check(await self.transport.request(path, params), path)
        body = reply.json()
        if body is not None and reply.content_type == "application/json":
            return body
        return reply.body.decode("utf-8", "replace")


def _ptz_move_seconds(config: DeviceConfig) -> float:
    """The ``ptz_move_seconds`` option; the default, with a warning, when unusable."""
    raw = config.options.get("ptz_move_seconds", DEFAULT_PTZ_MOVE_SECONDS)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
        if math.isfinite(value) and 0 <= value <= 10:
            return value
    log.warning(
        "%s: options.ptz_move_seconds must be a number of seconds within 0..10; using %g",
        config.name,
        DEFAULT_PTZ_MOVE_SECONDS,
    )
    return DEFAULT_PTZ_MOVE_SECONDS
