"""The emulated camera's pan/tilt motor, presets and detection log."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from camhub.sim.tapo_camera.codes import CameraCode, CameraFault

PAN_RANGE = (0, 360)
TILT_RANGE = (0, 114)
PAN_STEP = 15
TILT_STEP = 10
MAX_PRESETS = 8

# The detection log's alarm_type values: the Tapo app's PlayBackEventType (a
# reverse-engineered map of the app; ioBroker.tapo confirms 6 for a person).
ALARM_TYPES = {
    "motion": 2,
    "tamper": 3,
    "line_crossing": 4,
    "intrusion": 5,
    "person": 6,
    "baby_cry": 7,
    "vehicle": 8,
    "pet": 9,
    "bark": 11,
    "meow": 12,
    "glass": 13,
}


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


@dataclass
class Motor:
    """Pan 0..360 (left to right), tilt 0..114 (down to up), home in the middle."""

    pan: int = 180
    tilt: int = 57
    cruising: str | None = None  # "x" | "y" while patrolling
    moves: int = 0

    def home(self) -> None:
        self.pan, self.tilt, self.cruising = 180, 57, None

    def move_to(self, pan: int, tilt: int) -> None:
        """Go to an absolute position, or fail if already stuck at the end of travel."""
        new_pan, new_tilt = _clamp(pan, PAN_RANGE), _clamp(tilt, TILT_RANGE)
        wanted_move = (pan, tilt) != (self.pan, self.tilt)
        if wanted_move and (new_pan, new_tilt) == (self.pan, self.tilt):
            raise CameraFault(CameraCode.MOTOR_LOCKED_ROTOR)
        self.pan, self.tilt = new_pan, new_tilt
        self.moves += 1

    def step(self, direction: int) -> None:
        """``movestep``: 0 pans right (pytapo's "clockwise"), 180 left, 90 up, 270 down.

        Right is the way a positive ``move`` ``x_coord`` turns (the ``tapo`` crate:
        "positive pan moves right"; Home Assistant Tapo Control's Move Right button
        sends +x), so a step and a move agree.
        """
        deltas = {0: (PAN_STEP, 0), 90: (0, TILT_STEP), 180: (-PAN_STEP, 0), 270: (0, -TILT_STEP)}
        nearest = min(deltas, key=lambda d: min(abs(d - direction), 360 - abs(d - direction)))
        dx, dy = deltas[nearest]
        self.move_to(self.pan + dx, self.tilt + dy)


@dataclass
class Preset:
    id: str
    name: str
    pan: int
    tilt: int


@dataclass
class Presets:
    items: dict[str, Preset] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    next_id: int = 1

    def add(self, name: str, pan: int, tilt: int) -> Preset:
        if len(self.items) >= MAX_PRESETS:
            raise CameraFault(CameraCode.PRESET_SATURATED)
        preset = Preset(str(self.next_id), name, pan, tilt)
        self.next_id += 1
        self.items[preset.id] = preset
        return preset

    def get(self, preset_id: str) -> Preset:
        if preset_id in self.items:
            return self.items[preset_id]
        raise CameraFault(
            CameraCode.PRESET_DELETED if preset_id in self.deleted else CameraCode.PRESET_NOT_FOUND
        )

    def remove(self, preset_id: str) -> None:
        self.get(preset_id)
        del self.items[preset_id]
        self.deleted.add(preset_id)

    def config(self, normalized: bool, zoom: bool = False) -> dict[str, Any]:
        """``preset.preset``: parallel lists, positions relative to home (as
        -1..1 fractions on normalized-PTZ models, degrees on the C200)."""
        ps = list(self.items.values())

        def where(value: int, centre: int) -> str:
            offset = value - centre
            return f"{offset / centre:.6f}" if normalized else str(offset)

        config = {
            "id": [p.id for p in ps],
            "name": [p.name for p in ps],
            "read_only": ["0" for _ in ps],
            "position_pan": [where(p.pan, 180) for p in ps],
            "position_tilt": [where(p.tilt, 57) for p in ps],
        }
        if zoom:  # newer SDK
            config["position_zoom"] = ["0.000000" for _ in ps]
        return config


@dataclass
class Detection:
    start: int  # seconds since the epoch, camera clock
    end: int
    kind: str

    def item(self) -> dict[str, Any]:
        return {
            "start_time": self.start,
            "end_time": self.end,
            "alarm_type": ALARM_TYPES.get(self.kind, ALARM_TYPES["motion"]),
        }


class DetectionLog:
    """Detections: a scripted scene (one every ``period`` s) plus added ones.

    The scene alternates motion and person detections, each lasting a few seconds;
    the log is computed from the clock, so no background task is needed.
    """

    def __init__(self, period: float, enabled: bool = True) -> None:
        self.started = time.time()
        self.period = period
        self.scripted = enabled and period > 0
        self.added: list[Detection] = []

    def add(self, kind: str = "motion", start: int | None = None, duration: int = 5) -> Detection:
        begin = int(time.time()) if start is None else start
        det = Detection(begin, begin + duration, kind)
        self.added.append(det)
        return det

    def between(self, start: int, end: int) -> list[Detection]:
        now = time.time()
        found = [d for d in self.added if start <= d.start <= end]
        if self.scripted:
            k = 1
            while (t := self.started + k * self.period) <= now:
                if start <= int(t) <= end:
                    kind = "person" if k % 2 == 0 else "motion"
                    found.append(Detection(int(t), int(t) + 4, kind))
                k += 1
        return sorted(found, key=lambda d: d.start)
