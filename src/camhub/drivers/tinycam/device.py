"""The ``tinycam`` driver: a tinyCam Monitor PRO web server as one device.

The server is configured once; its cameras become child devices named
``<server>.<camera slug>`` (:mod:`camhub.drivers.tinycam.camera`), re-read from
``get_cam_list`` on every poll, so cameras added or removed in the app appear and
disappear. Unchanged cameras keep the same child object. Each camera reaches the
server through its own narrow port (:mod:`camhub.drivers.tinycam.port`). The server's
poll also reports the cameras' recorded events (:mod:`camhub.drivers.tinycam.events`),
under each camera's name.

Capabilities: children, events, settings (:mod:`.settings`), reboot and raw; a guest
account keeps children, events and raw (settings and reboot need tinyCam's admin).
State: ``vendor`` only (``access``, ``auth``, ``cameras``, ``liveConnections``,
``uptimeMs``, ``batteryLevel``); the hub fills ``children`` and ``events``.

Options: :class:`~camhub.drivers.tinycam.settings.TinyCamOptions` (``auth``,
``ptz_move_seconds``). ``tls: true`` in the device config: the server's HTTPS
option, whose self-signed certificate is accepted.

A poll reads the camera list and the global status at once, then the cameras' event
lists, a few at a time (:data:`EVENT_READS_AT_ONCE`), so a server with many cameras
still answers within the coordinator's deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from typing import Any, ClassVar

from camhub.capabilities import Capability, DeviceState, implemented
from camhub.config import DeviceConfig
from camhub.drivers.base import Device, DeviceContext, EventIn, slugify
from camhub.drivers.registry import options_of, register
from camhub.drivers.tinycam.camera import EVENT_TYPES, TinyCamCamera, event_type
from camhub.drivers.tinycam.events import EventTracker
from camhub.drivers.tinycam.port import CameraPort, ServerLink
from camhub.drivers.tinycam.presets import PresetNames
from camhub.drivers.tinycam.protocol import CameraInfo, EventRecord, TinyCamApi
from camhub.drivers.tinycam.settings import (
    ServerSettings,
    TinyCamOptions,
    read_settings,
    settings_params,
)
from camhub.drivers.tinycam.transport import TinyCamTransport
from camhub.errors import CamhubError, DeviceError, InvalidArgument

log = logging.getLogger(__name__)

DEFAULT_PORT = 8083
EVENT_READS_AT_ONCE = 4
RAW_PREFIXES = ("/api/v1/", "/axis-cgi/", "/param.cgi")
ADMIN_ONLY = frozenset({Capability.SETTINGS, Capability.REBOOT})


@register("tinycam")
class TinyCamServer(Device):
    kind: ClassVar[str] = "tinycam"
    poll_interval: ClassVar[float] = 10.0
    options_model = TinyCamOptions

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self._options = options_of(self, TinyCamOptions)
        self.model = config.model or "tinyCam Monitor"
        scheme = "https" if config.tls else "http"
        base_url = f"{scheme}://{config.host}:{config.port or DEFAULT_PORT}"
        password = ctx.password
        if password is None and config.password is not None:
            password = config.password.get_secret_value()
        self.transport = TinyCamTransport(
            ctx.http,
            base_url,
            ctx.username or config.username or "admin",
            password or "",
            config.name,
            timeout=config.timeout,
            mode=self._options.auth,
        )
        self.api = TinyCamApi(self.transport)
        self.tracker = EventTracker()
        presets = PresetNames(ctx.data_dir / f"tinycam-presets-{self.name}.json")
        self.link = ServerLink(self.name, self.api, self._options.ptz_move_seconds, presets)
        self._children: dict[int, TinyCamCamera] = {}

    @property
    def options(self) -> TinyCamOptions:
        return self._options

    # lifecycle ---------------------------------------------------------------------------
    async def connect(self) -> None:
        try:
            await self.transport.login()
            self._sync(await self.api.cam_list())
        except CamhubError as exc:
            self.link.failure = exc
            raise
        self._narrow()

    def _narrow(self) -> None:
        """Settings and reboot need tinyCam's admin."""
        caps = implemented(type(self))
        self.capabilities = caps - ADMIN_ONLY if self.transport.access == "guest" else caps

    async def close(self) -> None:
        with contextlib.suppress(DeviceError):
            await self.transport.logout()

    async def list_children(self) -> list[Device]:
        return list(self._children.values())

    def event_types(self) -> frozenset[str]:
        return frozenset({*EVENT_TYPES.values(), "other"})

    async def poll(self) -> DeviceState:
        try:
            state = await self._poll()
        except BaseException as exc:  # also cancelled by the coordinator's deadline
            self.link.failure = (
                exc
                if isinstance(exc, CamhubError)
                else DeviceError(f"{self.name}: the last poll did not finish", device=self.name)
            )
            raise
        self.link.failure = None
        return state

    async def _poll(self) -> DeviceState:
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
        moving = status.get("motionCameras")  # absent for a guest
        self.link.moving = (
            frozenset(m for m in moving if isinstance(m, str)) if isinstance(moving, list) else None
        )
        await self._report_events([c for c in self._children.values() if c.info.enabled])
        self._narrow()
        return DeviceState.of(
            vendor={
                "access": self.transport.access,
                "auth": self.transport.mode,
                "cameras": [
                    {
                        "id": c.info.id,
                        "name": c.info.name,
                        "device": c.name,
                        "enabled": c.info.enabled,
                    }
                    for c in self._children.values()
                ],
                "liveConnections": status.get("liveConnections"),
                "uptimeMs": status.get("uptime"),
                "batteryLevel": status.get("batteryLevel"),
            }
        )

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
                child = self._camera(info, name, index)
            children[info.id] = child
        for cid, gone in self._children.items():
            if children.get(cid) is not gone:
                gone.remove()
        self._children = children
        self.tracker.forget(set(children))

    def _camera(self, info: CameraInfo, name: str, index: int) -> TinyCamCamera:
        """A new child: the server's config under its own name, the context without
        the server's options, and a port to the server (never the server itself)."""
        config = self.config.model_copy(update={"name": name})
        ctx = dataclasses.replace(self.ctx, options=None)
        return TinyCamCamera(config, ctx, CameraPort(self.link, info.id, index), info)

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
                    event_type(e.kind),
                    {
                        "camera": child.name,
                        "cameraId": child.info.id,
                        "vendor_type": e.kind,
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

    # settings, reboot, raw --------------------------------------------------------------
    async def get_settings(self) -> dict[str, Any]:
        return read_settings(await self.api.status())

    async def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        for params in settings_params(changes):
            await self.api.command("/param.cgi", params)
        return await self.get_settings()

    def settings_schema(self) -> dict[str, Any]:
        return ServerSettings.model_json_schema()

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
