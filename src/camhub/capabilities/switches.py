"""On/off capabilities: ``power``, ``privacy``, ``led``, ``arm``, ``siren``.

Each has the state ``{on}`` (``arm``: ``{armed}``) and one action, ``POST`` with
``{"on": true|false}`` (``power`` also takes ``"toggle"``).
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import AliasChoices, Field

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register

C = Capability


class OnOff(Args):
    on: bool = Field(validation_alias=AliasChoices("on", "armed"))


class PowerArgs(Args):
    on: bool | Literal["toggle"]


class PowerState(State):
    capability = C.POWER
    on: bool


class PrivacyState(State):
    capability = C.PRIVACY
    on: bool = Field(description="lens covered / recording paused")


class LedState(State):
    capability = C.LED
    on: bool


class ArmState(State):
    capability = C.ARM
    armed: bool


class SirenState(State):
    capability = C.SIREN
    on: bool


class PowerDriver(Protocol):
    async def set_power(self, on: bool) -> None: ...


class PrivacyDriver(Protocol):
    async def set_privacy(self, on: bool) -> None: ...


class LedDriver(Protocol):
    async def set_led(self, on: bool) -> None: ...


class ArmDriver(Protocol):
    async def set_armed(self, on: bool) -> None: ...


class SirenDriver(Protocol):
    async def set_siren(self, on: bool) -> None: ...


async def _power(dev: Any, args: PowerArgs, _: dict[str, str]) -> dict[str, Any]:
    on = args.on
    if on == "toggle":
        current = dev.state.get(PowerState)
        on = not (current.on if current is not None else False)
    await dev.set_power(on)
    return {"on": on}


def _switch(cap: Capability, method: str, key: str, state: type[State], title: str) -> Spec:
    async def run(dev: Any, args: OnOff, _: dict[str, str]) -> dict[str, Any]:
        await getattr(dev, method)(args.on)
        return {key: args.on}

    return register(
        Spec(
            cap,
            title,
            f"{title}: on or off.",
            (method,),
            state,
            (Action("set", "POST", str(cap), run, OnOff, f"Switch {cap} on or off"),),
            control="switch",
        )
    )


register(
    Spec(
        C.POWER,
        "Power",
        "The device (or socket) is switched on or off.",
        ("set_power",),
        PowerState,
        (Action("set", "POST", "power", _power, PowerArgs, "Switch on, off or toggle"),),
        control="switch",
    )
)
_switch(C.PRIVACY, "set_privacy", "privacy", PrivacyState, "Privacy mode")
_switch(C.LED, "set_led", "led", LedState, "Status LED")
_switch(C.ARM, "set_armed", "armed", ArmState, "Armed")
_switch(C.SIREN, "set_siren", "siren", SirenState, "Siren")
