"""``energy``: what a plug or socket draws and has used."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Protocol

from pydantic import Field

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register
from camhub.clock import now_ms

HOUR_MS = 3600 * 1000
MAX_SPAN_MS = 400 * 24 * HOUR_MS


class EnergyState(State):
    capability = Capability.ENERGY
    power_w: float | None = Field(None, description="now, watts")
    today_wh: float | None = None
    month_wh: float | None = None
    today_runtime_min: int | None = None
    month_runtime_min: int | None = None
    voltage_v: float | None = None
    current_a: float | None = None


Interval = Literal["hourly", "daily", "monthly"]
Ms = Annotated[int, Field(ge=0, le=2**53, description="ms since the epoch")]


class History(Args):
    interval: Interval = "hourly"
    start: Ms = 0
    end: Ms | None = None


class EnergyDriver(Protocol):
    async def get_energy_history(
        self, interval: Interval, start: int, end: int
    ) -> list[dict[str, Any]]:
        """Buckets ``{"timestamp": ms, "energy_wh": n}`` between start and end (ms)."""


async def _energy(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(EnergyState)
    return known.model_dump() if known is not None else EnergyState().model_dump()


async def _history(dev: Any, args: History, _: dict[str, str]) -> dict[str, Any]:
    stop = args.end if args.end is not None else now_ms()
    begin = args.start or stop - 24 * HOUR_MS
    begin = max(begin, stop - MAX_SPAN_MS)
    data = await dev.get_energy_history(args.interval, begin, stop)
    return {"interval": args.interval, "start": begin, "end": stop, "data": data}


register(
    Spec(
        Capability.ENERGY,
        "Energy",
        "Power now (W), energy used today and this month (Wh), voltage and current where "
        "the device reports them.",
        ("get_energy_history",),
        EnergyState,
        (
            Action("get", "GET", "energy", _energy, None, "Power and energy now"),
            Action("history", "GET", "energy/history", _history, History, "Energy buckets"),
        ),
        control="energy",
    )
)
