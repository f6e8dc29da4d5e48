"""``light_presets`` of the Tapo bulbs and light strips (component ``preset``).

``get_preset_rules`` answers ``{"brightness": [...]}`` on a dimmable bulb (levels,
written whole with ``set_preset_rules``) or ``{"states": [...]}`` on a colour light
(one state per slot, written with ``edit_preset_rules`` ``{"index", "state"}``);
version 3 (the strips) pages the states (``start_index``/``sum``). A state is a
colour when its ``color_temp`` is 0, a white otherwise. Slots holding something else
(a strip may store an effect) keep their place but are not shown.
"""

from __future__ import annotations

from typing import Any

from camhub.capabilities import Capability as C
from camhub.capabilities import LightPreset, LightPresetsDriver, LightPresetsState, State
from camhub.drivers.tapo.smart import TapoSmartDevice, command
from camhub.drivers.tapo.smart_protocol import Request
from camhub.drivers.tapo.smart_values import num, num_in
from camhub.errors import DeviceError, InvalidArgument, MalformedReply, NotFound

PRESETS = "get_preset_rules"
PRESETS_MAX = 32  # slots read at most (the devices have 5 to 7)

Slots = list[dict[str, Any] | int | None]  # the device's slots, in order


def _slots(reply: Any) -> Slots | None:
    """The slots of a ``get_preset_rules`` answer; None if it is not one."""
    if not isinstance(reply, dict):
        return None
    levels, states = reply.get("brightness"), reply.get("states")
    if isinstance(levels, list):
        return [num_in({"v": v}, "v", 1, 100) for v in levels[:PRESETS_MAX]]
    if isinstance(states, list):
        return [s if isinstance(s, dict) else None for s in states[:PRESETS_MAX]]
    return None


def _preset(index: int, slot: dict[str, Any] | int | None) -> LightPreset | None:
    preset_id = str(index + 1)
    name = f"Preset {preset_id}"
    if isinstance(slot, int):
        return LightPreset(id=preset_id, name=name, brightness=slot)
    level = num_in(slot, "brightness", 1, 100)
    if slot is None or level is None:
        return None
    kelvin = num(slot, "color_temp") or None
    hue, saturation = num_in(slot, "hue", 0, 360), num_in(slot, "saturation", 0, 100)
    if kelvin is None and (hue is None or saturation is None):
        return LightPreset(id=preset_id, name=name, brightness=level)
    return LightPreset(
        id=preset_id,
        name=name,
        brightness=level,
        hue=None if kelvin else hue,
        saturation=None if kelvin else saturation,
        kelvin=kelvin,
    )


class LightPresets(TapoSmartDevice):
    """``light_presets``: apply one (the light switches on), or store a look in a slot."""

    def _preset_query(self) -> Request:
        paged = self.components.get("preset", 0) >= 3
        return (PRESETS, {"start_index": 0} if paged else None)

    def _config_queries(self) -> list[Request]:
        queries = super()._config_queries()
        if C.LIGHT_PRESETS in self.capabilities:
            queries.append(self._preset_query())
        return queries

    async def _absorb(self, got: dict[str, Any]) -> None:
        await super()._absorb(got)
        if C.LIGHT_PRESETS in self.capabilities and self.components.get("preset", 0) >= 3:
            await self._pages(got, PRESETS, "states", PRESETS_MAX)

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        slots = _slots(got.get(PRESETS))
        if C.LIGHT_PRESETS in self.capabilities and slots is not None:
            presets = [p for i, s in enumerate(slots) if (p := _preset(i, s)) is not None]
            current = next((p.id for p in presets if self._shows(p)), None)
            states.append(LightPresetsState(presets=presets, current=current))
        return states

    def _shows(self, preset: LightPreset) -> bool:
        """Does the light show this preset now?"""
        info = self.info
        if num(info, "brightness") != preset.brightness:
            return False
        if preset.kelvin is not None:
            return num(info, "color_temp") == preset.kelvin
        if preset.hue is not None:
            return not num(info, "color_temp") and (
                (num(info, "hue"), num(info, "saturation")) == (preset.hue, preset.saturation)
            )
        return True

    async def _read_slots(self) -> Slots:
        got = await self.proto.call_many([self._preset_query()], strict=False)
        if isinstance(got[PRESETS], DeviceError):
            raise got[PRESETS]
        await self._pages(got, PRESETS, "states", PRESETS_MAX)
        slots = _slots(got[PRESETS])
        if slots is None:
            raise MalformedReply(self.name, "get_preset_rules without brightness or states")
        return slots

    def _index(self, slots: Slots, preset_id: str) -> int:
        index = int(preset_id) - 1 if preset_id.isdecimal() else -1
        if not 0 <= index < len(slots) or _preset(index, slots[index]) is None:
            raise NotFound(f"{self.name} has no light preset {preset_id!r}", device=self.name)
        return index

    async def apply_light_preset(self, preset_id: str) -> None:
        self.need(C.LIGHT_PRESETS, LightPresetsDriver)
        slots = await self._read_slots()
        index = self._index(slots, preset_id)
        preset = _preset(index, slots[index])
        assert preset is not None  # _index checked it
        params: dict[str, Any] = {"device_on": True, "brightness": preset.brightness}
        if preset.kelvin is not None:
            params["color_temp"] = preset.kelvin
        elif preset.hue is not None and C.COLOR in self.capabilities:
            params.update(hue=preset.hue, saturation=preset.saturation, color_temp=0)
        await self._set(**params)

    async def _shown(self) -> tuple[int | None, int | None, int | None, int | None]:
        """(brightness, hue, saturation, kelvin) of what the light shows now."""
        info = await self._fresh_info()
        level, kelvin = num_in(info, "brightness", 1, 100), num(info, "color_temp")
        if kelvin and C.COLOR_TEMP in self.capabilities:
            return level, None, None, kelvin
        if C.COLOR in self.capabilities:
            return level, num_in(info, "hue", 0, 360), num_in(info, "saturation", 0, 100), None
        return level, None, None, None

    @command
    async def save_light_preset(
        self,
        preset_id: str,
        brightness: int | None,
        hue: int | None,
        saturation: int | None,
        kelvin: int | None,
    ) -> None:
        self.need(C.LIGHT_PRESETS, LightPresetsDriver)
        if (brightness, hue, saturation, kelvin) == (None, None, None, None):
            brightness, hue, saturation, kelvin = await self._shown()
        slots = await self._read_slots()
        index = self._index(slots, preset_id)
        old = slots[index]
        if brightness is None:  # the slot's
            slot = _preset(index, old)
            brightness = slot.brightness if slot is not None else 100
        if isinstance(old, int):  # a dimmable bulb: brightness levels only
            if hue is not None or kelvin is not None:
                raise InvalidArgument(
                    "this light's presets are brightness levels", ["hue: not on this light"]
                )
            levels = [s if isinstance(s, int) else 100 for s in slots]
            levels[index] = brightness
            await self.proto.call("set_preset_rules", {"brightness": levels})
            return
        state: dict[str, Any] = {"brightness": brightness}
        if hue is not None and saturation is not None:
            if C.COLOR not in self.capabilities:
                raise InvalidArgument("this light shows no colours", ["hue: not on this light"])
            state.update(hue=hue, saturation=saturation, color_temp=0)
        elif kelvin is not None:
            self._check_white(kelvin)
            state["color_temp"] = kelvin
        else:  # a new brightness for the same look
            kept = {
                k: v for k, v in (old or {}).items() if k in ("hue", "saturation", "color_temp")
            }
            state.update(kept)
        await self.proto.call("edit_preset_rules", {"index": index, "state": state})

    def _check_white(self, kelvin: int) -> None:
        rng = self.info.get("color_temp_range")
        if (
            not isinstance(rng, list)
            or len(rng) != 2
            or not all(isinstance(v, int) for v in rng)
            or not rng[0] <= kelvin <= rng[1]
        ):
            span = f"{rng[0]}-{rng[1]}" if isinstance(rng, list) and len(rng) == 2 else "none"
            raise InvalidArgument(f"kelvin must be {span} on this light", [f"kelvin: {span}"])
