"""What the emulated Tapo camera answers once logged in: its API methods and state.

Requests come in three shapes, as on the real firmware:

* ``{"method": "multipleRequest", "params": {"requests": [{"method": NAME, "params": {...}}]}}``
  where NAME is one of the named methods below (``getDeviceInfo``, ``relativeMove``...);
* raw ``{"method": "get", MODULE: {"name": [SECTION, ...]}}``;
* raw ``{"method": "set"|"do", MODULE: {SECTION: {...}}}``.

Each named method is an alias of one get / set / do on a module. Unknown methods
answer -40105, unknown get/do parameters -40106, unknown set parameters -40101,
features the model lacks -40210.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import time
from collections.abc import Callable
from typing import Any

from camhub.sim.tapo_camera.motion import (
    PRIVACY_ON,
    CameraFault,
    DetectionLog,
    Motor,
    Presets,
)

METHOD_NOT_EXIST = -40105
GET_PARAM_NOT_EXIST = -40106
SET_PARAM_NOT_EXIST = -40101
NOT_SUPPORTED = -40210

PTZ_MODELS = {"C200", "C210", "C211", "C220", "C225", "C500", "C510W", "C520WS", "TC70"}

# named method -> (operation, module it must address)
NAMED: dict[str, tuple[str, str]] = {
    "getDeviceInfo": ("get", "device_info"),
    "getClockStatus": ("get", "system"),
    "getLensMaskConfig": ("get", "lens_mask"),
    "setLensMaskConfig": ("set", "lens_mask"),
    "getLedStatus": ("get", "led"),
    "setLedStatus": ("set", "led"),
    "getDetectionConfig": ("get", "motion_detection"),
    "setDetectionConfig": ("set", "motion_detection"),
    "getPersonDetectionConfig": ("get", "people_detection"),
    "setPersonDetectionConfig": ("set", "people_detection"),
    "getLastAlarmInfo": ("get", "msg_alarm"),
    "setAlarmConfig": ("set", "msg_alarm"),
    "getAlarmConfig": ("get", "msg_alarm"),
    "getLightFrequencyInfo": ("get", "image"),
    "setLightFrequencyInfo": ("set", "image"),
    "setDayNightModeConfig": ("set", "image"),
    "getLdc": ("get", "image"),
    "setLdc": ("set", "image"),
    "getNightVisionModeConfig": ("get", "image"),
    "getPresetConfig": ("get", "preset"),
    "addMotorPostion": ("do", "preset"),
    "motorMoveToPreset": ("do", "preset"),
    "deletePreset": ("do", "preset"),
    "relativeMove": ("do", "motor"),
    "motorMove": ("do", "motor"),
    "manualCalibrate": ("do", "motor"),
    "cruiseMove": ("do", "motor"),
    "cruiseStop": ("do", "motor"),
    "rebootDevice": ("do", "system"),
    "getUserID": ("do", "system"),
    "searchDetectionList": ("do", "playback"),
    "searchDateWithVideo": ("do", "playback"),
    "searchVideoOfDay": ("do", "playback"),
    "searchVideoWithUTC": ("do", "playback"),
}

Handler = Callable[[Any], dict[str, Any]]


class TapoCamera:
    """State and API of one camera; transport-agnostic."""

    def __init__(
        self,
        model: str,
        *,
        detection_period: float = 20.0,
        on_reboot: Callable[[], None] = lambda: None,
        without: frozenset[str] = frozenset(),
    ) -> None:
        self.model = model
        self.ptz = model.upper() in PTZ_MODELS
        self.motor = Motor()
        self.presets = Presets()
        self.detections = DetectionLog(detection_period)
        self.reboots = 0
        self.user_id = secrets.randbelow(90000) + 10000
        self._on_reboot = on_reboot
        self.tree: dict[str, dict[str, dict[str, Any]]] = {
            "device_info": {
                "basic_info": {
                    "device_type": "SMART.IPCAMERA",
                    "device_model": model,
                    "device_name": model,
                    "device_info": f"{model} 2.0 IPC",
                    "hw_version": "2.0",
                    "sw_version": "1.3.11 Build 231117 Rel.56453n(4555)",
                    "device_alias": f"Tapo {model}",
                    "features": "3",
                    "barcode": "",
                    "mac": "5C-62-8B-" + "-".join(f"{b:02X}" for b in secrets.token_bytes(3)),
                    "dev_id": secrets.token_hex(20).upper(),
                    "oem_id": secrets.token_hex(16).upper(),
                    "hw_desc": secrets.token_hex(16).upper(),
                }
            },
            "lens_mask": {"lens_mask_info": {"enabled": "off"}},
            "led": {"config": {"enabled": "on"}},
            "motion_detection": {
                "motion_det": {
                    "enabled": "on",
                    "digital_sensitivity": "50",
                    "sensitivity": "medium",
                    "non_vehicle_enabled": "off",
                    "people_enabled": "off",
                    "vehicle_enabled": "off",
                }
            },
            "people_detection": {"detection": {"enabled": "on", "sensitivity": "50"}},
            "msg_alarm": {
                "chn1_msg_alarm_info": {
                    "alarm_type": "0",
                    "light_type": "0",
                    "alarm_mode": ["sound", "light"],
                    "enabled": "off",
                }
            },
            "image": {
                "common": {
                    "inf_type": "auto",
                    "light_freq_mode": "auto",
                    "wide_dynamic": "off",
                    "inf_start_time": "64800",
                    "inf_end_time": "21600",
                },
                "switch": {
                    "flip_type": "off",
                    "ldc": "off",
                    "night_vision_mode": "inf_night_vision",
                    "rotate_type": "off",
                },
            },
            "system": {},
            "preset": {},
            "motor": {},
            "playback": {},
        }
        # Firmware without a module (no LED, no lens mask...) answers -40106 to it.
        for module in without:
            self.tree.pop(module, None)
        self._dynamic: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
            ("system", "clock_status"): self._clock_status,
            ("preset", "preset"): self.presets.config,
        }
        self._actions: dict[tuple[str, str], Handler] = {
            ("motor", "movestep"): self._movestep,
            ("motor", "move"): self._move,
            ("motor", "manual_cali"): self._calibrate,
            ("motor", "cruise"): self._cruise,
            ("motor", "cruise_stop"): self._cruise_stop,
            ("preset", "set_preset"): self._save_preset,
            ("preset", "goto_preset"): self._goto_preset,
            ("preset", "remove_preset"): self._remove_preset,
            ("system", "reboot"): self._reboot,
            ("system", "get_user_id"): lambda _p: {"user_id": self.user_id},
            ("playback", "search_detection_list"): self._search_detections,
            ("playback", "search_year_utility"): self._search_days,
            ("playback", "search_video_utility"): self._search_day,
            ("playback", "search_video_with_utc"): self._search_utc,
        }

    # state shortcuts -------------------------------------------------------------
    @property
    def privacy(self) -> bool:
        mask = self.tree.get("lens_mask", {}).get("lens_mask_info", {})
        return bool(mask.get("enabled") == "on")

    @property
    def led(self) -> bool | None:
        if "led" not in self.tree:
            return None
        return bool(self.tree["led"]["config"]["enabled"] == "on")

    # entry points ----------------------------------------------------------------
    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one decrypted top-level request."""
        method = request.get("method")
        if method == "multipleRequest":
            params = request.get("params")
            reqs = params.get("requests") if isinstance(params, dict) else None
            if not isinstance(reqs, list):
                return {"error_code": GET_PARAM_NOT_EXIST}
            responses = [self._one(r) for r in reqs]
            return {"error_code": 0, "result": {"responses": responses}}
        if method in ("get", "set", "do"):
            body = {k: v for k, v in request.items() if k != "method"}
            try:
                return {**self._apply(str(method), body, None), "error_code": 0}
            except CameraFault as exc:
                return {"error_code": exc.code}
        return {"error_code": METHOD_NOT_EXIST}

    def _one(self, req: Any) -> dict[str, Any]:
        name = req.get("method") if isinstance(req, dict) else None
        if not isinstance(name, str) or name not in NAMED:
            return {"method": str(name), "result": {}, "error_code": METHOD_NOT_EXIST}
        op, module = NAMED[name]
        params = req.get("params", {})
        if not isinstance(params, dict):
            return {"method": name, "result": {}, "error_code": GET_PARAM_NOT_EXIST}
        try:
            result = self._apply(op, params, module)
        except CameraFault as exc:
            return {"method": name, "result": {}, "error_code": exc.code}
        return {"method": name, "result": result, "error_code": 0}

    def _apply(self, op: str, body: dict[str, Any], module: str | None) -> dict[str, Any]:
        if not body:
            raise CameraFault(GET_PARAM_NOT_EXIST)
        if module is not None and set(body) != {module}:
            raise CameraFault(GET_PARAM_NOT_EXIST if op != "set" else SET_PARAM_NOT_EXIST)
        if op == "get":
            return {mod: self._get(mod, args) for mod, args in body.items()}
        result: dict[str, Any] = {}
        for mod, args in body.items():
            if not isinstance(args, dict):
                raise CameraFault(GET_PARAM_NOT_EXIST)
            if op == "set":
                self._set(mod, args)
            else:
                result.update(self._do(mod, args))
        return result

    # get / set / do --------------------------------------------------------------
    def _get(self, module: str, args: Any) -> dict[str, Any]:
        if module not in self.tree or not isinstance(args, dict):
            raise CameraFault(GET_PARAM_NOT_EXIST)
        self._require_feature(module)
        names = args.get("name", [])
        names = [names] if isinstance(names, str) else list(names)
        tables = args.get("table", [])
        names += [tables] if isinstance(tables, str) else list(tables)
        out: dict[str, Any] = {}
        for name in names:
            if (module, name) in self._dynamic:
                out[name] = self._dynamic[(module, name)]()
            elif name in self.tree[module]:
                out[name] = copy.deepcopy(self.tree[module][name])
            else:
                raise CameraFault(GET_PARAM_NOT_EXIST)
        return out

    def _set(self, module: str, args: dict[str, Any]) -> None:
        if module not in self.tree:
            raise CameraFault(SET_PARAM_NOT_EXIST)
        for section, fields in args.items():
            current = self.tree[module].get(section)
            if current is None or not isinstance(fields, dict):
                raise CameraFault(SET_PARAM_NOT_EXIST)
        for section, fields in args.items():
            self.tree[module][section].update(copy.deepcopy(fields))

    def _do(self, module: str, args: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for action, value in args.items():
            handler = self._actions.get((module, action))
            if handler is None:
                raise CameraFault(GET_PARAM_NOT_EXIST)
            self._require_feature(module)
            result.update(handler(value))
        return result

    def _require_feature(self, module: str) -> None:
        if module in ("motor", "preset") and not self.ptz:
            raise CameraFault(NOT_SUPPORTED)

    def _motor_ready(self) -> None:
        if self.privacy:
            raise CameraFault(PRIVACY_ON)

    # actions ---------------------------------------------------------------------
    @staticmethod
    def _dict(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise CameraFault(GET_PARAM_NOT_EXIST)
        return value

    @staticmethod
    def _int(value: Any) -> int:
        try:
            return int(value)
        except (TypeError, ValueError):
            raise CameraFault(GET_PARAM_NOT_EXIST) from None

    def _movestep(self, value: Any) -> dict[str, Any]:
        direction = self._int(self._dict(value).get("direction"))
        if not 0 <= direction < 360:
            raise CameraFault(GET_PARAM_NOT_EXIST)
        self._motor_ready()
        if self.motor.cruising:
            raise CameraFault(-64303)
        self.motor.step(direction)
        return {}

    def _move(self, value: Any) -> dict[str, Any]:
        args = self._dict(value)
        dx, dy = self._int(args.get("x_coord")), self._int(args.get("y_coord"))
        self._motor_ready()
        if self.motor.cruising:
            raise CameraFault(-64303)
        self.motor.move_to(self.motor.pan + dx, self.motor.tilt + dy)
        return {}

    def _calibrate(self, _value: Any) -> dict[str, Any]:
        self._motor_ready()
        self.motor.home()
        return {}

    def _cruise(self, value: Any) -> dict[str, Any]:
        coord = self._dict(value).get("coord")
        if coord not in ("x", "y"):
            raise CameraFault(GET_PARAM_NOT_EXIST)
        self._motor_ready()
        self.motor.cruising = str(coord)
        return {}

    def _cruise_stop(self, _value: Any) -> dict[str, Any]:
        self.motor.cruising = None
        return {}

    def _save_preset(self, value: Any) -> dict[str, Any]:
        name = str(self._dict(value).get("name", "")).strip()
        if not name:
            raise CameraFault(GET_PARAM_NOT_EXIST)
        preset = self.presets.add(name, self.motor.pan, self.motor.tilt)
        return {"id": preset.id}

    def _goto_preset(self, value: Any) -> dict[str, Any]:
        preset = self.presets.get(str(self._dict(value).get("id")))
        self._motor_ready()
        if self.motor.cruising:
            raise CameraFault(-64303)
        self.motor.pan, self.motor.tilt = preset.pan, preset.tilt
        return {}

    def _remove_preset(self, value: Any) -> dict[str, Any]:
        ids = self._dict(value).get("id")
        ids = ids if isinstance(ids, list) else [ids]
        for pid in ids:
            self.presets.get(str(pid))
        for pid in ids:
            self.presets.remove(str(pid))
        return {}

    def _reboot(self, _value: Any) -> dict[str, Any]:
        self.reboots += 1
        self.motor.home()
        self._on_reboot()
        return {}

    def _clock_status(self) -> dict[str, Any]:
        now = time.time()
        local = dt.datetime.fromtimestamp(now, dt.UTC)
        return {"seconds_from_1970": int(now), "local_time": local.strftime("%Y-%m-%d %H:%M:%S")}

    def _search_detections(self, value: Any) -> dict[str, Any]:
        args = self._dict(value)
        start, end = self._int(args.get("start_time")), self._int(args.get("end_time"))
        first = self._int(args.get("start_index", 0))
        last = self._int(args.get("end_index", 999))
        items = [d.item() for d in self.detections.between(start, end)]
        return {"playback": {"search_detection_list": items[first : last + 1]}}

    def _recording_days(self) -> list[str]:
        today = dt.datetime.now(dt.UTC).date()
        return [(today - dt.timedelta(days=n)).strftime("%Y%m%d") for n in (2, 1, 0)]

    def _search_days(self, value: Any) -> dict[str, Any]:
        args = self._dict(value)
        lo, hi = str(args.get("start_date", "")), str(args.get("end_date", "99999999"))
        days = [d for d in self._recording_days() if lo <= d <= hi]
        results = [{f"search_results_{i + 1}": {"date": d}} for i, d in enumerate(days)]
        return {"playback": {"search_results": results}}

    def _clips(self, start: int, end: int) -> list[dict[str, Any]]:
        clips = []
        for i, det in enumerate(self.detections.between(start, end)):
            clips.append(
                {
                    f"search_video_results_{i + 1}": {
                        "startTime": det.start - 5,
                        "endTime": det.end + 10,
                        "vedio_type": 2,
                    }
                }
            )
        return clips

    def _search_day(self, value: Any) -> dict[str, Any]:
        args = self._dict(value)
        self._check_user(args)
        try:
            day = dt.datetime.strptime(str(args.get("date")), "%Y%m%d").replace(tzinfo=dt.UTC)
        except ValueError:
            raise CameraFault(GET_PARAM_NOT_EXIST) from None
        start = int(day.timestamp())
        return {"playback": {"search_video_results": self._clips(start, start + 86399)}}

    def _search_utc(self, value: Any) -> dict[str, Any]:
        args = self._dict(value)
        self._check_user(args)
        start, end = self._int(args.get("start_time")), self._int(args.get("end_time"))
        return {"playback": {"search_video_results": self._clips(start, end)}}

    def _check_user(self, args: dict[str, Any]) -> None:
        if self._int(args.get("id", -1)) != self.user_id:
            raise CameraFault(-71103)
