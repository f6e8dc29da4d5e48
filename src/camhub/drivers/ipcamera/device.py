"""The ``ipcamera`` device: an Android phone running the "IP Camera" app.

State comes from ``GET /status`` (polled) and from the WebSocket (``settings``,
``status``, ``capabilitiesChanged`` -> ``state["hardware"]``, ``license:changed`` ->
``state["pro"]``); detection events arrive over the WebSocket only (``detection_frame``
repeats what ``object_detected`` reports, frame by frame, and is not an event). The app has no
HTTP audio endpoint (two-way audio is WebSocket-only), so ``audio`` is not offered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Coroutine
from typing import Any

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext, EventIn, HttpSource, now_ms
from camhub.drivers.ipcamera.events import EventFeed
from camhub.drivers.ipcamera.protocol import expect_dict
from camhub.drivers.ipcamera.transport import IpCameraTransport
from camhub.errors import CamhubError, DeviceError, InvalidArgument

log = logging.getLogger(__name__)

DEFAULT_PORT = 8443
# settings mirrored into the device state
STATE_KEYS = (
    "resolution", "frameRate", "jpegQuality", "cameraId", "rotation", "torchEnabled",
    "audioEnabled", "motionEnabled", "motionSensitivity", "soundEnabled",
    "rtspEnabled", "mqttEnabled",
)  # fmt: skip
# camhub motion_detection keys -> app settings
MOTION_KEYS = {
    "enabled": "motionEnabled",
    "sensitivity": "motionSensitivity",
    "cooldown": "motionCooldown",
}
# WebSocket message -> camhub event type (object_detected uses its objectClass)
EVENT_TYPES = {
    "motion_detected": "motion",
    "sound_detected": "sound",
    "sound_classified": "dog_bark",
    "baby_cry_classified": "baby_cry",
}
# stored event type (GET /events) -> camhub event type
HISTORY_TYPES = {
    "MOTION": "motion",
    "ANY_SOUND": "sound",
    "DOG_BARK": "dog_bark",
    "BABY_CRY": "baby_cry",
    "OBJECT_PERSON": "person",
    "OBJECT_DOG": "dog",
}
_EVENT_META = {"type", "timestamp", "eventKind"}
HARDWARE_KEYS = ("cameraIds", "resolutions", "frameRates", "maxFrameRate")


@register("ipcamera")
class IpCameraDevice(Device):
    kind = "ipcamera"
    poll_interval = 15.0

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        scheme = "http" if config.tls is False else "https"
        base = f"{scheme}://{config.host}:{config.port or DEFAULT_PORT}"
        password = ctx.password
        if password is None and config.password is not None:
            password = config.password.get_secret_value()
        self.transport = IpCameraTransport(ctx.http, base, password, self.name, config.timeout)
        self.feed = EventFeed(self.transport, self._on_message, self._catch_up)
        self._last_event_ms = 0  # newest event emitted
        self._seen: deque[tuple[Any, Any]] = deque(maxlen=512)  # (eventId, timestamp)
        self._tasks: set[asyncio.Task[None]] = set()
        self.model = config.model or "IP Camera"

    @classmethod
    def default_capabilities(cls) -> set[Capability]:
        return {
            Capability.SNAPSHOT,
            Capability.STREAM,
            Capability.SETTINGS,
            Capability.LIGHT,
            Capability.MOTION_DETECTION,
            Capability.EVENTS,
            Capability.RAW,
        }

    # lifecycle ------------------------------------------------------------------------
    async def connect(self) -> None:
        await self.transport.login()
        await self._refresh_hardware()
        await self.poll()
        self.feed.start()

    async def close(self) -> None:
        await self.feed.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(CamhubError):
            await self.transport.logout()

    async def poll(self) -> dict[str, Any]:
        status = expect_dict(await self.transport.request("GET", "/status"), "status", self.name)
        self._take_status(status)
        return dict(self.state)

    async def _refresh_hardware(self) -> None:
        caps = expect_dict(
            await self.transport.request("GET", "/capabilities"), "capabilities", self.name
        )
        self._take_hardware(caps)

    def _take_hardware(self, caps: dict[str, Any]) -> None:
        self.state["hardware"] = {k: caps[k] for k in HARDWARE_KEYS if k in caps}

    def _take_status(self, status: dict[str, Any]) -> None:
        for key in ("streaming", "cameraRunning", "clients", "wsClients"):
            if key in status:
                self.state[key] = status[key]
        settings = status.get("settings")
        if isinstance(settings, dict):
            self._take_settings(settings)

    def _take_settings(self, settings: dict[str, Any]) -> None:
        mirrored = self.state.setdefault("settings", {})
        mirrored.update({k: settings[k] for k in STATE_KEYS if k in settings})
        if "torchEnabled" in settings:
            self.state["torch"] = bool(settings["torchEnabled"])
        self._take_license(settings.get("license"))

    def _take_license(self, lic: Any) -> None:
        if isinstance(lic, dict) and isinstance(lic.get("isPro"), bool):
            self.state["pro"] = lic["isPro"]

    # WebSocket --------------------------------------------------------------------------
    def _on_message(self, data: dict[str, Any]) -> None:
        kind = data.get("type")
        if kind == "settings" and isinstance(data.get("settings"), dict):
            self._take_settings(data["settings"])
            self.ctx.on_state()
        elif kind == "status":
            self._take_status(data)
            self.ctx.on_state()
        elif kind == "capabilitiesChanged":  # another camera (lens) was selected
            caps = data.get("capabilities")
            if isinstance(caps, dict) and any(k in caps for k in HARDWARE_KEYS):
                self._take_hardware(caps)
                self.ctx.on_state()
            else:  # the message names no hardware: ask for it
                self._spawn(self._hardware_changed())
        elif kind == "license:changed":
            self._take_license(data.get("license", data))
            self.ctx.on_state()
        elif kind in ("rtsp_status", "mqtt_status"):
            self.state[str(kind).split("_")[0]] = {k: v for k, v in data.items() if k != "type"}
            self.ctx.on_state()
        elif kind in EVENT_TYPES or kind == "object_detected":
            event_type = EVENT_TYPES.get(str(kind))
            if event_type is None:
                obj = data.get("objectClass")
                event_type = obj.lower() if isinstance(obj, str) and obj else "object"
            fields = {k: v for k, v in data.items() if k not in _EVENT_META}
            self._emit(event_type, fields, data.get("timestamp"))

    async def _hardware_changed(self) -> None:
        try:
            await self._refresh_hardware()
        except CamhubError as exc:
            log.warning("%s: cannot read the new capabilities (%s)", self.name, exc.message)
            return
        self.ctx.on_state()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _emit(self, event_type: str, fields: dict[str, Any], ts: Any) -> None:
        stamp = ts if isinstance(ts, int) and not isinstance(ts, bool) and ts > 0 else now_ms()
        key = (fields.get("eventId"), stamp)
        if key in self._seen:
            return
        self._seen.append(key)
        self._last_event_ms = max(self._last_event_ms, stamp)
        self.ctx.emit(EventIn(event_type, fields, stamp))

    async def _catch_up(self) -> None:
        """Back on the WebSocket: emit the stored events it missed while away."""
        if not self._last_event_ms:
            return  # nothing seen yet: do not replay the camera's whole history
        answer = await self.transport.request(
            "GET", "/events", params={"since": str(self._last_event_ms), "limit": "1000"}
        )
        events = expect_dict(answer, "events", self.name).get("events")
        if not isinstance(events, list):
            raise DeviceError(f"{self.name}: malformed reply to events", device=self.name)
        for event in events:
            if not isinstance(event, dict) or event.get("type") not in HISTORY_TYPES:
                continue
            fields = {k: v for k, v in event.items() if k not in ("id", "type", "timestamp")}
            self._emit(HISTORY_TYPES[event["type"]], fields, event.get("timestamp"))

    # capabilities -----------------------------------------------------------------------
    async def snapshot(self) -> bytes:
        jpeg = await self.transport.request_bytes("/snapshot")
        if not jpeg.startswith(b"\xff\xd8"):
            raise DeviceError(f"{self.name}: snapshot is not a JPEG", device=self.name)
        return jpeg

    async def stream_source(self) -> HttpSource:
        await self.poll()  # proves the token still works (logs in again if not)
        token = await self.transport.ensure_token()
        return HttpSource(url=f"{self.transport.base_url}/stream?token={token}", verify_tls=False)

    async def get_settings(self) -> dict[str, Any]:
        settings = expect_dict(
            await self.transport.request("GET", "/settings"), "settings", self.name
        )
        self._take_settings(settings)
        return settings

    async def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        answer = expect_dict(
            await self.transport.request("POST", "/settings", changes), "settings", self.name
        )
        if answer.get("success") is False:
            errors = answer.get("errors")
            raise InvalidArgument(
                f"{self.name}: invalid settings",
                errors=[str(e) for e in errors] if isinstance(errors, list) else None,
                device=self.name,
            )
        if isinstance(answer.get("settings"), dict):
            self._take_settings(answer["settings"])
            return dict(answer["settings"])
        return await self.get_settings()

    async def set_light(self, on: bool) -> None:
        """Set, never toggle: ``POST /torch`` flips the torch, so two commands at once
        would cancel out; the ``torchEnabled`` setting is idempotent."""
        settings = await self.update_settings({"torchEnabled": on})
        if settings.get("torchEnabled") is not on:
            raise DeviceError(f"{self.name}: the torch did not switch", device=self.name)

    async def get_motion_detection(self) -> dict[str, Any]:
        settings = await self.get_settings()
        return {ours: settings.get(theirs) for ours, theirs in MOTION_KEYS.items()}

    async def set_motion_detection(self, changes: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(changes) - set(MOTION_KEYS))
        if unknown:
            raise InvalidArgument(
                "unknown motion detection keys",
                errors=[f"{k}: Unknown motion detection setting" for k in unknown],
            )
        settings = await self.update_settings({MOTION_KEYS[k]: v for k, v in changes.items()})
        return {ours: settings.get(theirs) for ours, theirs in MOTION_KEYS.items()}

    async def raw(self, request: Any) -> Any:
        """``{"method": "GET", "path": "/status", "body": {...}, "params": {...}}``."""
        if not isinstance(request, dict) or not isinstance(request.get("path"), str):
            raise InvalidArgument("raw request needs a path", errors=["path: required"])
        path = request["path"]
        method = str(request.get("method", "GET")).upper()
        if not path.startswith("/") or method not in ("GET", "POST", "PUT", "DELETE"):
            raise InvalidArgument("bad raw request", errors=["path: must start with /"])
        params = request.get("params")
        return await self.transport.request(
            method, path, request.get("body"), params if isinstance(params, dict) else None
        )
