"""Settings over the configuration groups: their shape, their schema, checks before sending.

camhub's settings of a Sercomm camera are its groups, ``{"GROUP": {"key": "value"}}``
(values as the camera gives them: text), plus two keys of camhub's:

- ``motion_windows``: the four motion windows (:class:`~.motion.MotionWindow`), which
  the MOTION group holds as ``md_switchN``, ``md_nameN``... (those keys are shown here
  rather than in the group; written as ``MOTION.md_...`` they are still accepted);
- ``event_log``: the camera's log, newest first, read-only.

``update_settings`` takes ``{"GROUP": {key: value}}`` or ``{"GROUP.key": value}`` with
strings, integers or booleans (sent as 1/0), and ``motion_windows`` as a list of window
changes (each with its ``id``). The camera itself checks ranges and read-only keys;
its refusals come back as ``GROUP.key: meaning`` errors.
"""

from __future__ import annotations

import re
from typing import Any

from camhub.drivers.sercomm.motion import MotionWindow, is_window_key, window_changes
from camhub.drivers.sercomm.redact import MASK, is_secret_key
from camhub.errors import InvalidArgument

_KEY = re.compile(r"^[A-Za-z0-9_]{1,64}$")
EVENT_LOG = "event_log"
MOTION_WINDOWS = "motion_windows"
# any other group name (the lookahead keeps camhub's own two keys out of it)
GROUP_NAME = rf"^(?!{MOTION_WINDOWS}$|{EVENT_LOG}$)[A-Za-z][A-Za-z0-9_]*$"


def _value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and "\n" not in value and "\r" not in value:
        return value
    return None


def shown(group: str, values: dict[str, str]) -> dict[str, str]:
    """A group as the settings show it (MOTION without its window keys)."""
    if group != "MOTION":
        return values
    return {k: v for k, v in values.items() if not is_window_key(k)}


def settings_changes(changes: Any, groups: list[str]) -> dict[str, dict[str, str]]:
    """Group -> key -> value text; InvalidArgument lists every problem."""
    if not isinstance(changes, dict) or not changes:
        raise InvalidArgument("settings: give {GROUP: {key: value}}")
    flat: list[tuple[str, str, Any]] = []
    errors: list[str] = []
    out: dict[str, dict[str, str]] = {}
    for name, value in changes.items():
        group, dot, key = str(name).partition(".")
        if group == EVENT_LOG:
            errors.append(f"{EVENT_LOG}: read-only (the camera's event log)")
        elif group == MOTION_WINDOWS and not dot:
            windows = window_changes(value, errors, MOTION_WINDOWS)
            if windows:
                out.setdefault("MOTION", {}).update(windows)
        elif dot:
            flat.append((group, key, value))
        elif isinstance(value, dict):
            flat += [(group, str(k), v) for k, v in value.items()]
        else:
            errors.append(f"{name}: give an object of keys, or use GROUP.key")
    for group, key, value in flat:
        where = f"{group}.{key}"
        if group not in groups:
            errors.append(f"{group}: no such group on this camera")
        elif not _KEY.match(key):
            errors.append(f"{where}: not a valid key name")
        elif (text := _value(value)) is None:
            errors.append(f"{where}: must be a single-line string, an integer or a boolean")
        else:
            out.setdefault(group, {})[key] = text
    if errors:
        raise InvalidArgument("Invalid settings", errors=errors)
    return out


def _group_schema(keys: list[str]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for key in keys:
        props[key] = {"type": "string"}
        if is_secret_key(key):
            props[key] |= {"format": "password", "description": f"always shown as {MASK}"}
    return {"type": "object", "properties": props, "additionalProperties": {"type": "string"}}


def settings_schema(groups: dict[str, list[str]]) -> dict[str, Any]:
    """The JSON Schema of the settings; ``groups``: the keys of each group last read
    (empty before the first read: any group name then)."""
    window = MotionWindow.model_json_schema()
    return {
        "title": "Sercomm camera settings",
        "type": "object",
        "properties": {
            **{g: _group_schema(keys) for g, keys in groups.items()},
            MOTION_WINDOWS: {"type": "array", "items": window, "maxItems": 4},
            EVENT_LOG: {
                "type": "array",
                "items": {"type": "string"},
                "readOnly": True,
                "description": "the camera's event log, newest first",
            },
        },
        "patternProperties": {GROUP_NAME: _group_schema([])},
        "additionalProperties": False,
    }
