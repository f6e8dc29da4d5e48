"""The MOTION group of a Sercomm camera: the switch, the sensitivity and the windows.

``motion_detection`` (the capability) is ``md_mode`` and one sensitivity in percent;
the camera keeps a sensitivity per window on its own 1..10 scale
(``md_sensitivity1..4``), shown as the first enabled window's and set on all four.

The windows themselves are settings (``motion_windows`` beside the groups): a window
is :class:`MotionWindow` (a change to one, :class:`WindowChange`); ``area`` is on the
camera's fixed 640x480 grid whatever the resolution, and its ``sensitivity`` is on the
camera's 1..10 scale, as the group holds it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

WINDOWS = range(1, 5)
GRID_W, GRID_H = 640, 480
LEVELS = 10  # the camera's sensitivity scale, 1..LEVELS
# MOTION keys of window N, shown as ``motion_windows`` rather than in the group
_WINDOW_PREFIXES = ("md_switch", "md_name", "md_window", "md_threshold", "md_sensitivity")


def _on_the_grid(area: list[int]) -> list[int]:
    x0, y0, x1, y1 = area
    if not (0 <= x0 <= x1 < GRID_W and 0 <= y0 <= y1 < GRID_H):
        raise PydanticCustomError(
            "off_grid", "[x0, y0, x1, y1] with 0 <= x0 <= x1 <= 639 and 0 <= y0 <= y1 <= 479"
        )
    return area


WindowId = Annotated[int, Field(ge=1, le=4)]
Name = Annotated[str, Field(max_length=12, pattern=r"^[ -~]*$", description="printable ASCII")]
Area = Annotated[
    list[int],
    Field(min_length=4, max_length=4, description="[x0, y0, x1, y1] on a 640x480 grid"),
    AfterValidator(_on_the_grid),
]
Threshold = Annotated[int, Field(ge=0, le=255)]
Level = Annotated[int, Field(ge=1, le=LEVELS, description="the camera's scale, 1-10")]


class MotionWindow(BaseModel):
    """One motion window, as the settings show it."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: WindowId
    enabled: bool
    name: Name
    area: Area
    threshold: Threshold
    sensitivity: Level


class WindowChange(BaseModel):
    """A change to one window: its ``id`` and the keys to change."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: WindowId
    enabled: bool | None = None
    name: Name | None = None
    area: Area | None = None
    threshold: Threshold | None = None
    sensitivity: Level | None = None


def _int(value: str, default: int = 0) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def is_window_key(key: str) -> bool:
    return any(key.startswith(p) and key[len(p) :].isdecimal() for p in _WINDOW_PREFIXES)


def read_windows(group: dict[str, str]) -> list[dict[str, Any]]:
    windows = []
    for i in WINDOWS:
        area = [_int(p) for p in group.get(f"md_window{i}", "0,0,0,0").split(",")]
        windows.append(
            {
                "id": i,
                "enabled": group.get(f"md_switch{i}") == "1",
                "name": group.get(f"md_name{i}", ""),
                "area": [*area, 0, 0, 0, 0][:4],
                "threshold": _int(group.get(f"md_threshold{i}", "0")),
                "sensitivity": _int(group.get(f"md_sensitivity{i}", "0")),
            }
        )
    return windows


def percent(level: int) -> int | None:
    """The camera's 1..10 as percent (10 -> 100); None for a value off its scale."""
    return level * 100 // LEVELS if 1 <= level <= LEVELS else None


def level(percent: int) -> int:
    """Percent 1..100 as the camera's 1..10 (nearest, halves up, at least 1)."""
    return max(1, min(LEVELS, (percent * LEVELS + 50) // 100))


def read_sensitivity(group: dict[str, str]) -> int | None:
    """The sensitivity in percent: the first enabled window's, else window 1's."""
    windows = read_windows(group)
    active = [w for w in windows if w["enabled"]] or windows
    return percent(active[0]["sensitivity"])


def sensitivity_changes(percent: int) -> dict[str, str]:
    return {f"md_sensitivity{i}": str(level(percent)) for i in WINDOWS}


def window_changes(windows: Any, errors: list[str], where: str) -> dict[str, str]:
    """MOTION keys for a list of window changes; problems go to ``errors``."""
    if not isinstance(windows, list):
        errors.append(f"{where}: must be a list of windows")
        return {}
    out: dict[str, str] = {}
    for n, raw in enumerate(windows):
        try:
            w = WindowChange.model_validate(raw)
        except ValidationError as exc:
            for e in exc.errors(include_url=False):
                loc = "".join(f".{p}" for p in e["loc"][:1])
                errors.append(f"{where}.{n}{loc}: {e['msg']}")
            continue
        i = w.id
        if w.enabled is not None:
            out[f"md_switch{i}"] = "1" if w.enabled else "0"
        if w.name is not None:
            out[f"md_name{i}"] = w.name
        if w.area is not None:
            out[f"md_window{i}"] = ",".join(str(v) for v in w.area)
        if w.threshold is not None:
            out[f"md_threshold{i}"] = str(w.threshold)
        if w.sensitivity is not None:
            out[f"md_sensitivity{i}"] = str(w.sensitivity)
    return out
