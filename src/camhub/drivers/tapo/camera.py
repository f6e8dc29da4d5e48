"""Tapo camera driver: protocol (multipleRequest envelope, vendor errors) and device.

Capabilities: ptz, presets, privacy, led, motion_detection, reboot, events, raw
(ptz and presets are dropped for models without a motor, which answer -40210).
``poll()`` also reads the detection log and emits each new detection once.
"""

from __future__ import annotations

import time
from enum import IntEnum
from typing import Any

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext, EventIn, PtzDirection
from camhub.drivers.tapo.camera_errors import TapoCameraError, device_error
from camhub.drivers.tapo.camera_transport import CameraTransport
from camhub.errors import DeviceError, InvalidArgument

# ptz_step direction -> movestep angle (0 is pytapo's "clockwise", i.e. right).
STEP_ANGLES: dict[str, int] = {"right": 0, "up": 90, "left": 180, "down": 270}
# camhub sensitivity 1..10 <-> the camera's three levels.
LEVELS = (("low", "20", 3), ("normal", "50", 7), ("high", "80", 10))
LEVEL_TO_SCALE = {"low": 2, "medium": 5, "normal": 5, "high": 8}
EVENT_WINDOW_S = 10 * 60


class AlarmType(IntEnum):
    """``alarm_type`` of a detection-log entry -> camhub event type."""

    MOTION = 2
    PERSON = 6
    VEHICLE = 7
    PET = 8
    SOUND = 9


class CameraProtocol:
    """Wraps calls in ``multipleRequest`` and turns vendor error codes into errors."""

    def __init__(self, transport: CameraTransport, device: str) -> None:
        self.transport = transport
        self.device = device

    async def send(self, request: dict[str, Any]) -> dict[str, Any]:
        reply = await self.transport.send(request)
        code = reply.get("error_code", 0)
        if not isinstance(code, int):
            raise DeviceError(f"{self.device}: malformed reply", device=self.device)
        if code != 0:
            raise device_error(code, self.device, str(request.get("method")))
        return reply

    async def multiple(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send a batch; return each response (``method``, ``result``, ``error_code``)."""
        reply = await self.send({"method": "multipleRequest", "params": {"requests": requests}})
        result = reply.get("result")
        responses = result.get("responses") if isinstance(result, dict) else None
        if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
            raise DeviceError(f"{self.device}: malformed multipleRequest reply", device=self.device)
        return responses

    async def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """One named method; return its ``result`` or raise its error."""
        (resp,) = await self.calls([(method, params)])
        return resp

    async def calls(self, batch: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        responses = await self.multiple([{"method": m, "params": p} for m, p in batch])
        if len(responses) != len(batch):
            raise DeviceError(f"{self.device}: answer count mismatch", device=self.device)
        out = []
        for (method, _), resp in zip(batch, responses, strict=True):
            code = resp.get("error_code", 0)
            if code != 0:
                raise device_error(code if isinstance(code, int) else -1, self.device, method)
            result = resp.get("result", {})
            out.append(result if isinstance(result, dict) else {})
        return out


def _dig(data: dict[str, Any], *keys: str) -> Any:
    """``data[k1][k2]...`` or a DeviceError naming the missing field."""
    cur: Any = data
    for key in keys:
        if not isinstance(cur, dict) or key not in cur:
            raise DeviceError(f"reply lacks {'.'.join(keys)}")
        cur = cur[key]
    return cur


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
        self._events_since: int | None = None
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

    # lifecycle ---------------------------------------------------------------------
    async def connect(self) -> None:
        await self.transport.login()
        info = await self.protocol.call("getDeviceInfo", {"device_info": {"name": ["basic_info"]}})
        basic = self._field(info, "device_info", "basic_info")
        self.model = str(basic.get("device_model") or self.model)
        self.firmware = str(basic.get("sw_version", ""))
        try:
            await self.list_presets()
        except DeviceError as exc:
            if exc.code != TapoCameraError.NOT_SUPPORTED:
                raise
            self.capabilities -= {Capability.PTZ, Capability.PRESETS}
        self._events_since = await self._camera_time()

    async def close(self) -> None:
        self.transport.forget_session()

    async def poll(self) -> dict[str, Any]:
        privacy, led, motion = await self.protocol.calls(
            [
                ("getLensMaskConfig", {"lens_mask": {"name": ["lens_mask_info"]}}),
                ("getLedStatus", {"led": {"name": ["config"]}}),
                ("getDetectionConfig", {"motion_detection": {"name": ["motion_det"]}}),
            ]
        )
        await self._poll_events()
        self.state = {
            "privacy": self._field(privacy, "lens_mask", "lens_mask_info").get("enabled") == "on",
            "led": self._field(led, "led", "config").get("enabled") == "on",
            "motion_detection": self._motion_state(motion),
            "model": self.model,
            "firmware": self.firmware,
        }
        return self.state

    def _field(self, data: dict[str, Any], *keys: str) -> dict[str, Any]:
        try:
            value = _dig(data, *keys)
        except DeviceError as exc:
            raise DeviceError(f"{self.name}: {exc.message}", device=self.name) from None
        if not isinstance(value, dict):
            raise DeviceError(f"{self.name}: reply lacks {'.'.join(keys)}", device=self.name)
        return value

    # events ------------------------------------------------------------------------
    async def _camera_time(self) -> int:
        clock = await self.protocol.call("getClockStatus", {"system": {"name": "clock_status"}})
        seconds = self._field(clock, "system", "clock_status").get("seconds_from_1970")
        if not isinstance(seconds, int):
            raise DeviceError(f"{self.name}: malformed clock reply", device=self.name)
        return seconds

    async def _poll_events(self) -> None:
        cam_now = await self._camera_time()
        since = self._events_since if self._events_since is not None else cam_now
        since = max(since, cam_now - EVENT_WINDOW_S)
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
        items = _dig(found, "playback", "search_detection_list") if "playback" in found else []
        correction = int(time.time()) - cam_now
        latest = since
        for item in items if isinstance(items, list) else []:
            start, alarm = item.get("start_time"), item.get("alarm_type", AlarmType.MOTION)
            if not isinstance(start, int) or not isinstance(alarm, int):
                continue
            latest = max(latest, start)
            if (start, alarm) in self._seen:
                continue
            self._seen.add((start, alarm))
            known = alarm in AlarmType._value2member_map_
            kind = AlarmType(alarm).name.lower() if known else "motion"
            data = {"alarm_type": alarm, "end_time": item.get("end_time")}
            self.ctx.emit(EventIn(kind, data, (start + correction) * 1000))
        self._events_since = latest
        self._seen = {key for key in self._seen if key[0] >= latest}

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
        data = await self.protocol.call("getPresetConfig", {"preset": {"name": ["preset"]}})
        table = self._field(data, "preset", "preset")
        ids, names = table.get("id", []), table.get("name", [])
        if not isinstance(ids, list) or not isinstance(names, list) or len(ids) != len(names):
            raise DeviceError(f"{self.name}: malformed preset table", device=self.name)
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
        det = self._field(data, "motion_detection", "motion_det")
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
        self.transport.forget_session()

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
            (resp,) = await self.protocol.multiple([request])
            return resp
        return await self.protocol.send(request)
