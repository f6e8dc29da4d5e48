"""Timers that switch a device's power: ``timer`` (a countdown, once) and ``auto_off``
(switch off a while after every switch-on).

Both count on the device's own clock, so they run while camhub is down. A plug, a
socket or a light has them where its firmware does (Tapo's ``countdown`` and
``auto_off``, a Shelly's ``auto_off``, a Kasa plug's countdown rule).
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import Field

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register
from camhub.errors import InvalidArgument

C = Capability
MAX_TIMER_S = 7 * 86400
MAX_AUTO_OFF_MIN = 7 * 1440


class TimerState(State):
    capability = C.TIMER
    remaining_s: int | None = Field(
        None, ge=0, description="seconds until the countdown switches; null: none runs"
    )
    on: bool | None = Field(None, description="the power the countdown switches to")
    max_s: int = Field(ge=1, description="the longest countdown the device takes")


class AutoOffState(State):
    capability = C.AUTO_OFF
    enabled: bool
    minutes: int = Field(ge=1, description="switch off this long after each switch-on")
    max_minutes: int = Field(ge=1)
    remaining_s: int | None = Field(
        None, ge=0, description="seconds until auto-off switches off; null: not armed"
    )


class Timer(Args):
    seconds: int = Field(ge=0, le=MAX_TIMER_S, description="0 cancels the countdown")
    on: bool | None = Field(None, description="the power to switch to; default: the opposite")


class AutoOff(Args):
    enabled: bool | None = None
    minutes: int | None = Field(None, ge=1, le=MAX_AUTO_OFF_MIN)


class TimerDriver(Protocol):
    async def set_timer(self, seconds: int, on: bool | None) -> bool | None:
        """Switch the power to ``on`` (None: the opposite of what it is now) in
        ``seconds``, replacing a running countdown; 0 cancels it. Return the power it
        will switch to (None when cancelled)."""


class AutoOffDriver(Protocol):
    async def set_auto_off(self, enabled: bool | None, minutes: int | None) -> None:
        """Change what is given (None: keep)."""


async def _timer(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(TimerState)
    return known.model_dump() if known is not None else {"remaining_s": None, "on": None}


async def _set_timer(dev: Any, args: Timer, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(TimerState)
    if known is not None and args.seconds > known.max_s:
        raise InvalidArgument(
            f"seconds must be 0-{known.max_s} on this device", [f"seconds: 0-{known.max_s}"]
        )
    on = await dev.set_timer(args.seconds, args.on)
    return {"seconds": args.seconds, "on": on}


async def _auto_off(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(AutoOffState)
    return known.model_dump() if known is not None else {"enabled": False}


async def _set_auto_off(dev: Any, args: AutoOff, _: dict[str, str]) -> dict[str, Any]:
    if args.enabled is None and args.minutes is None:
        raise InvalidArgument("give enabled and/or minutes", ["(body): nothing to change"])
    known = dev.state.get(AutoOffState)
    if known is not None and args.minutes is not None and args.minutes > known.max_minutes:
        raise InvalidArgument(
            f"minutes must be 1-{known.max_minutes} on this device",
            [f"minutes: 1-{known.max_minutes}"],
        )
    await dev.set_auto_off(args.enabled, args.minutes)
    return {k: v for k, v in args.model_dump().items() if v is not None}


register(
    Spec(
        C.TIMER,
        "Timer",
        "A countdown on the device's clock that switches the power once, on or off.",
        ("set_timer",),
        TimerState,
        (
            Action("get", "GET", "timer", _timer, None, "The running countdown"),
            Action("set", "POST", "timer", _set_timer, Timer, "Start one; seconds 0 cancels"),
        ),
        control="timer",
    )
)
register(
    Spec(
        C.AUTO_OFF,
        "Auto-off",
        "Switch the power off a set number of minutes after every switch-on.",
        ("set_auto_off",),
        AutoOffState,
        (
            Action("get", "GET", "auto_off", _auto_off, None, "Setting and armed countdown"),
            Action("set", "POST", "auto_off", _set_auto_off, AutoOff, "Change them"),
        ),
        control="auto_off",
    )
)
