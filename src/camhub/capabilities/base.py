"""What a capability is: one typed contract, the same for every vendor.

A :class:`Spec` holds, for one :class:`Capability`:

- its **state model** (a :class:`State` subclass: the same keys and units for every
  vendor; a vendor's extras go under the device's ``vendor`` key, never here);
- its **actions** (:class:`Action`): the REST route each one answers at, its argument
  model and how it calls the driver;
- its **driver interface**: the methods a driver defines to have the capability (a
  ``typing.Protocol`` for the type checker; :meth:`Spec.implemented_by` for the hub).

A device has a capability exactly when its class implements the interface; a driver may
narrow the set at connect (a camera without a motor has no ``ptz``), never widen it.
Routes, the WebSocket, MQTT, compat layers and the web page iterate over :data:`SPECS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict


class Capability(StrEnum):
    POWER = "power"
    BRIGHTNESS = "brightness"
    COLOR = "color"
    COLOR_TEMP = "color_temp"
    EFFECTS = "effects"
    ENERGY = "energy"
    CHILDREN = "children"
    PTZ = "ptz"
    PRESETS = "presets"
    SNAPSHOT = "snapshot"
    STREAM = "stream"
    AUDIO = "audio"
    PRIVACY = "privacy"
    LED = "led"
    LIGHT = "light"
    SIREN = "siren"
    MOTION_DETECTION = "motion_detection"
    ARM = "arm"
    SETTINGS = "settings"
    EVENTS = "events"
    REBOOT = "reboot"
    RAW = "raw"
    STORAGE = "storage"
    FIRMWARE = "firmware"
    TIMER = "timer"
    AUTO_OFF = "auto_off"
    SCHEDULES = "schedules"
    POWER_PROTECTION = "power_protection"
    LIGHT_PRESETS = "light_presets"


class State(BaseModel):
    """The typed state of one capability. Subclasses set :attr:`capability`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    capability: ClassVar[Capability]


class Args(BaseModel):
    """Arguments of an action (a request body, or query parameters for a GET)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


S = TypeVar("S", bound=State)

# (device, arguments, path parameters) -> the answer's fields (``success`` is added
# for actions that change something).
Runner = Callable[[Any, Any, dict[str, str]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Action:
    """One thing a client can ask of a capability, and the route it answers at.

    ``path`` is relative to ``/api/devices/{name}/``. ``run`` is None for media routes
    (snapshot, streams) which the media router serves itself; a test checks that every
    action of every spec has its route.
    """

    name: str
    method: Literal["GET", "POST", "DELETE"]
    path: str
    run: Runner | None
    args: type[BaseModel] | None = None
    summary: str = ""
    admin_only: bool = False  # also for reading (settings can hold addresses)
    refresh: bool = True  # poll the device after it, so the new state is published

    @property
    def changes_state(self) -> bool:
        return self.method != "GET"


@dataclass(frozen=True)
class Spec:
    capability: Capability
    title: str
    description: str
    methods: tuple[str, ...]  # what a driver class defines to have it
    state: type[State] | None
    actions: tuple[Action, ...] = ()
    # How the web page renders it (one renderer per control kind in web/controls.js).
    control: str = "none"
    # Filled by the hub, not by the driver (children, events).
    hub_state: bool = False

    def implemented_by(self, cls: type) -> bool:
        return all(callable(getattr(cls, m, None)) for m in self.methods)

    def describe(self) -> dict[str, Any]:
        """This spec as ``GET /api/capabilities`` shows it (JSON Schemas)."""
        return {
            "name": str(self.capability),
            "title": self.title,
            "description": self.description,
            "control": self.control,
            "state": self.state.model_json_schema() if self.state is not None else None,
            "actions": [
                {
                    "name": a.name,
                    "method": a.method,
                    "path": a.path,
                    "summary": a.summary,
                    "adminOnly": a.admin_only or a.changes_state,
                    "args": a.args.model_json_schema() if a.args is not None else None,
                }
                for a in self.actions
            ],
        }


SPECS: dict[Capability, Spec] = {}


def register(spec: Spec) -> Spec:
    if spec.capability in SPECS:
        raise ValueError(f"capability {spec.capability} is specified twice")
    if spec.state is not None and spec.state.capability is not spec.capability:
        raise ValueError(f"{spec.state.__name__} belongs to {spec.state.capability}")
    SPECS[spec.capability] = spec
    return spec


def implemented(cls: type) -> frozenset[Capability]:
    """Every capability whose interface ``cls`` implements."""
    return frozenset(c for c, spec in SPECS.items() if spec.implemented_by(cls))


@dataclass
class DeviceState:
    """A device's state: one typed :class:`State` per capability, plus vendor extras."""

    values: dict[Capability, State] = field(default_factory=dict)
    vendor: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, *values: State | None, vendor: dict[str, Any] | None = None) -> DeviceState:
        return cls({v.capability: v for v in values if v is not None}, dict(vendor or {}))

    def get(self, model: type[S]) -> S | None:
        value = self.values.get(model.capability)
        return value if isinstance(value, model) else None

    def set(self, *values: State) -> None:
        for v in values:
            self.values[v.capability] = v

    def __iter__(self) -> Iterator[State]:
        return iter(self.values.values())

    def keep(self, capabilities: Iterable[Capability]) -> DeviceState:
        """Only the given capabilities' states (a driver's declared set)."""
        wanted = set(capabilities)
        kept = {c: v for c, v in self.values.items() if c in wanted}
        return DeviceState(kept, dict(self.vendor))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            str(c): v.model_dump(mode="json") for c, v in sorted(self.values.items())
        }
        out["vendor"] = self.vendor
        return out
