"""What a ``set`` may write: every key must already exist in the section, and its new
value must be of the kind the camera keeps there (an on/off switch stays on/off, a
number a number, a choice one of its choices). Anything else is refused with
``-40210`` and nothing is written, so a bad request never half-applies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from camhub.sim.tapo_camera.codes import CameraCode, CameraFault

CHOICES: dict[str, frozenset[str]] = {
    "flip_type": frozenset({"off", "center"}),
    "rotate_type": frozenset({"off", "center"}),
    "inf_type": frozenset({"auto", "on", "off"}),
    "light_freq_mode": frozenset({"auto", "50", "60"}),
    "timing_mode": frozenset({"ntp", "manual"}),
    "bitrate_type": frozenset({"cbr", "vbr"}),
    "alarm_volume": frozenset({"low", "normal", "high"}),
    "switch_mode": frozenset({"common", "schedule", "auto"}),
}
# keys whose numeric value is a percentage
PERCENT = frozenset({"digital_sensitivity", "volume", "speaker_volume", "smartir_level"})
LEVELS = frozenset({"low", "medium", "high"})
PLAN_SLOT = re.compile(r"^\d{4}-\d{4}(:\d)?$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
DAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})


def _bad() -> CameraFault:
    return CameraFault(CameraCode.NOT_SUPPORTED)


def _number(value: Any) -> int:
    if isinstance(value, bool):
        raise _bad()
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    raise _bad()


def _plan_day(value: Any) -> str:
    """A day of a recording or arming plan: a JSON list of ``HHMM-HHMM[:mode]``."""
    try:
        slots = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        slots = None
    if not isinstance(slots, list) or not all(
        isinstance(s, str) and PLAN_SLOT.match(s) for s in slots
    ):
        raise _bad()
    return str(value)


def _special(key: str, value: Any, choices: Mapping[str, frozenset[str]]) -> Any:
    """Rules that do not follow from the current value's kind; NotImplemented if none."""
    if key in choices:
        if value not in choices[key]:
            raise _bad()
        return value
    if key in DAYS:
        return _plan_day(value)
    if key == "alarm_mode":
        if not isinstance(value, list) or not value or not set(value) <= {"sound", "light"}:
            raise _bad()
        return list(value)
    if key == "text":
        if not isinstance(value, str) or len(value) > 16:
            raise _bad()
        return value
    if key in ("x_coor", "y_coor"):
        if not 0 <= _number(value) <= 10000:
            raise _bad()
        return _number(value)
    if key == "time" and not (isinstance(value, str) and CLOCK.match(value)):
        raise _bad()
    return NotImplemented


def coerce(key: str, current: Any, value: Any, choices: Mapping[str, frozenset[str]]) -> Any:
    """The value to store for ``key`` (currently ``current``), or CameraFault."""
    merged = {**CHOICES, **choices}
    special = _special(key, value, merged)
    if special is not NotImplemented:
        return special
    if current in ("on", "off"):
        if value not in ("on", "off"):
            raise _bad()
        return value
    if current in LEVELS and key == "sensitivity":
        if value not in LEVELS:
            raise _bad()
        return value
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise _bad()
        return value
    if isinstance(current, int):
        return _number(value)
    if isinstance(current, list):
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise _bad()
        return list(value)
    if isinstance(current, str) and re.fullmatch(r"-?\d+", current):
        number = _number(value)
        if (key in PERCENT or key == "sensitivity") and not 0 <= number <= 100:
            raise _bad()
        return str(number)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _bad()
    return str(value)
