"""``light_presets``: a light's stored looks (brightness, and a colour or a white).

A light keeps a fixed set of slots (Tapo bulbs five to seven, as its app shows them):
apply one, or store a new look in one. Saving with an empty body stores what the light
shows now. A dimmable light's presets are brightness levels only.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register
from camhub.capabilities.lighting import ColorTempState
from camhub.errors import InvalidArgument, NotFound

C = Capability


class LightPreset(BaseModel):
    id: str
    name: str
    brightness: int = Field(ge=1, le=100, description="percent")
    hue: int | None = Field(None, ge=0, le=360, description="degrees; null: a white")
    saturation: int | None = Field(None, ge=0, le=100)
    kelvin: int | None = Field(None, description="a white; null: a colour, or brightness only")


class LightPresetsState(State):
    capability = C.LIGHT_PRESETS
    presets: list[LightPreset]
    current: str | None = Field(None, description="the id of the preset the light shows")


class LightPresetValues(Args):
    """What to store; nothing at all stores what the light shows now."""

    brightness: int | None = Field(None, ge=1, le=100)
    hue: int | None = Field(None, ge=0, le=360)
    saturation: int | None = Field(None, ge=0, le=100)
    kelvin: int | None = Field(None, ge=1000, le=12000)


class LightPresetsDriver(Protocol):
    async def apply_light_preset(self, preset_id: str) -> None: ...

    async def save_light_preset(
        self,
        preset_id: str,
        brightness: int | None,
        hue: int | None,
        saturation: int | None,
        kelvin: int | None,
    ) -> None:
        """Store a look in one slot: a colour (hue and saturation), a white (kelvin),
        or neither (the slot's look at a new brightness). ``brightness`` None keeps
        the slot's; all None stores what the light shows now."""


def _check_preset(dev: Any, preset_id: str) -> None:
    known: LightPresetsState | None = dev.state.get(LightPresetsState)
    if known is not None and all(p.id != preset_id for p in known.presets):
        raise NotFound(f"{dev.name} has no light preset {preset_id!r}", device=dev.name)


def _check_values(dev: Any, values: LightPresetValues) -> None:
    if (values.hue is None) != (values.saturation is None):
        raise InvalidArgument("give hue and saturation together", ["hue: with saturation"])
    if values.kelvin is not None and values.hue is not None:
        raise InvalidArgument("a preset is a colour or a white", ["kelvin: not with hue"])
    white, kelvin = dev.state.get(ColorTempState), values.kelvin
    if kelvin is not None and white and not white.min_kelvin <= kelvin <= white.max_kelvin:
        span = f"{white.min_kelvin}-{white.max_kelvin}"
        raise InvalidArgument(f"kelvin must be {span} on this light", [f"kelvin: {span}"])


async def _list(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(LightPresetsState)
    if known is None:
        return {"presets": [], "current": None}
    return dict(known.model_dump())


async def _apply(dev: Any, _args: None, params: dict[str, str]) -> dict[str, Any]:
    _check_preset(dev, params["preset_id"])
    await dev.apply_light_preset(params["preset_id"])
    return {"preset": params["preset_id"]}


async def _save(dev: Any, args: LightPresetValues, params: dict[str, str]) -> dict[str, Any]:
    _check_preset(dev, params["preset_id"])
    _check_values(dev, args)
    await dev.save_light_preset(params["preset_id"], **args.model_dump())
    return {"preset": params["preset_id"], **args.model_dump(exclude_none=True)}


register(
    Spec(
        C.LIGHT_PRESETS,
        "Light presets",
        "The light's stored looks: apply one, or store a look (by default the current "
        "one) in a slot.",
        ("apply_light_preset", "save_light_preset"),
        LightPresetsState,
        (
            Action("list", "GET", "light_presets", _list, None, "Presets and the current one"),
            Action(
                "apply",
                "POST",
                "light_presets/{preset_id}/apply",
                _apply,
                None,
                "Show a preset",
            ),
            Action(
                "save",
                "POST",
                "light_presets/{preset_id}",
                _save,
                LightPresetValues,
                "Store a look in a slot; an empty body stores the current one",
            ),
        ),
        control="light_presets",
    )
)
