"""Capabilities Tapo smart devices share, one mixin each: a driver class lists the
mixins of what it can do (a plug: :class:`Switch`, :class:`Metered`,
:class:`StatusLed`, :class:`Rebootable`).

Each mixin implements one capability's interface, adds its queries to the poll's
batch and reads its typed state from the answers; it reads and asks nothing when
``connect()`` narrowed its capability away (a P100 has no energy meter).
"""

from __future__ import annotations

from typing import Any, ClassVar

from camhub.capabilities import Capability as C
from camhub.capabilities import EnergyDriver, Interval, LedDriver, LedState, PowerState, State
from camhub.drivers.tapo.smart import TapoSmartDevice, command
from camhub.drivers.tapo.smart_protocol import Request
from camhub.drivers.tapo.smart_tables import ENERGY_INTERVALS
from camhub.drivers.tapo.smart_values import (
    MAX_ENERGY_PAGES,
    aligned_start,
    energy_buckets,
    energy_state,
    next_bucket,
    num,
    page_span,
)
from camhub.errors import InvalidArgument, MalformedReply

LED_RULES = ("always", "never", "night_mode")


class Switch(TapoSmartDevice):
    """``power``: the relay of a plug or socket, a light's on/off."""

    async def set_power(self, on: bool) -> None:
        await self._set(device_on=bool(on))

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        on = self.info.get("device_on")
        if C.POWER in self.capabilities and isinstance(on, bool):
            states.append(PowerState(on=on))
        return states


class Metered(TapoSmartDevice):
    """``energy``: power now, energy today and this month, history buckets."""

    # What a poll asks for the energy state (a socket, reached through its strip
    # one request per method, asks only the first).
    energy_queries: ClassVar[tuple[str, ...]] = (
        "get_energy_usage",
        "get_current_power",
        "get_emeter_data",
    )

    def _queries(self) -> list[Request]:
        queries = super()._queries()
        if C.ENERGY in self.capabilities:
            queries += [(method, None) for method in self.energy_queries]
        return queries

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        if C.ENERGY in self.capabilities:
            usage, power, emeter = (
                got.get(m) for m in ("get_energy_usage", "get_current_power", "get_emeter_data")
            )
            states.append(energy_state(usage, power, emeter))
        return states

    async def get_energy_history(self, interval: Interval, start: int, end: int) -> list[Any]:
        """Buckets between start and end (ms), read page by page as the device answers:
        hourly in whole days (at most a few days a request), daily in three months from
        the first of a month, monthly in a year from January; labelled from the page's
        aligned start and trimmed to the buckets that overlap the window asked for (the
        month of ``start`` counts, whatever its day)."""
        self.need(C.ENERGY, EnergyDriver)
        if interval not in ENERGY_INTERVALS:
            raise InvalidArgument("interval must be hourly, daily or monthly")
        if not 0 <= start < end:
            raise InvalidArgument("start must be before end", errors=["start: before end"])
        buckets: list[dict[str, Any]] = []
        page_start = start // 1000
        for _ in range(MAX_ENERGY_PAGES):
            page_end = min(end // 1000, page_span(interval, page_start))
            params = {
                "start_timestamp": page_start,
                "end_timestamp": max(page_end, page_start),
                "interval": ENERGY_INTERVALS[interval],
            }
            data = self._object(await self.proto.call("get_energy_data", params), "get_energy_data")
            values, first = data.get("data"), num(data, "start_timestamp")
            if not isinstance(values, list) or first is None:
                raise MalformedReply(self.name, "get_energy_data without data or start_timestamp")
            page = energy_buckets(values, aligned_start(interval, int(first)), interval)
            buckets += [
                b
                for b in page
                if b["timestamp"] < end
                and next_bucket(interval, b["timestamp"] // 1000) * 1000 > start
            ]
            if not page:
                break
            page_start = next_bucket(interval, page[-1]["timestamp"] // 1000)
            if page_start * 1000 >= end:
                break
        return buckets


class StatusLed(TapoSmartDevice):
    """``led``: the status LED (``always`` on, ``never``, or ``night_mode``: off at
    night, which counts as on)."""

    def _queries(self) -> list[Request]:
        queries = super()._queries()
        if C.LED in self.capabilities:
            queries.append(("get_led_info", None))
        return queries

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        led = got.get("get_led_info")
        rule = led.get("led_rule") if isinstance(led, dict) else None
        if C.LED in self.capabilities and rule in LED_RULES:
            states.append(LedState(on=rule != "never"))
        return states

    @command
    async def set_led(self, on: bool) -> None:
        self.need(C.LED, LedDriver)
        current = self._object(await self.proto.call("get_led_info"), "get_led_info")
        await self.proto.call("set_led_info", {**current, "led_rule": "always" if on else "never"})


class Rebootable(TapoSmartDevice):
    """``reboot``: the device restarts a second after answering."""

    async def reboot(self) -> None:
        await self.proto.call("device_reboot", {"delay": 1})
