"""``motion_detection`` (the device's own detector) and ``events`` (what it reports)."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import Field

from camhub.capabilities.base import Action, Args, Capability, Spec, State, register
from camhub.errors import InvalidArgument

C = Capability

# The event types camhub keeps as they are: the one vocabulary of every driver, the
# store, metrics and MQTT. Any other type a device reports is stored as ``other`` (its
# own word kept in the event's data as ``vendor_type``), so devices cannot grow metric
# labels and rollup rows without end (camhub.hub.event_types).
EVENT_TYPES: frozenset[str] = frozenset(
    {
        # movement and what moved
        "motion", "person", "face", "vehicle", "pet", "animal", "package",
        # sound
        "sound", "baby_cry", "glass_break", "smoke_alarm", "co_alarm",
        # scene rules and tampering
        "line_crossing", "intrusion", "loitering", "tamper",
        # doorbells, alarm inputs
        "doorbell", "alarm",
        "other",
    }
)  # fmt: skip


class MotionDetectionState(State):
    capability = C.MOTION_DETECTION
    enabled: bool
    sensitivity: int | None = Field(None, ge=1, le=100, description="percent; None: fixed")
    detected: bool | None = Field(None, description="motion seen right now, where known")


class EventsState(State):
    capability = C.EVENTS
    types: list[str] = Field(description="event types this device reports")


class MotionChange(Args):
    enabled: bool | None = None
    sensitivity: int | None = Field(None, ge=1, le=100)


class MotionDetectionDriver(Protocol):
    async def set_motion_detection(self, enabled: bool | None, sensitivity: int | None) -> None:
        """Change what is given (None: keep); sensitivity in percent 1-100."""


class EventsDriver(Protocol):
    def event_types(self) -> frozenset[str]:
        """The event types this device reports (a subset of EVENT_TYPES)."""


async def _get(dev: Any, _args: None, _: dict[str, str]) -> dict[str, Any]:
    known = dev.state.get(MotionDetectionState)
    if known is None:
        return {"enabled": False, "sensitivity": None, "detected": None}
    return dict(known.model_dump())


async def _set(dev: Any, args: MotionChange, _: dict[str, str]) -> dict[str, Any]:
    if args.enabled is None and args.sensitivity is None:
        raise InvalidArgument("give enabled and/or sensitivity", ["(body): nothing to change"])
    await dev.set_motion_detection(args.enabled, args.sensitivity)
    return {k: v for k, v in args.model_dump().items() if v is not None}


register(
    Spec(
        C.MOTION_DETECTION,
        "Motion detection",
        "The device's own motion detector: on or off, and its sensitivity (1-100).",
        ("set_motion_detection",),
        MotionDetectionState,
        (
            Action("get", "GET", "motion_detection", _get, None, "On/off and sensitivity"),
            Action("set", "POST", "motion_detection", _set, MotionChange, "Change them"),
        ),
        control="motion",
    )
)
register(
    Spec(
        C.EVENTS,
        "Events",
        "The device reports events (motion, person, sound, ...) into camhub's history.",
        ("event_types",),
        EventsState,
        (),
        control="events",
        hub_state=True,
    )
)
