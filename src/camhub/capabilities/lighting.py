"""Lights: ``brightness``, ``color``, ``color_temp``, ``effects`` and ``light``
(a camera's lamp, torch, IR or white lamp)."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import Field

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register
from camhub.errors import InvalidArgument

C = Capability


class BrightnessState(State):
    capability = C.BRIGHTNESS
    level: int = Field(ge=1, le=100, description="percent")


class ColorState(State):
    capability = C.COLOR
    hue: int = Field(ge=0, le=360, description="degrees")
    saturation: int = Field(ge=0, le=100, description="percent")


class ColorTempState(State):
    capability = C.COLOR_TEMP
    kelvin: int | None = Field(description="None while the light shows a colour")
    min_kelvin: int
    max_kelvin: int


class EffectsState(State):
    capability = C.EFFECTS
    current: str | None
    available: list[str]


class LightState(State):
    capability = C.LIGHT
    on: bool | None = Field(description="None: the device cannot tell")
    mode: str | None = Field(None, description="one of modes, when the light has modes")
    modes: list[str] = Field(default_factory=list)


class Brightness(Args):
    level: int = Field(ge=1, le=100)


class Color(Args):
    hue: int = Field(ge=0, le=360)
    saturation: int = Field(ge=0, le=100)


class ColorTemp(Args):
    kelvin: int = Field(ge=1000, le=12000)


class Effect(Args):
    name: str | None = Field(max_length=64)


class Light(Args):
    on: bool
    mode: str | None = Field(None, max_length=32)


class BrightnessDriver(Protocol):
    async def set_brightness(self, level: int) -> None: ...


class ColorDriver(Protocol):
    async def set_color(self, hue: int, saturation: int) -> None: ...


class ColorTempDriver(Protocol):
    async def set_color_temp(self, kelvin: int) -> None: ...


class EffectsDriver(Protocol):
    async def set_effect(self, name: str | None) -> None:
        """Start a named effect (one of ``EffectsState.available``); None stops it."""


class LightDriver(Protocol):
    async def set_light(self, on: bool, mode: str | None) -> None:
        """``mode`` None keeps the current one."""


async def _brightness(dev: Any, args: Brightness, _: dict[str, str]) -> dict[str, Any]:
    await dev.set_brightness(args.level)
    return {"level": args.level}


async def _color(dev: Any, args: Color, _: dict[str, str]) -> dict[str, Any]:
    await dev.set_color(args.hue, args.saturation)
    return {"hue": args.hue, "saturation": args.saturation}


async def _color_temp(dev: Any, args: ColorTemp, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(ColorTempState)
    if known is not None and not known.min_kelvin <= args.kelvin <= known.max_kelvin:
        raise InvalidArgument(
            f"kelvin must be {known.min_kelvin}-{known.max_kelvin} on this light",
            [f"kelvin: must be {known.min_kelvin}-{known.max_kelvin}"],
        )
    await dev.set_color_temp(args.kelvin)
    return {"kelvin": args.kelvin}


async def _effects(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(EffectsState)
    return {
        "effects": known.available if known else [],
        "current": known.current if known else None,
    }


async def _set_effect(dev: Any, args: Effect, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(EffectsState)
    if args.name is not None and known is not None and args.name not in known.available:
        raise InvalidArgument(f"unknown effect {args.name!r}", ["name: unknown effect"])
    await dev.set_effect(args.name)
    return {"effect": args.name}


async def _light(dev: Any, args: Light, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(LightState)
    if args.mode is not None and known is not None and args.mode not in known.modes:
        modes = ", ".join(known.modes) or "none"
        raise InvalidArgument(f"light mode must be one of: {modes}", ["mode: unknown mode"])
    await dev.set_light(args.on, args.mode)
    return {"light": args.on, "mode": args.mode}


register(
    Spec(
        C.BRIGHTNESS,
        "Brightness",
        "Light level in percent.",
        ("set_brightness",),
        BrightnessState,
        (Action("set", "POST", "brightness", _brightness, Brightness, "Set the level"),),
        control="slider",
    )
)
register(
    Spec(
        C.COLOR,
        "Colour",
        "Hue and saturation.",
        ("set_color",),
        ColorState,
        (Action("set", "POST", "color", _color, Color, "Set hue and saturation"),),
        control="color",
    )
)
register(
    Spec(
        C.COLOR_TEMP,
        "Colour temperature",
        "White colour temperature in kelvin, within the light's own range.",
        ("set_color_temp",),
        ColorTempState,
        (Action("set", "POST", "color_temp", _color_temp, ColorTemp, "Set kelvin"),),
        control="kelvin",
    )
)
register(
    Spec(
        C.EFFECTS,
        "Effects",
        "Named lighting effects.",
        ("set_effect",),
        EffectsState,
        (
            Action("list", "GET", "effects", _effects, None, "Effects and the current one"),
            Action("set", "POST", "effects", _set_effect, Effect, "Start one; null stops"),
        ),
        control="effects",
    )
)
register(
    Spec(
        C.LIGHT,
        "Light",
        "A camera's lamp, torch, IR or white light, with its modes where it has some.",
        ("set_light",),
        LightState,
        (Action("set", "POST", "light", _light, Light, "Switch, optionally with a mode"),),
        control="light",
    )
)
