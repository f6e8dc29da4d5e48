"""Motion detection windows: camhub's shape <-> the MOTION group of a Sercomm camera.

A window is ``{"id": 1..4, "enabled": bool, "name": str, "area": [x0, y0, x1, y1],
"threshold": 0..255, "sensitivity": 1..10}``; ``area`` is on the camera's fixed
640x480 grid whatever the resolution.
"""

from __future__ import annotations

from typing import Any

from camhub.errors import InvalidArgument

WINDOWS = range(1, 5)
GRID_W, GRID_H = 640, 480


def _int(value: str, default: int = 0) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def read_motion(group: dict[str, str]) -> dict[str, Any]:
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
    active = [w for w in windows if w["enabled"]] or windows
    return {
        "enabled": group.get("md_mode") == "1",
        "sensitivity": active[0]["sensitivity"],
        "windows": windows,
    }


def _bounded(value: Any, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def _window_changes(w: Any, errors: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    if not isinstance(w, dict) or not _bounded(w.get("id"), 1, 4):
        errors.append("windows: each window needs an id from 1 to 4")
        return out
    i = w["id"]
    unknown = set(w) - {"id", "enabled", "name", "area", "threshold", "sensitivity"}
    if unknown:
        errors.append(f"windows.{i}: unknown keys {', '.join(sorted(unknown))}")
    if "enabled" in w:
        if isinstance(w["enabled"], bool):
            out[f"md_switch{i}"] = "1" if w["enabled"] else "0"
        else:
            errors.append(f"windows.{i}.enabled: must be true or false")
    if "name" in w:
        name = w["name"]
        if isinstance(name, str) and len(name) <= 12 and name.isascii() and name.isprintable():
            out[f"md_name{i}"] = name
        else:
            errors.append(f"windows.{i}.name: at most 12 printable ASCII characters")
    if "area" in w:
        area = w["area"]
        if (
            isinstance(area, list | tuple)
            and len(area) == 4
            and _bounded(area[0], 0, GRID_W - 1)
            and _bounded(area[2], 0, GRID_W - 1)
            and _bounded(area[1], 0, GRID_H - 1)
            and _bounded(area[3], 0, GRID_H - 1)
            and area[0] <= area[2]
            and area[1] <= area[3]
        ):
            out[f"md_window{i}"] = ",".join(str(v) for v in area)
        else:
            errors.append(
                f"windows.{i}.area: [x0, y0, x1, y1] with 0 <= x0 <= x1 <= 639 "
                "and 0 <= y0 <= y1 <= 479"
            )
    for key, lo, hi, vendor in (
        ("threshold", 0, 255, "md_threshold"),
        ("sensitivity", 1, 10, "md_sensitivity"),
    ):
        if key in w:
            if _bounded(w[key], lo, hi):
                out[f"{vendor}{i}"] = str(w[key])
            else:
                errors.append(f"windows.{i}.{key}: an integer from {lo} to {hi}")
    return out


def motion_changes(changes: dict[str, Any]) -> dict[str, str]:
    """MOTION group keys for camhub's changes; InvalidArgument lists every problem."""
    errors: list[str] = []
    out: dict[str, str] = {}
    unknown = set(changes) - {"enabled", "sensitivity", "windows"}
    if unknown:
        errors.append(f"unknown keys: {', '.join(sorted(unknown))}")
    if "enabled" in changes:
        if isinstance(changes["enabled"], bool):
            out["md_mode"] = "1" if changes["enabled"] else "0"
        else:
            errors.append("enabled: must be true or false")
    if "sensitivity" in changes:
        if _bounded(changes["sensitivity"], 1, 10):
            out.update({f"md_sensitivity{i}": str(changes["sensitivity"]) for i in WINDOWS})
        else:
            errors.append("sensitivity: an integer from 1 to 10")
    if "windows" in changes:
        if isinstance(changes["windows"], list):
            for w in changes["windows"]:
                out.update(_window_changes(w, errors))
        else:
            errors.append("windows: must be a list")
    if errors:
        raise InvalidArgument("Invalid motion detection settings", errors=errors)
    return out
