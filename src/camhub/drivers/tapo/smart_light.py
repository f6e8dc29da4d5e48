"""Tapo bulbs (L510, L520, L610 dimmable; L530, L535, L630 colour, with dynamic
effects) and light strips (L900, L920, L930: effects; L930 white too).

A light also has its presets (:mod:`.smart_presets`), its countdown and schedules
(:mod:`.smart_rules`) and its settings: name, smooth on/off, a strip's segments
(:mod:`.smart_settings`)."""

from __future__ import annotations

from typing import Any

from camhub.capabilities import (
    BrightnessState,
    ColorDriver,
    ColorState,
    ColorTempDriver,
    ColorTempState,
    State,
)
from camhub.capabilities import Capability as C
from camhub.drivers import register
from camhub.drivers.tapo.smart_effects import DynamicEffects, StripEffects
from camhub.drivers.tapo.smart_features import Rebootable, Switch
from camhub.drivers.tapo.smart_presets import LightPresets
from camhub.drivers.tapo.smart_rules import Countdown, Schedules
from camhub.drivers.tapo.smart_settings import LightSettings
from camhub.drivers.tapo.smart_tables import BULB_MODELS, LIGHT_STRIP_MODELS
from camhub.drivers.tapo.smart_values import num, num_in
from camhub.errors import InvalidArgument


@register("tapo-bulb")
class TapoBulb(
    Switch, LightPresets, DynamicEffects, Countdown, Schedules, LightSettings, Rebootable
):
    """power, brightness, color and color_temp (colour models), effects (the colour
    models' dynamic effects), light_presets, timer, schedules, settings, reboot, raw."""

    kind = "tapo-bulb"
    models = BULB_MODELS

    def _ct_range(self) -> tuple[int, int] | None:
        rng = self.info.get("color_temp_range")
        if (
            isinstance(rng, list)
            and len(rng) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in rng)
            and 0 < rng[0] < rng[1]
        ):
            return rng[0], rng[1]
        return None

    def _present(self) -> set[C]:
        present = super()._present()
        if self._ct_range() is None:
            present.discard(C.COLOR_TEMP)
        return present

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        caps, info = self.capabilities, self.info
        if C.BRIGHTNESS in caps and (level := num_in(info, "brightness", 1, 100)) is not None:
            states.append(BrightnessState(level=level))
        hue, saturation = num_in(info, "hue", 0, 360), num_in(info, "saturation", 0, 100)
        if C.COLOR in caps and hue is not None and saturation is not None:
            states.append(ColorState(hue=hue, saturation=saturation))
        rng, kelvin = self._ct_range(), num(info, "color_temp")
        if C.COLOR_TEMP in caps and rng is not None and kelvin is not None:
            # 0: the light shows a colour, not a white
            shown = kelvin if rng[0] <= kelvin <= rng[1] else None
            states.append(ColorTempState(kelvin=shown, min_kelvin=rng[0], max_kelvin=rng[1]))
        return states

    async def set_brightness(self, level: int) -> None:
        if not 1 <= level <= 100:
            raise InvalidArgument("brightness must be 1..100", errors=["level: 1..100"])
        await self._set(brightness=int(level))

    async def set_color(self, hue: int, saturation: int) -> None:
        self.need(C.COLOR, ColorDriver)
        errors = [
            msg
            for ok, msg in (
                (0 <= hue <= 360, "hue: 0..360"),
                (0 <= saturation <= 100, "saturation: 0..100"),
            )
            if not ok
        ]
        if errors:
            raise InvalidArgument("invalid colour", errors=errors)
        # color_temp 0 puts a bulb in colour mode (otherwise the temperature wins).
        await self._set(hue=int(hue), saturation=int(saturation), color_temp=0)

    async def set_color_temp(self, kelvin: int) -> None:
        self.need(C.COLOR_TEMP, ColorTempDriver)
        lo, hi = self._ct_range() or (2500, 6500)
        if not lo <= kelvin <= hi:
            raise InvalidArgument(
                f"colour temperature must be {lo}..{hi} K", errors=[f"kelvin: {lo}..{hi}"]
            )
        await self._set(color_temp=int(kelvin))


@register("tapo-strip")
class TapoLightStrip(StripEffects, TapoBulb):
    """A bulb's capabilities, with the strips' built-in effects."""

    kind = "tapo-strip"
    models = LIGHT_STRIP_MODELS
