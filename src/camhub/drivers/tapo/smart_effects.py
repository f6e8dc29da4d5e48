"""``effects`` of the Tapo lights: the colour bulbs' dynamic effects and the strips'
lighting effects.

- Bulbs with ``light_effect`` (L530, L535, L630): ``get_dynamic_light_effect_rules``
  lists the rules (``L1`` and ``L2``, which the app calls "Party" and "Relax", or a
  ``scene_name`` of the user's); ``set_dynamic_light_effect_rule_enable``
  ``{"enable", "id"}`` starts or stops one; the device info says which runs
  (``dynamic_light_effect_enable``/``_id``).
- Strips with ``light_strip_lighting_effect`` (L900, L920, L930): the built-in
  effects by id (``set_lighting_effect``); the device info summarises the current one
  (``lighting_effect``) and, on the L920/L930, a segment effect started from the app
  (``segment_effect``), which camhub shows and can stop.
"""

from __future__ import annotations

from typing import Any

from camhub.capabilities import Capability as C
from camhub.capabilities import EffectsDriver, EffectsState, State
from camhub.drivers.tapo.smart import TapoSmartDevice, command
from camhub.drivers.tapo.smart_protocol import Request
from camhub.drivers.tapo.smart_tables import DYNAMIC_EFFECTS, EFFECTS
from camhub.drivers.tapo.smart_values import b64text, num_in
from camhub.errors import InvalidArgument

DYNAMIC = "get_dynamic_light_effect_rules"


def _dynamic_names(listing: Any) -> dict[str, str]:
    """Rule id -> the name a user sees, from ``get_dynamic_light_effect_rules``."""
    rules = listing.get("rule_list") if isinstance(listing, dict) else None
    names: dict[str, str] = {}
    for rule in rules if isinstance(rules, list) else []:
        rule_id = rule.get("id") if isinstance(rule, dict) else None
        if isinstance(rule_id, str) and rule_id:
            names[rule_id] = (
                DYNAMIC_EFFECTS.get(rule_id) or b64text(rule.get("scene_name")) or rule_id
            )
    return names


def _unknown(name: str, names: list[str]) -> InvalidArgument:
    return InvalidArgument(f"unknown effect {name!r}", errors=[f"name: one of {', '.join(names)}"])


class DynamicEffects(TapoSmartDevice):
    """``effects`` of a colour bulb."""

    def _has_dynamic(self) -> bool:
        return C.EFFECTS in self.capabilities and "light_effect" in self.components

    def _config_queries(self) -> list[Request]:
        queries = super()._config_queries()
        if self._has_dynamic():
            queries.append((DYNAMIC, None))
        return queries

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        if self._has_dynamic():
            names = _dynamic_names(got.get(DYNAMIC))
            running = self.info.get("dynamic_light_effect_id")
            on = self.info.get("dynamic_light_effect_enable") is True
            current = names.get(running, running) if on and isinstance(running, str) else None
            states.append(EffectsState(current=current, available=list(names.values())))
        return states

    @command
    async def set_effect(self, name: str | None) -> None:
        self.need(C.EFFECTS, EffectsDriver)
        if name is None:
            await self.proto.call("set_dynamic_light_effect_rule_enable", {"enable": False})
            return
        names = _dynamic_names(await self.proto.call(DYNAMIC))
        rule_id = next((i for i, n in names.items() if n == name), None)
        if rule_id is None:
            raise _unknown(name, list(names.values()))
        await self.proto.call(
            "set_dynamic_light_effect_rule_enable", {"enable": True, "id": rule_id}
        )


def _running(summary: Any) -> str | None:
    """The name of an effect summary of the device info, when it runs."""
    if not isinstance(summary, dict) or not summary.get("enable"):
        return None
    name = summary.get("name")
    return name if isinstance(name, str) and name else None


class StripEffects(TapoSmartDevice):
    """``effects`` of a light strip: its built-in effects."""

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        if C.EFFECTS in self.capabilities and "light_strip_lighting_effect" in self.components:
            info = self.info
            current = _running(info.get("lighting_effect")) or _running(info.get("segment_effect"))
            states.append(EffectsState(current=current, available=list(EFFECTS)))
        return states

    @command
    async def set_effect(self, name: str | None) -> None:
        self.need(C.EFFECTS, EffectsDriver)
        if name is not None and name not in EFFECTS:
            raise _unknown(name, list(EFFECTS))
        if name is None:
            await self.proto.call("set_lighting_effect", {"enable": 0})
            if _running(self.info.get("segment_effect")):
                await self.proto.call("apply_segment_effect_rule", {"enable": 0})
            return
        brightness = num_in(self.info, "brightness", 1, 100) or 100
        await self.proto.call(
            "set_lighting_effect",
            {"id": EFFECTS[name], "name": name, "enable": 1, "custom": 0, "brightness": brightness},
        )
