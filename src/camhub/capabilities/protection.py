"""``power_protection``: a plug or socket cuts its load off above a power threshold.

Once it trips, the device reports ``overloaded`` and stays off until it is switched on
again (Tapo's ``power_protection``; a Shelly's ``power_limit`` is the same idea).
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import Field

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register
from camhub.errors import InvalidArgument

C = Capability


class PowerProtectionState(State):
    capability = C.POWER_PROTECTION
    enabled: bool
    threshold_w: int | None = Field(
        None, ge=1, description="watts above which the power is cut; null: never set"
    )
    max_w: int | None = Field(None, ge=1, description="the highest threshold the device takes")
    overloaded: bool = Field(description="tripped: off until switched on again")


class PowerProtection(Args):
    enabled: bool | None = None
    threshold_w: int | None = Field(None, ge=1, le=100_000)


class PowerProtectionDriver(Protocol):
    async def set_power_protection(self, enabled: bool | None, threshold_w: int | None) -> None:
        """Change what is given (None: keep); enabling needs a threshold, given or set."""


async def _get(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(PowerProtectionState)
    if known is None:
        return {"enabled": False, "threshold_w": None, "max_w": None, "overloaded": False}
    return dict(known.model_dump())


async def _set(dev: Any, args: PowerProtection, _: dict[str, str]) -> dict[str, Any]:
    if args.enabled is None and args.threshold_w is None:
        raise InvalidArgument("give enabled and/or threshold_w", ["(body): nothing to change"])
    known = dev.state.get(PowerProtectionState)
    if known is not None:
        top = known.max_w
        if args.threshold_w is not None and top is not None and args.threshold_w > top:
            raise InvalidArgument(
                f"threshold_w must be 1-{top} on this device", [f"threshold_w: 1-{top}"]
            )
        if args.enabled and args.threshold_w is None and known.threshold_w is None:
            raise InvalidArgument(
                "give threshold_w: no threshold is set yet", ["threshold_w: required"]
            )
    await dev.set_power_protection(args.enabled, args.threshold_w)
    return {k: v for k, v in args.model_dump().items() if v is not None}


register(
    Spec(
        C.POWER_PROTECTION,
        "Power protection",
        "Cut the power above a threshold in watts; overloaded until switched on again.",
        ("set_power_protection",),
        PowerProtectionState,
        (
            Action("get", "GET", "power_protection", _get, None, "Threshold and status"),
            Action("set", "POST", "power_protection", _set, PowerProtection, "Change them"),
        ),
        control="power_protection",
    )
)
