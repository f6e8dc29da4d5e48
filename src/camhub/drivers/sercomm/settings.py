"""Settings over the configuration groups: shape checks before anything is sent.

camhub's settings of a Sercomm camera are its groups, ``{"GROUP": {"key": value}}``;
``update_settings`` also takes ``{"GROUP.key": value}``. Values are strings, integers
or booleans (sent as 1/0). The camera itself checks ranges and read-only keys; its
refusals come back as ``GROUP.key: meaning`` errors. ``event_log`` (the camera's log,
shown beside the groups) is read-only.
"""

from __future__ import annotations

import re
from typing import Any

from camhub.errors import InvalidArgument

_KEY = re.compile(r"^[A-Za-z0-9_]{1,64}$")
EVENT_LOG = "event_log"


def _value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and "\n" not in value and "\r" not in value:
        return value
    return None


def settings_changes(changes: Any, groups: list[str]) -> dict[str, dict[str, str]]:
    """Group -> key -> value text; InvalidArgument lists every problem."""
    if not isinstance(changes, dict) or not changes:
        raise InvalidArgument("settings: give {GROUP: {key: value}}")
    flat: list[tuple[str, str, Any]] = []
    errors: list[str] = []
    for name, value in changes.items():
        group, dot, key = str(name).partition(".")
        if group == EVENT_LOG:
            errors.append(f"{EVENT_LOG}: read-only (the camera's event log)")
        elif dot:
            flat.append((group, key, value))
        elif isinstance(value, dict):
            flat += [(group, str(k), v) for k, v in value.items()]
        else:
            errors.append(f"{name}: give an object of keys, or use GROUP.key")
    out: dict[str, dict[str, str]] = {}
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
