"""Bulbs and light strips: brightness, colour, colour temperature, presets,
transitions, the bulbs' dynamic effects and the strips' lighting and segment effects.

What differs by model follows the components, as on the devices:

* ``preset`` v1 on dimmable bulbs: brightness levels (``set_preset_rules``); on
  colour bulbs: states (``edit_preset_rules``); v3 on strips: paged states.
* ``on_off_gradually`` v3: separate on/off fades with durations; v1: one switch.
* ``light_effect`` (L530 class): the "Party"/"Relax" dynamic effects.
* ``light_strip_lighting_effect``, ``segment``, ``segment_effect``: strips.
* colour temperature: the model's range; a strip that reports 9000..9000 has no
  white channel, takes any temperature and shows its one white (9000).
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable
from typing import Any

from camhub.sim.tapo_smart.codes import SmartCode, SmartFault
from camhub.sim.tapo_smart.effects import effect_off, merge, segment_off, summary
from camhub.sim.tapo_smart.models import ModelSpec
from camhub.sim.tapo_smart.nodes import Node, Params, bool_of, int_in

NO_WHITE = (9000, 9000)
_BRIGHTNESS_PRESETS = [1, 25, 50, 75, 100]
# (brightness, colour temperature, hue, saturation) of the factory presets.
_STATE_PRESETS = [
    (50, 2700, 0, 100),
    (100, 0, 240, 100),
    (100, 0, 0, 100),
    (100, 0, 120, 100),
    (100, 0, 277, 86),
    (100, 0, 60, 100),
    (100, 0, 300, 100),
]
# The bulbs' dynamic effects: id -> (name the app shows, change mode, ms, colours).
_DYNAMIC = {
    "L1": ("Party", "direct", 1000, [(0, 0, 2700), (321, 99, 0), (196, 99, 0), (6, 97, 0)]),
    "L2": ("Relax", "bln", 2000, [(54, 6, 0), (19, 39, 0), (194, 52, 0), (324, 24, 0)]),
}


class LightNode(Node):
    """A bulb or a light strip."""

    def __init__(self, spec: ModelSpec, clock: Callable[[], float], **kw: Any) -> None:
        self.brightness = 100
        self.hue = 0
        self.saturation = 100
        ct = spec.color_temp_range
        self.color_temp = ct[0] if ct and spec.has("color_temperature") else 0
        self.effect: Params | None = (
            effect_off() if spec.has("light_strip_lighting_effect") else None
        )
        self.segment_effect: Params | None = segment_off() if spec.has("segment_effect") else None
        self.segments = 50
        self.fades = {
            "on_state": {"duration": 2, "enable": False, "max_duration": 60},
            "off_state": {"duration": 2, "enable": False, "max_duration": 60},
        }
        self.fade_enable = False
        self.dynamic: dict[str, Params] = {
            rule_id: {
                "change_mode": mode,
                "change_time": ms,
                "color_status_list": [[100, h, s, t] for h, s, t in colours],
                "id": rule_id,
                "scene_name": "",
            }
            for rule_id, (_, mode, ms, colours) in _DYNAMIC.items()
        }
        self.dynamic_id: str | None = None
        self.auto_light = {"enable": False, "mode": "light_track"}
        if spec.version("preset") == 1 and not spec.has("color"):
            self.presets: list[Any] = list(_BRIGHTNESS_PRESETS)
        else:
            white = 9000 if spec.color_temp_range == NO_WHITE else None
            self.presets = [
                {
                    "brightness": b,
                    "color_temp": white if white and t else t,
                    "hue": h,
                    "saturation": s,
                }
                for b, t, h, s in _STATE_PRESETS
            ]
        super().__init__(spec, clock, **kw)

    def install(self) -> None:
        super().install()
        m = self.methods
        if self.has("preset"):
            m["get_preset_rules"] = self.preset_rules
            m["edit_preset_rules"] = self.edit_preset
            if isinstance(self.presets[0], int):
                m["set_preset_rules"] = self.set_brightness_presets
        if self.has("on_off_gradually"):
            m["get_on_off_gradually_info"] = lambda _: self.fade_info()
            m["set_on_off_gradually_info"] = self.set_fades
        if self.has("light_effect"):
            m["get_dynamic_light_effect_rules"] = self.dynamic_rules
            m["set_dynamic_light_effect_rule_enable"] = self.enable_dynamic
            m["edit_dynamic_light_effect_rule"] = self.edit_dynamic
        if self.has("auto_light"):
            m["get_auto_light_info"] = lambda _: dict(self.auto_light)
            m["set_auto_light_info"] = self.set_auto_light
        if self.effect is not None:
            m["get_lighting_effect"] = lambda _: dict(self.effect or effect_off())
            m["set_lighting_effect"] = self.set_lighting_effect
        if self.has("segment"):
            m["get_device_segment"] = lambda _: {"segment": self.segments}
            m["set_device_segment"] = self.set_segments
        if self.segment_effect is not None:
            m["get_segment_effect_rule"] = lambda _: summary(self.segment_effect or segment_off())
            m["apply_segment_effect_rule"] = self.apply_segment_effect

    # device info -------------------------------------------------------------
    def light_state(self) -> Params:
        state: Params = {"brightness": self.brightness}
        if self.has("color_temperature"):
            state["color_temp"] = self.color_temp
        if self.has("color"):
            state.update(hue=self.hue, saturation=self.saturation)
        return state

    def info(self) -> dict[str, Any]:
        info = self.base_info()
        info.update(device_on=self.on, overheated=False, brightness=self.brightness)
        if self.spec.color_temp_range:
            info["color_temp_range"] = list(self.spec.color_temp_range)
        if not self.has("color"):  # dimmable bulbs
            info["default_states"] = {
                "brightness": {"type": "last_states", "value": self.brightness},
                "re_power_type": "always_on",
            }
        elif self.has("light_strip"):
            info.update(self.light_state())
            info["default_states"] = {"state": self.light_state(), "type": "last_states"}
        else:
            info.update(self.light_state())
            info["default_states"] = {
                "re_power_type": "always_on",
                "state": self.light_state(),
                "type": "last_states",
            }
        if self.has("light_effect"):
            info["dynamic_light_effect_enable"] = self.dynamic_id is not None
            if self.dynamic_id is not None:
                info["dynamic_light_effect_id"] = self.dynamic_id
        if self.effect is not None:
            info["lighting_effect"] = summary(self.effect)
        if self.segment_effect is not None:
            info["segment_effect"] = summary(self.segment_effect)
        info.update(self.spec.info_extra)
        return dict(sorted(info.items()))

    def reports_power_usage(self) -> bool:
        return True

    def effect_names(self) -> dict[str, str | None]:
        """The running effects by kind, for the emulator's state page."""
        names: dict[str, str | None] = {}
        if self.effect is not None:
            names["effect"] = self.effect.get("name") if self.effect.get("enable") else None
        if self.segment_effect is not None:
            on = self.segment_effect.get("enable")
            names["segment_effect"] = self.segment_effect.get("name") if on else None
        if self.has("light_effect"):
            names["effect"] = _DYNAMIC[self.dynamic_id][0] if self.dynamic_id else None
        return names

    # set_device_info ---------------------------------------------------------
    def set_device_info(self, params: Params) -> None:
        # Validate everything before changing anything, as the devices do.
        brightness = int_in(params, "brightness", 1, 100)
        hue = saturation = temp = None
        if self.has("color"):
            hue = int_in(params, "hue", 0, 360)
            saturation = int_in(params, "saturation", 0, 100)
        elif "hue" in params or "saturation" in params:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        if "color_temp" in params:
            temp = self._temperature(params["color_temp"])
        super().set_device_info(params)
        if brightness is not None:
            self.brightness = brightness
        if hue is not None:
            self.hue = hue
        if saturation is not None:
            self.saturation = saturation
        if temp is not None:
            self.color_temp = temp
        elif hue is not None or saturation is not None:
            self.color_temp = 0  # colour mode
        if (hue, saturation, temp) != (None, None, None):
            self._stop_effects()

    def _temperature(self, value: Any) -> int:
        rng = self.spec.color_temp_range
        if not self.has("color_temperature") or rng is None:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        if rng == NO_WHITE:  # no white channel: any white is the one white
            if not 0 <= value <= 9000:
                raise SmartFault(SmartCode.PARAMS_ERROR)
            return 9000 if value else 0
        if value != 0 and not rng[0] <= value <= rng[1]:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        return value

    def _stop_effects(self) -> None:
        self.dynamic_id = None
        for effect in (self.effect, self.segment_effect):
            if effect is not None:
                effect["enable"] = 0

    def _apply_states(self, states: Params) -> None:
        super()._apply_states(states)
        light: Params = {
            k: states[k] for k in ("brightness", "hue", "saturation", "color_temp") if k in states
        }
        if light:
            # a rule the app stored for another model: the switch still happens
            with contextlib.suppress(SmartFault):
                self.set_device_info(light)

    # presets -----------------------------------------------------------------
    def preset_rules(self, params: Params) -> dict[str, Any]:
        if isinstance(self.presets[0], int):
            return {"brightness": list(self.presets)}
        states = [dict(p) for p in self.presets]
        if self.spec.version("preset") < 3:
            return {"states": states}
        start = params.get("start_index", 0)
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        page = 4 if self.spec.model == "L900" else 10
        return {"start_index": start, "states": states[start : start + page], "sum": len(states)}

    def edit_preset(self, params: Params) -> None:
        index = int_in(params, "index", 0, len(self.presets) - 1)
        state = params.get("state")
        if index is None or not isinstance(state, dict) or isinstance(self.presets[0], int):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        new: Params = {}
        for key, lo, hi in (("brightness", 1, 100), ("hue", 0, 360), ("saturation", 0, 100)):
            value = int_in(state, key, lo, hi)
            if value is not None:
                new[key] = value
        if "color_temp" in state:
            new["color_temp"] = self._temperature(state["color_temp"])
        if "brightness" not in new:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        self.presets[index] = {"color_temp": 0, "hue": 0, "saturation": 100, **new}

    def set_brightness_presets(self, params: Params) -> None:
        levels = params.get("brightness")
        if (
            not isinstance(levels, list)
            or len(levels) != len(self.presets)
            or not all(
                isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 100 for v in levels
            )
        ):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        self.presets = list(levels)

    # transitions -------------------------------------------------------------
    def fade_info(self) -> dict[str, Any]:
        if self.spec.version("on_off_gradually") < 2:
            return {"enable": self.fade_enable}
        return {k: dict(v) for k, v in sorted(self.fades.items())}

    def set_fades(self, params: Params) -> None:
        if self.spec.version("on_off_gradually") < 2:
            enable = bool_of(params, "enable")
            if enable is None:
                raise SmartFault(SmartCode.PARAMS_ERROR)
            self.fade_enable = enable
            return
        changes: list[tuple[str, bool | None, int | None]] = []
        for key in ("on_state", "off_state"):
            if key in params:
                part = params[key]
                if not isinstance(part, dict):
                    raise SmartFault(SmartCode.PARAMS_ERROR)
                changes.append((key, bool_of(part, "enable"), int_in(part, "duration", 1, 60)))
        if not changes:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        for key, enable, duration in changes:
            if enable is not None:
                self.fades[key]["enable"] = enable
            if duration is not None:
                self.fades[key]["duration"] = duration

    # dynamic effects (bulbs) -------------------------------------------------
    def dynamic_rules(self, params: Params) -> dict[str, Any]:
        rules = [dict(r) for r in self.dynamic.values()]
        answer: dict[str, Any] = {"enable": self.dynamic_id is not None, "max_count": 2}
        if self.dynamic_id is not None:
            answer["current_rule_id"] = self.dynamic_id
        answer.update(rule_list=rules, start_index=0, sum=len(rules))
        return answer

    def enable_dynamic(self, params: Params) -> None:
        enable = bool_of(params, "enable")
        if enable is None:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        if not enable:
            self.dynamic_id = None
            return
        if params.get("id") not in self.dynamic:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        self.dynamic_id = params["id"]
        self.set_on(True)

    def edit_dynamic(self, params: Params) -> None:
        rule = self.dynamic.get(params.get("id"))  # type: ignore[arg-type]
        colours = params.get("color_status_list")
        if rule is None or not isinstance(colours, list) or not 0 < len(colours) <= 16:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        for colour in colours:
            if not (
                isinstance(colour, list)
                and len(colour) == 4
                and all(isinstance(v, int) and not isinstance(v, bool) for v in colour)
                and 1 <= colour[0] <= 100
            ):
                raise SmartFault(SmartCode.PARAMS_ERROR)
        rule["color_status_list"] = [list(c) for c in colours]
        mode, name = params.get("change_mode", rule["change_mode"]), params.get("scene_name", "")
        if mode not in ("direct", "bln") or not isinstance(name, str) or len(name) > 64:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        rule["change_mode"] = mode
        if name:
            rule["scene_name"] = base64.b64encode(name.encode()).decode()

    def set_auto_light(self, params: Params) -> None:
        enable = bool_of(params, "enable")
        mode = params.get("mode", self.auto_light["mode"])
        if mode not in ("light_track", "fixed"):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        self.auto_light["mode"] = mode
        if enable is not None:
            self.auto_light["enable"] = enable

    # strip effects -----------------------------------------------------------
    def set_lighting_effect(self, params: Params) -> None:
        assert self.effect is not None
        self.effect = merge(self.effect, params)
        if self.effect.get("enable"):
            if self.segment_effect is not None:
                self.segment_effect["enable"] = 0
            self.set_on(True)

    def set_segments(self, params: Params) -> None:
        segments = int_in(params, "segment", 0, 50)
        if segments is None:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        self.segments = segments

    def apply_segment_effect(self, params: Params) -> None:
        assert self.segment_effect is not None
        self.segment_effect = merge(self.segment_effect, params, segment=True)
        if self.segment_effect.get("enable"):
            if self.effect is not None:
                self.effect["enable"] = 0
            self.set_on(True)
