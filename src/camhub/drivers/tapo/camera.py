"""Tapo camera driver: the device layer (state and capability methods).

Layers: :mod:`.camera_transport` (login, session, encryption) ->
:mod:`.camera_protocol` (multipleRequest, vendor errors) -> this module.

Capabilities: ptz, presets, privacy, led, motion_detection, reboot, events, raw.
``connect()`` probes each optional one once, in one non-strict multipleRequest,
and keeps only those the firmware answers (a model without a motor, lens mask or
LED answers -40210 / -40106 / -40105 to the matching method); ``poll()`` then
reads only what was declared, in one request, and reads the detection log,
emitting each detection once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext, EventIn, PtzDirection
from camhub.drivers.tapo.camera_protocol import (
    NOT_SUPPORTED_CODES,
    Batch,
    CameraProtocol,
    dig,
    malformed,
    section,
)
from camhub.drivers.tapo.camera_transport import CameraTransport
from camhub.errors import DeviceError, InvalidArgument

# ptz_step direction -> movestep angle (0 is pytapo's "clockwise", i.e. right).
STEP_ANGLES: dict[str, int] = {"right": 0, "up": 90, "left": 180, "down": 270}
# camhub sensitivity 1..10 <-> the camera's three levels.
LEVELS = (("low", "20", 3), ("normal", "50", 7), ("high", "80", 10))
LEVEL_TO_SCALE = {"low": 2, "medium": 5, "normal": 5, "high": 8}
# Never read more than this much of the detection log after an outage.
EVENT_WINDOW_S = 10 * 60
# A detection is written to the log when its clip ends, with the clip's start
# time: up to 120 s of clip (pytapo's clip-length bounds) plus a 10 s pre-record
# buffer. Each search reaches this far back before the previous one.
EVENT_LOOKBACK_S = 180

DEVICE_INFO = ("getDeviceInfo", {"device_info": {"name": ["basic_info"]}})
CLOCK = ("getClockStatus", {"system": {"name": "clock_status"}})
PRESETS = ("getPresetConfig", {"preset": {"name": ["preset"]}})
LENS_MASK = ("getLensMaskConfig", {"lens_mask": {"name": ["lens_mask_info"]}})
LED = ("getLedStatus", {"led": {"name": ["config"]}})
MOTION = ("getDetectionConfig", {"motion_detection": {"name": ["motion_det"]}})

Request = tuple[str, dict[str, Any]]
Parser = Callable[[dict[str, Any]], Any]


class AlarmType(IntEnum):
    """``alarm_type`` of a detection-log entry -> camhub event type."""

    MOTION = 2
    PERSON = 6
    VEHICLE = 7
    PET = 8
    SOUND = 9


@register("tapo-camera")
class TapoCameraDevice(Device):
    kind = "tapo-camera"
    poll_interval = 10.0

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self.transport = CameraTransport(
            ctx.http,
            host=config.host or "",
            port=config.port,
            username=ctx.username or config.username or "admin",
            password=ctx.password
            or (config.password.get_secret_value() if config.password else ""),
            login=config.login,
            timeout=config.timeout,
            device=self.name,
        )
        self.protocol = CameraProtocol(self.transport, self.name)
        self.firmware = ""
        self._events_floor: int | None = None  # camera time of the first connect
        self._events_cursor: int | None = None  # camera time of the last search
        self._seen: set[tuple[int, int]] = set()

    @classmethod
    def default_capabilities(cls) -> set[Capability]:
        return {
            Capability.PTZ,
            Capability.PRESETS,
            Capability.PRIVACY,
            Capability.LED,
            Capability.MOTION_DETECTION,
            Capability.REBOOT,
            Capability.EVENTS,
            Capability.RAW,
        }

    # what each optional capability is probed and polled with ---------------------------
    def _probes(self) -> list[tuple[frozenset[Capability], Request, Parser]]:
        """Optional capabilities -> (the request that shows them, its parser)."""
        return [
            (frozenset({Capability.PTZ, Capability.PRESETS}), PRESETS, self._presets),
            (frozenset({Capability.PRIVACY}), LENS_MASK, self._privacy_state),
            (frozenset({Capability.LED}), LED, self._led_state),
            (frozenset({Capability.MOTION_DETECTION}), MOTION, self._motion_state),
            (frozenset({Capability.EVENTS}), CLOCK, self._clock_seconds),
        ]

    def _readers(self) -> list[tuple[str, Request, Parser]]:
        """What ``poll()`` reads: (state key, request, parser) of declared capabilities."""
        polled = (
            (Capability.PRIVACY, LENS_MASK, self._privacy_state),
            (Capability.LED, LED, self._led_state),
            (Capability.MOTION_DETECTION, MOTION, self._motion_state),
            (Capability.EVENTS, CLOCK, self._clock_seconds),
        )
        return [(str(cap), req, parse) for cap, req, parse in polled if cap in self.capabilities]

    # lifecycle -------------------------------------------------------------------------
    async def connect(self) -> None:
        await self.transport.ensure_session()
        probes = self._probes()
        batch: Batch = [DEVICE_INFO, *(request for _, request, _ in probes)]
        info, *answers = await self.protocol.try_calls(batch)
        if isinstance(info, DeviceError):
            raise info
        basic = section(info, ("device_info", "basic_info"), self.name)
        self.model = str(basic.get("device_model") or self.model)
        self.firmware = str(basic.get("sw_version", ""))
        caps = type(self).default_capabilities()
        clock: int | None = None
        for (provides, _, parse), answer in zip(probes, answers, strict=True):
            if isinstance(answer, DeviceError):
                if answer.code not in NOT_SUPPORTED_CODES:
                    raise answer
                caps -= provides
                continue
            value = parse(answer)  # a malformed answer fails the connect now
            if provides == {Capability.EVENTS}:
                clock = value
        self.capabilities = caps
        if clock is not None and self._events_floor is None:
            self._events_floor = clock

    async def close(self) -> None:
        self.transport.forget_session()

    async def poll(self) -> dict[str, Any]:
        readers = self._readers()
        batch: Batch = [request for _, request, _ in readers]
        results = await self.protocol.calls(batch) if batch else []
        pairs = zip(readers, results, strict=True)
        state = {key: parse(result) for (key, _, parse), result in pairs}
        cam_now = state.pop(str(Capability.EVENTS), None)
        if cam_now is not None:
            await self._poll_events(cam_now)
        self.state = {**state, "model": self.model, "firmware": self.firmware}
        return self.state

    def _privacy_state(self, data: dict[str, Any]) -> bool:
        info = section(data, ("lens_mask", "lens_mask_info"), self.name)
        return info.get("enabled") == "on"

    def _led_state(self, data: dict[str, Any]) -> bool:
        return section(data, ("led", "config"), self.name).get("enabled") == "on"

    # events ----------------------------------------------------------------------------
    def _clock_seconds(self, data: dict[str, Any]) -> int:
        seconds = section(data, ("system", "clock_status"), self.name).get("seconds_from_1970")
        if not isinstance(seconds, int) or isinstance(seconds, bool):
            raise malformed(self.name, "clock_status without seconds_from_1970")
        return seconds

    async def _poll_events(self, cam_now: int) -> None:
        floor = self._events_floor if self._events_floor is not None else cam_now
        cursor = self._events_cursor if self._events_cursor is not None else floor
        # Reach back before the last search: a detection is logged when its clip
        # ends, under the clip's (older) start time.
        since = max(floor, cursor - EVENT_LOOKBACK_S, cam_now - EVENT_WINDOW_S)
        search = {
            "start_index": 0,
            "channel": 0,
            "start_time": since,
            "end_time": cam_now + 60,
            "end_index": 999,
        }
        found = await self.protocol.call(
            "searchDetectionList", {"playback": {"search_detection_list": search}}
        )
        items = (
            dig(found, ("playback", "search_detection_list"), self.name)
            if "playback" in found
            else []
        )
        if not isinstance(items, list):
            raise malformed(self.name, "search_detection_list is not a list")
        correction = int(time.time()) - cam_now
        for item in items:
            # One entry we cannot read is skipped, like one without a start time:
            # failing the poll would take the whole camera offline for ten minutes.
            if not isinstance(item, dict):
                continue
            start, alarm = item.get("start_time"), item.get("alarm_type", AlarmType.MOTION)
            if not isinstance(start, int) or not isinstance(alarm, int) or start < floor:
                continue
            if (start, alarm) in self._seen:
                continue
            self._seen.add((start, alarm))
            known = alarm in AlarmType._value2member_map_
            kind = AlarmType(alarm).name.lower() if known else "motion"
            data = {"alarm_type": alarm, "end_time": item.get("end_time")}
            self.ctx.emit(EventIn(kind, data, (start + correction) * 1000))
        self._events_cursor = cam_now
        # Keep every key a later search can still return (with a margin).
        horizon = cam_now - 2 * EVENT_LOOKBACK_S
        self._seen = {key for key in self._seen if key[0] >= horizon}

    # ptz ---------------------------------------------------------------------------
    async def ptz_step(self, direction: PtzDirection) -> None:
        if direction not in STEP_ANGLES:
            raise InvalidArgument(f"direction must be one of {', '.join(STEP_ANGLES)}")
        angle = str(STEP_ANGLES[direction])
        await self.protocol.call("relativeMove", {"motor": {"movestep": {"direction": angle}}})

    async def ptz_move(self, x: int, y: int) -> None:
        move = {"x_coord": str(int(x)), "y_coord": str(int(y))}
        await self.protocol.call("motorMove", {"motor": {"move": move}})

    async def ptz_home(self) -> None:
        await self.protocol.call("manualCalibrate", {"motor": {"manual_cali": ""}})

    async def ptz_stop(self) -> None:
        await self.protocol.call("cruiseStop", {"motor": {"cruise_stop": {}}})

    # presets -----------------------------------------------------------------------
    async def list_presets(self) -> list[dict[str, Any]]:
        return self._presets(await self.protocol.call(*PRESETS))

    def _presets(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        table = section(data, ("preset", "preset"), self.name)
        ids, names = table.get("id", []), table.get("name", [])
        if not isinstance(ids, list) or not isinstance(names, list) or len(ids) != len(names):
            raise malformed(self.name, "preset ids and names differ in length")
        return [{"id": str(i), "name": str(n)} for i, n in zip(ids, names, strict=True)]

    async def save_preset(self, name: str) -> str:
        if not name.strip():
            raise InvalidArgument("preset name must not be empty")
        before = {p["id"] for p in await self.list_presets()}
        await self.protocol.call(
            "addMotorPostion", {"preset": {"set_preset": {"name": name, "save_ptz": "1"}}}
        )
        new = [p["id"] for p in await self.list_presets() if p["id"] not in before]
        if not new:
            raise DeviceError(f"{self.name}: the preset was not saved", device=self.name)
        return str(new[-1])

    async def goto_preset(self, preset_id: str) -> None:
        goto = {"id": str(preset_id)}
        await self.protocol.call("motorMoveToPreset", {"preset": {"goto_preset": goto}})

    async def delete_preset(self, preset_id: str) -> None:
        remove = {"id": [str(preset_id)]}
        await self.protocol.call("deletePreset", {"preset": {"remove_preset": remove}})

    # switches ----------------------------------------------------------------------
    async def set_privacy(self, on: bool) -> None:
        info = {"enabled": "on" if on else "off"}
        await self.protocol.call("setLensMaskConfig", {"lens_mask": {"lens_mask_info": info}})

    async def set_led(self, on: bool) -> None:
        config = {"enabled": "on" if on else "off"}
        await self.protocol.call("setLedStatus", {"led": {"config": config}})

    def _motion_state(self, data: dict[str, Any]) -> dict[str, Any]:
        det = section(data, ("motion_detection", "motion_det"), self.name)
        level = str(det.get("sensitivity", "")).lower()
        if level not in LEVEL_TO_SCALE:
            try:
                digital = int(det.get("digital_sensitivity", 50))
            except (TypeError, ValueError):
                digital = 50
            level = "low" if digital <= 20 else "medium" if digital <= 50 else "high"
        return {
            "enabled": det.get("enabled") == "on",
            "sensitivity": LEVEL_TO_SCALE[level],
            "level": "normal" if level == "medium" else level,
        }

    async def get_motion_detection(self) -> dict[str, Any]:
        data = await self.protocol.call(
            "getDetectionConfig", {"motion_detection": {"name": ["motion_det"]}}
        )
        return self._motion_state(data)

    async def set_motion_detection(self, changes: dict[str, Any]) -> dict[str, Any]:
        errors = [f"{k}: unknown setting" for k in changes if k not in ("enabled", "sensitivity")]
        fields: dict[str, str] = {}
        if "enabled" in changes:
            if not isinstance(changes["enabled"], bool):
                errors.append("enabled: must be true or false")
            else:
                fields["enabled"] = "on" if changes["enabled"] else "off"
        if "sensitivity" in changes:
            value = changes["sensitivity"]
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
                errors.append("sensitivity: must be an integer from 1 to 10")
            else:
                label, digital, _ = next(lv for lv in LEVELS if value <= lv[2])
                fields["digital_sensitivity"] = digital
                fields["sensitivity"] = "medium" if label == "normal" else label
        if errors:
            raise InvalidArgument("invalid motion detection settings", errors=errors)
        if fields:
            await self.protocol.call(
                "setDetectionConfig", {"motion_detection": {"motion_det": fields}}
            )
        return await self.get_motion_detection()

    async def reboot(self) -> None:
        await self.protocol.call("rebootDevice", {"system": {"reboot": "null"}})
        await self.transport.end_session()

    async def raw(self, request: Any) -> Any:
        """A list of ``{"method", "params"}`` is sent as one multipleRequest and the
        responses come back as a list; a dict is sent as it is (get/set/do or
        multipleRequest) and the camera's whole answer comes back."""
        if isinstance(request, list):
            if not all(isinstance(r, dict) and isinstance(r.get("method"), str) for r in request):
                raise InvalidArgument("each request needs a method")
            return await self.protocol.multiple(request)
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            raise InvalidArgument("a raw request is an object with a method, or a list of them")
        if request["method"] not in ("multipleRequest", "get", "set", "do"):
            return (await self.protocol.multiple([request]))[0]
        return await self.protocol.send(request)
