"""``schedules``: rules the device keeps that switch its power at a time of day.

A rule fires at a clock time (``"HH:MM"`` on the device's clock) or at sunrise or
sunset (with an offset in minutes), on the given weekdays, or once when no day is
given. The device runs them itself, camhub or not.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register
from camhub.errors import Conflict, InvalidArgument, NotFound

C = Capability
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AT = r"^(([01]\d|2[0-3]):[0-5]\d|sunrise|sunset)$"
SUN = ("sunrise", "sunset")


class ScheduleRule(BaseModel):
    """One rule, as a client writes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True
    at: str = Field(pattern=AT, description='"HH:MM" on the device clock, "sunrise" or "sunset"')
    offset_min: int = Field(0, ge=-720, le=720, description="after sunrise/sunset (< 0: before)")
    days: list[Weekday] = Field(
        default_factory=list, max_length=7, description="the weekdays it repeats; none: once"
    )
    on: bool = Field(description="the power it switches to")

    @field_validator("days")
    @classmethod
    def _each_day_once(cls, value: list[Weekday]) -> list[Weekday]:
        return [d for d in WEEKDAYS if d in value]  # Monday first

    def checked(self) -> ScheduleRule:
        if self.offset_min and self.at not in SUN:
            raise InvalidArgument(
                "offset_min goes with sunrise or sunset", ["offset_min: only with sunrise/sunset"]
            )
        return self


class Schedule(ScheduleRule):
    id: str


class SchedulesState(State):
    capability = C.SCHEDULES
    schedules: list[Schedule]
    max_count: int = Field(ge=0, description="how many rules the device keeps")


class ScheduleNew(Args):
    enabled: bool = True
    at: str = Field(pattern=AT)
    offset_min: int = Field(0, ge=-720, le=720)
    days: list[Weekday] = Field(default_factory=list, max_length=7)
    on: bool


class ScheduleChange(Args):
    enabled: bool | None = None
    at: str | None = Field(None, pattern=AT)
    offset_min: int | None = Field(None, ge=-720, le=720)
    days: list[Weekday] | None = Field(None, max_length=7)
    on: bool | None = None


def merged(current: ScheduleRule, change: ScheduleChange) -> ScheduleRule:
    """A rule with a change applied (a new clock time drops a sunrise offset)."""
    changes = change.model_dump(exclude_none=True)
    fields = {**current.model_dump(include=set(ScheduleRule.model_fields)), **changes}
    if "at" in changes and changes["at"] not in SUN and "offset_min" not in changes:
        fields["offset_min"] = 0
    return ScheduleRule(**fields).checked()


class SchedulesDriver(Protocol):
    async def add_schedule(self, rule: ScheduleRule) -> str:
        """Store a new rule; return its id."""

    async def update_schedule(self, schedule_id: str, change: ScheduleChange) -> Schedule:
        """Apply a change to the rule as the device has it now (:func:`merged`);
        return the rule as stored. NotFound for an unknown id."""

    async def delete_schedule(self, schedule_id: str) -> None:
        """NotFound for an unknown id."""


def _known(dev: Any) -> SchedulesState:
    known: SchedulesState | None = dev.state.get(SchedulesState)
    if known is None:
        raise NotFound(f"{dev.name}: its schedules are not known yet", device=dev.name)
    return known


async def _list(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(SchedulesState)
    return known.model_dump() if known is not None else {"schedules": [], "max_count": 0}


async def _add(dev: Any, args: ScheduleNew, _: dict[str, str]) -> dict[str, Any]:
    known = _known(dev)
    if len(known.schedules) >= known.max_count:
        raise Conflict(f"{dev.name} keeps at most {known.max_count} schedules", device=dev.name)
    rule = ScheduleRule(**args.model_dump()).checked()
    schedule_id = await dev.add_schedule(rule)
    return {"id": schedule_id, **rule.model_dump()}


async def _update(dev: Any, args: ScheduleChange, params: dict[str, str]) -> dict[str, Any]:
    if not args.model_dump(exclude_none=True):
        raise InvalidArgument("nothing to change", ["(body): give a field"])
    stored: Schedule = await dev.update_schedule(params["schedule_id"], args)
    return stored.model_dump()


async def _delete(dev: Any, _args: None, params: dict[str, str]) -> dict[str, Any]:
    await dev.delete_schedule(params["schedule_id"])
    return {}


register(
    Spec(
        C.SCHEDULES,
        "Schedules",
        "Rules the device keeps: switch on or off at a time of day, or at sunrise or "
        "sunset, on given weekdays or once.",
        ("add_schedule", "update_schedule", "delete_schedule"),
        SchedulesState,
        (
            Action("list", "GET", "schedules", _list, None, "The rules"),
            Action("add", "POST", "schedules", _add, ScheduleNew, "Add a rule"),
            Action(
                "update",
                "POST",
                "schedules/{schedule_id}",
                _update,
                ScheduleChange,
                "Change a rule",
            ),
            Action("delete", "DELETE", "schedules/{schedule_id}", _delete, None, "Delete one"),
        ),
        control="schedules",
    )
)
