"""The ``motor``, ``preset`` and ``patrol`` actions of PTZ cameras.

The motor refuses to move while privacy mode is on (``-64324``) and while it
cruises (``-64303``, pytapo then stops the cruise and tries again). Presets go to
a saved position; a deleted one answers ``-64321``, an unknown one ``-64302``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from camhub.sim.tapo_camera.codes import CameraCode, CameraFault
from camhub.sim.tapo_camera.motion import Motor, Presets
from camhub.sim.tapo_camera.playback import as_dict, as_int

Handler = Callable[[Any], dict[str, Any]]


class Ptz:
    def __init__(self, privacy: Callable[[], bool], normalized: bool, zoom: bool) -> None:
        self.motor = Motor()
        self.presets = Presets()
        self.normalized = normalized
        self.zoom = zoom
        self.patrol = "off"
        self._privacy = privacy

    def handlers(self) -> dict[tuple[str, str], Handler]:
        return {
            ("motor", "movestep"): self.movestep,
            ("motor", "move"): self.move,
            ("motor", "manual_cali"): self.calibrate,
            ("motor", "cruise"): self.cruise,
            ("motor", "cruise_stop"): self.cruise_stop,
            ("motor", "stop"): self.cruise_stop,
            ("preset", "set_preset"): self.save_preset,
            ("preset", "goto_preset"): self.goto_preset,
            ("preset", "remove_preset"): self.remove_preset,
            ("patrol", "get_patrol_action"): self.patrol_action,
            ("patrol", "get_patrol_schedule"): self.patrol_schedule,
            ("patrol", "set_patrol_status"): self.set_patrol,
        }

    def preset_config(self) -> dict[str, Any]:
        return self.presets.config(self.normalized, self.zoom)

    def _ready(self) -> None:
        if self._privacy():
            raise CameraFault(CameraCode.PRIVACY_ON)
        if self.motor.cruising:
            raise CameraFault(CameraCode.MOTOR_BUSY)

    def movestep(self, value: Any) -> dict[str, Any]:
        direction = as_int(as_dict(value).get("direction"))
        if not 0 <= direction < 360:
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
        self._ready()
        self.motor.step(direction)
        return {}

    def move(self, value: Any) -> dict[str, Any]:
        args = as_dict(value)
        dx, dy = as_int(args.get("x_coord")), as_int(args.get("y_coord"))
        self._ready()
        self.motor.move_to(self.motor.pan + dx, self.motor.tilt + dy)
        return {}

    def calibrate(self, _value: Any) -> dict[str, Any]:
        if self._privacy():
            raise CameraFault(CameraCode.PRIVACY_ON)
        self.motor.home()
        return {}

    def cruise(self, value: Any) -> dict[str, Any]:
        coord = as_dict(value).get("coord")
        if coord not in ("x", "y"):
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
        if self._privacy():
            raise CameraFault(CameraCode.PRIVACY_ON)
        self.motor.cruising = str(coord)
        return {}

    def cruise_stop(self, _value: Any) -> dict[str, Any]:
        self.motor.cruising = None
        return {}

    def save_preset(self, value: Any) -> dict[str, Any]:
        name = str(as_dict(value).get("name", "")).strip()
        if not name or len(name) > 32:
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
        preset = self.presets.add(name, self.motor.pan, self.motor.tilt)
        return {"id": preset.id}

    def goto_preset(self, value: Any) -> dict[str, Any]:
        preset = self.presets.get(str(as_dict(value).get("id")))
        self._ready()
        self.motor.pan, self.motor.tilt = preset.pan, preset.tilt
        return {}

    def remove_preset(self, value: Any) -> dict[str, Any]:
        ids = as_dict(value).get("id")
        ids = ids if isinstance(ids, list) else [ids]
        for pid in ids:
            self.presets.get(str(pid))
        for pid in ids:
            self.presets.remove(str(pid))
        return {}

    # patrol (C220): a tour of the presets on a schedule ----------------------------
    def patrol_action(self, _value: Any) -> dict[str, Any]:
        ids = list(self.presets.items)
        action = {"enabled": self.patrol, "preset_ids": ids, "stay_time": "10"}
        return {"patrol": {"get_patrol_action": action}}

    def patrol_schedule(self, _value: Any) -> dict[str, Any]:
        return {"patrol": {"patrol": {"enabled": self.patrol, "schedule": "0000-2400,127"}}}

    def set_patrol(self, value: Any) -> dict[str, Any]:
        state = as_dict(value).get("value")
        if state not in ("on", "off"):
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
        self.patrol = str(state)
        return {}
