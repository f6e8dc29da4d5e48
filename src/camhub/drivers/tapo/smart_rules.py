"""Rules a Tapo smart device keeps and runs on its own clock: the countdown (``timer``)
and the schedules (``schedules``).

Both are rule lists (``get_<kind>_rules``, ``add_<kind>_rule``, ``edit_<kind>_rule``,
``remove_<kind>_rules``, ``set_<kind>_all_enable``); a device holds one countdown and
16 to 32 schedules, paged ten at a time. They are config queries: read once a minute
or after a command; while a countdown runs it is read at every poll (its ``remain``
counted down from the time of the read in between).

A schedule rule: ``s_type`` ``normal`` at ``s_min`` (minute of the device's day), or
``sunrise``/``sunset`` with ``time_offset`` minutes; ``mode`` ``repeat`` on the
``week_day`` bits (bit 0 Sunday ... bit 6 Saturday) or ``once`` on ``year``/``month``/
``day``; ``desired_states`` ``{"on": ...}`` (a light's may hold more: kept on edit).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from camhub.capabilities import Capability as C
from camhub.capabilities import (
    Schedule,
    ScheduleChange,
    ScheduleRule,
    SchedulesDriver,
    SchedulesState,
    State,
    TimerDriver,
    TimerState,
    Weekday,
)
from camhub.capabilities.schedules import merged
from camhub.drivers.tapo.smart import TapoSmartDevice, command
from camhub.drivers.tapo.smart_protocol import Request
from camhub.drivers.tapo.smart_values import num
from camhub.errors import InvalidArgument, MalformedReply, NotFound

TIMER_MAX_S = 86400  # what add_countdown_rule takes as its delay
SCHEDULES_MAX = 64  # more than any device holds (a P110 32): bounds the paging
SCHEDULES: Request = ("get_schedule_rules", {"start_index": 0})
COUNTDOWN: Request = ("get_countdown_rules", None)
# week_day bit of each day (bit 0: Sunday)
DAY_BITS: dict[Weekday, int] = {
    "sun": 0,
    "mon": 1,
    "tue": 2,
    "wed": 3,
    "thu": 4,
    "fri": 5,
    "sat": 6,
}
SUN_TYPES = ("sunrise", "sunset")


def _rules(listing: Any) -> list[dict[str, Any]]:
    rules = listing.get("rule_list") if isinstance(listing, dict) else None
    if not isinstance(rules, list):
        return []
    return [r for r in rules if isinstance(r, dict) and isinstance(r.get("id"), str)]


def _running(listing: Any) -> tuple[int, bool] | None:
    """(seconds left, power it switches to) of the running countdown of a listing."""
    for rule in _rules(listing):
        wanted, remain = rule.get("desired_states"), num(rule, "remain")
        on = wanted.get("on") if isinstance(wanted, dict) else None
        if rule.get("enable") is True and remain and remain > 0 and isinstance(on, bool):
            return remain, on
    return None


class Countdown(TapoSmartDevice):
    """``timer``: the device's one countdown rule."""

    _countdown_seen: Any = None  # the last listing read
    _countdown_end: tuple[float, bool] | None = None  # (monotonic end, power) while it runs

    def _queries(self) -> list[Request]:
        queries = super()._queries()
        if C.TIMER in self.capabilities and self._countdown_end is not None:
            queries.append(COUNTDOWN)
        return queries

    def _config_queries(self) -> list[Request]:
        queries = super()._config_queries()
        if C.TIMER in self.capabilities and self._countdown_end is None:
            queries.append(COUNTDOWN)
        return queries

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        listing = got.get(COUNTDOWN[0])
        if C.TIMER in self.capabilities and isinstance(listing, dict):
            if listing is not self._countdown_seen:  # a new answer
                self._countdown_seen = listing
                running = _running(listing)
                self._countdown_end = (
                    (time.monotonic() + running[0], running[1]) if running else None
                )
            remaining, on = None, None
            if self._countdown_end is not None:
                end, power = self._countdown_end
                left = math.ceil(end - time.monotonic())
                remaining, on = (left, power) if left > 0 else (None, None)
            states.append(TimerState(remaining_s=remaining, on=on, max_s=TIMER_MAX_S))
        return states

    @command
    async def set_timer(self, seconds: int, on: bool | None) -> bool | None:
        self.need(C.TIMER, TimerDriver)
        if not 0 <= seconds <= TIMER_MAX_S:
            raise InvalidArgument(f"seconds must be 0-{TIMER_MAX_S}", [f"seconds: 0-{TIMER_MAX_S}"])
        listing = self._object(await self.proto.call(COUNTDOWN[0]), "countdown rules")
        rules = _rules(listing)
        if not seconds:
            if rules:
                await self.proto.call("remove_countdown_rules", {"remove_all": True})
            return None
        if on is None:  # the opposite of the power now
            on = (await self._fresh_info()).get("device_on") is not True
        rule = {"delay": int(seconds), "desired_states": {"on": bool(on)}, "enable": True}
        if rules:
            await self.proto.call("edit_countdown_rule", {"id": rules[0]["id"], **rule})
        else:
            await self.proto.call("add_countdown_rule", rule)
        if listing.get("enable") is False:
            await self.proto.call("set_countdown_all_enable", {"enable": True})
        return on


def to_schedule(rule: dict[str, Any]) -> Schedule | None:
    """A device rule as camhub's schedule; None for what cannot be shown as one."""
    wanted = rule.get("desired_states")
    if not isinstance(wanted, dict) or not isinstance(wanted.get("on"), bool):
        return None
    kind, minute = rule.get("s_type", "normal"), num(rule, "s_min")
    if kind in SUN_TYPES:
        at, offset = str(kind), num(rule, "time_offset") or 0
    elif minute is not None and 0 <= minute < 1440:
        at, offset = f"{minute // 60:02d}:{minute % 60:02d}", 0
    else:
        return None
    mask = num(rule, "week_day") or 0
    days = [] if rule.get("mode") == "once" else [d for d, b in DAY_BITS.items() if mask >> b & 1]
    try:
        return Schedule(
            id=rule["id"],
            enabled=rule.get("enable") is True,
            at=at,
            offset_min=offset,
            days=days,
            on=wanted["on"],
        )
    except ValidationError:
        return None


def to_rule(rule: ScheduleRule, time_diff_min: int, now: float | None = None) -> dict[str, Any]:
    """camhub's schedule as the device's rule (without id). A one-off rule is dated
    the next time its minute comes on the device's clock (UTC + ``time_diff``)."""
    sun = rule.at in SUN_TYPES
    minute = 0 if sun else int(rule.at[:2]) * 60 + int(rule.at[3:])
    local = datetime.fromtimestamp(now if now is not None else time.time(), UTC)
    local += timedelta(minutes=time_diff_min)
    day = local
    if not rule.days and not sun and minute <= local.hour * 60 + local.minute:
        day += timedelta(days=1)
    return {
        "enable": rule.enabled,
        "mode": "repeat" if rule.days else "once",
        "s_type": rule.at if sun else "normal",
        "s_min": minute,
        "time_offset": rule.offset_min,
        "e_type": "normal",
        "e_min": 0,
        "e_action": "none",
        "week_day": sum(1 << DAY_BITS[d] for d in rule.days),
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


class Schedules(TapoSmartDevice):
    """``schedules``: the device's schedule rules."""

    def _config_queries(self) -> list[Request]:
        queries = super()._config_queries()
        if C.SCHEDULES in self.capabilities:
            queries.append(SCHEDULES)
        return queries

    async def _absorb(self, got: dict[str, Any]) -> None:
        await super()._absorb(got)
        if C.SCHEDULES in self.capabilities:
            await self._pages(got, SCHEDULES[0], "rule_list", SCHEDULES_MAX)

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        listing = got.get(SCHEDULES[0])
        if C.SCHEDULES in self.capabilities and isinstance(listing, dict):
            shown = [s for s in map(to_schedule, _rules(listing)) if s is not None]
            top = num(listing, "schedule_rule_max_count") or len(shown)
            states.append(SchedulesState(schedules=shown, max_count=top))
        return states

    async def _stored(self, schedule_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the rule list, the rule) as the device has them now."""
        got = await self.proto.call_many([SCHEDULES])
        await self._pages(got, SCHEDULES[0], "rule_list", SCHEDULES_MAX)
        listing = self._object(got[SCHEDULES[0]], "schedule rules")
        rule = next((r for r in _rules(listing) if r["id"] == schedule_id), None)
        if rule is None:
            raise NotFound(f"{self.name} has no schedule {schedule_id!r}", device=self.name)
        return listing, rule

    def _rule_params(self, rule: ScheduleRule, old: dict[str, Any]) -> dict[str, Any]:
        wanted = old.get("desired_states")
        kept = dict(wanted) if isinstance(wanted, dict) else {}
        params = to_rule(rule, num(self.info, "time_diff") or 0)
        params["desired_states"] = {**kept, "on": rule.on}
        return params

    async def _enable_all(self, listing: Any) -> None:
        """Rules fire only while the list is enabled (the app's master switch)."""
        if isinstance(listing, dict) and listing.get("enable") is False:
            await self.proto.call("set_schedule_all_enable", {"enable": True})

    @command
    async def add_schedule(self, rule: ScheduleRule) -> str:
        self.need(C.SCHEDULES, SchedulesDriver)
        added = await self.proto.call("add_schedule_rule", self._rule_params(rule, {}))
        new_id = added.get("id") if isinstance(added, dict) else None
        if not isinstance(new_id, str):
            raise MalformedReply(self.name, "add_schedule_rule without id")
        if rule.enabled:
            await self._enable_all(await self.proto.call(*SCHEDULES))
        return new_id

    @command
    async def update_schedule(self, schedule_id: str, change: ScheduleChange) -> Schedule:
        self.need(C.SCHEDULES, SchedulesDriver)
        listing, old = await self._stored(schedule_id)
        current = to_schedule(old)
        if current is None:
            raise InvalidArgument(
                f"{self.name}: schedule {schedule_id} is not a rule camhub can show",
                [f"schedule_id: {schedule_id} cannot be changed here"],
            )
        rule = merged(current, change)
        params = self._rule_params(rule, old)
        await self.proto.call("edit_schedule_rule", {"id": schedule_id, **params})
        if rule.enabled:
            await self._enable_all(listing)
        return Schedule(id=schedule_id, **rule.model_dump())

    @command
    async def delete_schedule(self, schedule_id: str) -> None:
        self.need(C.SCHEDULES, SchedulesDriver)
        await self._stored(schedule_id)
        await self.proto.call("remove_schedule_rules", {"rule_list": [{"id": schedule_id}]})
