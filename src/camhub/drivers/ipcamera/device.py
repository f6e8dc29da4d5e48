"""The ``ipcamera`` device: an Android phone running the "IP Camera" app.

State comes from ``GET /status`` (polled) and from the WebSocket (``settings``,
``status``, ``capabilitiesChanged``, ``license:changed``, ``rtsp_status``,
``mqtt_status``), which updates it between polls:

- ``light``: the phone's torch (``torchEnabled``), ``{on, mode: "torch"}``;
- ``motion_detection``: ``motionEnabled``, and ``motionSensitivity`` (the app's 1..10)
  in percent (x 10);
- ``vendor``: ``streaming``, ``cameraRunning``, ``clients``, ``wsClients``,
  ``hardware`` (``GET /capabilities``: camera ids, resolutions, frame rates), ``pro``
  (the license), ``rtsp`` / ``mqtt`` (their last status messages) and ``settings``
  (resolution, frame rate, JPEG quality, camera, rotation, audio, sound detection,
  RTSP and MQTT switches), and with the ``mqtt`` option ``mqtt_events`` (broker, topic,
  whether camhub is subscribed now).

Detection events arrive over the WebSocket (``detection_frame`` repeats what
``object_detected`` reports, frame by frame, and is not an event) and, with the ``mqtt``
option (:mod:`.options`), from the broker the phone's own MQTT client publishes to
(:mod:`.mqtt`): the same message, so an event both bring is kept once. After a
reconnection of either, the app's event history fills what was missed. The app's word
for each is kept as ``vendor_type`` (its event-history names: ``MOTION``, ``DOG_BARK``...).
The app has no HTTP audio endpoint (two-way audio is WebSocket-only), so ``audio`` is
not offered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Coroutine
from typing import Any

from camhub.capabilities import (
    DeviceState,
    HttpSource,
    LightState,
    MotionDetectionState,
    RtspSource,
    State,
)
from camhub.clock import now_ms
from camhub.config import DeviceConfig
from camhub.drivers.base import Device, DeviceContext, EventIn
from camhub.drivers.ipcamera.events import EventFeed
from camhub.drivers.ipcamera.mqtt import MqttFeed, subscribe
from camhub.drivers.ipcamera.options import IpCameraOptions
from camhub.drivers.ipcamera.protocol import expect_dict
from camhub.drivers.ipcamera.settings import settings_schema
from camhub.drivers.ipcamera.transport import IpCameraTransport
from camhub.drivers.registry import register
from camhub.errors import CamhubError, DeviceError, InvalidArgument, MalformedReply

log = logging.getLogger(__name__)

DEFAULT_PORT = 8443
TORCH = "torch"  # the light's one mode
LEVELS = 10  # motionSensitivity is 1..LEVELS
# settings shown under vendor.settings (the torch and motion ones have their capability)
VENDOR_SETTINGS = (
    "resolution", "frameRate", "jpegQuality", "cameraId", "rotation",
    "audioEnabled", "soundEnabled", "rtspEnabled", "mqttEnabled",
)  # fmt: skip
CAPABILITY_SETTINGS = ("torchEnabled", "motionEnabled", "motionSensitivity")
STATUS_KEYS = ("streaming", "cameraRunning", "clients", "wsClients")
# the app's event-history type -> camhub's event type
HISTORY_TYPES = {
    "MOTION": "motion",
    "ANY_SOUND": "sound",
    "DOG_BARK": "sound",
    "BABY_CRY": "baby_cry",
    "OBJECT_PERSON": "person",
    "OBJECT_DOG": "pet",
}
# WebSocket message -> the app's event-history type (object_detected: by objectClass)
WS_TYPES = {
    "motion_detected": "MOTION",
    "sound_detected": "ANY_SOUND",
    "sound_classified": "DOG_BARK",
    "baby_cry_classified": "BABY_CRY",
}
# detected objects beyond the documented person and dog
OBJECT_TYPES = {"cat": "pet", "car": "vehicle", "truck": "vehicle", "face": "face"}
_EVENT_META = {"type", "timestamp", "eventKind"}
HARDWARE_KEYS = ("cameraIds", "resolutions", "frameRates", "maxFrameRate")


def _event_type(vendor_type: str) -> str:
    known = HISTORY_TYPES.get(vendor_type)
    if known is not None:
        return known
    thing = vendor_type.removeprefix("OBJECT_").lower()
    return OBJECT_TYPES.get(thing, "other")


def _percent(level: Any) -> int | None:
    if isinstance(level, int) and not isinstance(level, bool) and 1 <= level <= LEVELS:
        return level * 100 // LEVELS
    return None


def _level(percent: int) -> int:
    """Percent 1..100 as the app's 1..10 (nearest, halves up, at least 1)."""
    return max(1, min(LEVELS, (percent * LEVELS + 50) // 100))


@register("ipcamera")
class IpCameraDevice(Device):
    kind = "ipcamera"
    poll_interval = 15.0
    options_model = IpCameraOptions

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
        # what the app last told, by source
        self._settings: dict[str, Any] = {}
        self._status: dict[str, Any] = {}
        self._hardware: dict[str, Any] = {}
        self._pro: bool | None = None
        self._services: dict[str, dict[str, Any]] = {}  # rtsp / mqtt status messages
        self.mqtt_feed: MqttFeed | None = None  # events from the phone's broker (option)

    # lifecycle ------------------------------------------------------------------------
    async def connect(self) -> None:
        await self.transport.login()
        await self._refresh_hardware()
        await self.poll()
        self.feed.start()
        await self._start_mqtt()

    async def _start_mqtt(self) -> None:
        """With the ``mqtt`` option: subscribe to the phone's events on its broker."""
        opts = self.options.mqtt if isinstance(self.options, IpCameraOptions) else None
        if opts is not None and self.mqtt_feed is None:
            sub = await subscribe(opts, self.transport)
            if sub is not None:
                self.mqtt_feed = MqttFeed(
                    sub, self.name, self._on_detection, self._catch_up, self._mqtt_changed
                )
        if self.mqtt_feed is not None:
            self.mqtt_feed.start()

    def _mqtt_changed(self) -> None:
        self._changed()
        self.ctx.on_state()

    @property
    def _ws_events(self) -> bool:
        """Whether the WebSocket's detection messages are events (not with ``events: mqtt``)."""
        opts = self.options.mqtt if isinstance(self.options, IpCameraOptions) else None
        return opts is None or opts.events == "both" or self.mqtt_feed is None

    async def close(self) -> None:
        await self.feed.stop()
        if self.mqtt_feed is not None:
            await self.mqtt_feed.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(CamhubError):
            await self.transport.logout()

    async def poll(self) -> DeviceState:
        status = expect_dict(await self.transport.request("GET", "/status"), "status", self.name)
        self._take_status(status)
        return self._typed()

    def _typed(self) -> DeviceState:
        """The state from what the app last told."""
        s = self._settings
        values: list[State] = []
        if "torchEnabled" in s:
            values.append(LightState(on=bool(s["torchEnabled"]), mode=TORCH, modes=[TORCH]))
        if "motionEnabled" in s:
            values.append(
                MotionDetectionState(
                    enabled=bool(s["motionEnabled"]),
                    sensitivity=_percent(s.get("motionSensitivity")),
                )
            )
        vendor: dict[str, Any] = dict(self._status)
        vendor["settings"] = {k: s[k] for k in VENDOR_SETTINGS if k in s}
        if self._hardware:
            vendor["hardware"] = dict(self._hardware)
        if self._pro is not None:
            vendor["pro"] = self._pro
        vendor |= {name: dict(status) for name, status in self._services.items()}
        if self.mqtt_feed is not None:
            sub = self.mqtt_feed.sub
            vendor["mqtt_events"] = {"broker": sub.broker, "topic": sub.topic,
                                     "connected": self.mqtt_feed.connected.is_set()}  # fmt: skip
        return DeviceState.of(*values, vendor=vendor)

    def _changed(self) -> None:
        """Bring ``self.state`` in step with what the app told (between polls too)."""
        fresh = self._typed()
        self.state.set(*fresh)
        self.state.vendor = fresh.vendor

    async def _refresh_hardware(self) -> None:
        caps = expect_dict(
            await self.transport.request("GET", "/capabilities"), "capabilities", self.name
        )
        self._take_hardware(caps)

    def _take_hardware(self, caps: dict[str, Any]) -> None:
        self._hardware = {k: caps[k] for k in HARDWARE_KEYS if k in caps}
        self._changed()

    def _take_status(self, status: dict[str, Any]) -> None:
        self._status |= {k: status[k] for k in STATUS_KEYS if k in status}
        settings = status.get("settings")
        if isinstance(settings, dict):
            self._take_settings(settings)
        else:
            self._changed()

    def _take_settings(self, settings: dict[str, Any]) -> None:
        keys = (*VENDOR_SETTINGS, *CAPABILITY_SETTINGS)
        self._settings |= {k: settings[k] for k in keys if k in settings}
        self._take_license(settings.get("license"))

    def _take_license(self, lic: Any) -> None:
        if isinstance(lic, dict) and isinstance(lic.get("isPro"), bool):
            self._pro = lic["isPro"]
        self._changed()

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
            service = str(kind).split("_")[0]
            self._services[service] = {k: v for k, v in data.items() if k != "type"}
            self._changed()
            self.ctx.on_state()
        elif self._ws_events:
            self._on_detection(data)

    def _on_detection(self, data: dict[str, Any]) -> None:
        """A detection message (WebSocket or MQTT: the same JSON) as an event."""
        kind = data.get("type")
        if kind in WS_TYPES or kind == "object_detected":
            vendor_type = WS_TYPES.get(str(kind))
            if vendor_type is None:
                obj = data.get("objectClass")
                thing = obj.upper() if isinstance(obj, str) and obj else "UNKNOWN"
                vendor_type = f"OBJECT_{thing[:32]}"
            fields = {k: v for k, v in data.items() if k not in _EVENT_META}
            self._emit(vendor_type, fields, data.get("timestamp"))

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

    def event_types(self) -> frozenset[str]:
        return frozenset({*HISTORY_TYPES.values(), *OBJECT_TYPES.values(), "other"})

    def _emit(self, vendor_type: str, fields: dict[str, Any], ts: Any) -> None:
        stamp = ts if isinstance(ts, int) and not isinstance(ts, bool) and ts > 0 else now_ms()
        key = (fields.get("eventId"), stamp)
        if key in self._seen:
            return
        self._seen.append(key)
        self._last_event_ms = max(self._last_event_ms, stamp)
        data = {**fields, "vendor_type": vendor_type}
        self.ctx.emit(EventIn(_event_type(vendor_type), data, stamp))

    async def _catch_up(self) -> None:
        """Back on the WebSocket: emit the stored events it missed while away."""
        if not self._last_event_ms:
            return  # nothing seen yet: do not replay the camera's whole history
        answer = await self.transport.request(
            "GET", "/events", params={"since": str(self._last_event_ms), "limit": "1000"}
        )
        events = expect_dict(answer, "events", self.name).get("events")
        if not isinstance(events, list):
            raise MalformedReply(self.name, "events")
        for event in events:
            if not isinstance(event, dict) or event.get("type") not in HISTORY_TYPES:
                continue
            fields = {k: v for k, v in event.items() if k not in ("id", "type", "timestamp")}
            self._emit(event["type"], fields, event.get("timestamp"))

    # capabilities -----------------------------------------------------------------------
    async def snapshot(self) -> bytes:
        jpeg = await self.transport.request_bytes("/snapshot")
        if not jpeg.startswith(b"\xff\xd8"):
            raise DeviceError(f"{self.name}: snapshot is not a JPEG", device=self.name)
        return jpeg

    async def stream_source(self) -> HttpSource | RtspSource:
        """The phone's H.264 over RTSP while its RTSP server runs, else its MJPEG."""
        await self.poll()  # proves the token still works (logs in again if not)
        rtsp = await self._rtsp_status()
        if rtsp is not None:
            return rtsp
        token = await self.transport.ensure_token()
        return HttpSource(url=f"{self.transport.base_url}/stream?token={token}", verify_tls=False)

    async def _rtsp_status(self) -> RtspSource | None:
        """``GET /api/rtsp/status``: the RTSP URL when the server is enabled and running."""
        status = expect_dict(
            await self.transport.request("GET", "/api/rtsp/status"), "rtsp status", self.name
        )
        port, path = status.get("port"), status.get("path")
        if not (status.get("enabled") is True and status.get("running") is True):
            return None
        if not isinstance(port, int) or isinstance(port, bool) or not isinstance(path, str):
            raise MalformedReply(self.name, "rtsp status without port and path")
        account = self.options.rtsp if isinstance(self.options, IpCameraOptions) else None
        url = f"rtsp://{self.config.host}:{port}/{path.lstrip('/')}"
        if account is None:
            return RtspSource(url)
        return RtspSource(url, account.username, account.password.get_secret_value())

    async def get_settings(self) -> dict[str, Any]:
        settings = expect_dict(
            await self.transport.request("GET", "/settings"), "settings", self.name
        )
        self._take_settings(settings)
        return settings

    async def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Sent as is: the app checks them (its errors come back as InvalidArgument)."""
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

    def settings_schema(self) -> dict[str, Any]:
        return settings_schema(self._hardware)

    async def set_light(self, on: bool, mode: str | None = None) -> None:
        """The torch. Set, never toggle: ``POST /torch`` flips the torch, so two commands
        at once would cancel out; the ``torchEnabled`` setting is idempotent."""
        if mode not in (None, TORCH):
            raise InvalidArgument("the light's only mode is torch", ["mode: must be torch"])
        settings = await self.update_settings({"torchEnabled": on})
        if settings.get("torchEnabled") is not on:
            raise DeviceError(f"{self.name}: the torch did not switch", device=self.name)

    async def set_motion_detection(self, enabled: bool | None, sensitivity: int | None) -> None:
        """``motionEnabled``; the sensitivity (percent) as the app's 1..10."""
        changes: dict[str, Any] = {}
        if enabled is not None:
            changes["motionEnabled"] = enabled
        if sensitivity is not None:
            if not 1 <= sensitivity <= 100:
                raise InvalidArgument("sensitivity: 1-100", ["sensitivity: 1-100"])
            changes["motionSensitivity"] = _level(sensitivity)
        if changes:
            await self.update_settings(changes)

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
