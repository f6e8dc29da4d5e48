"""The event types camhub stores, counts and publishes under their own name.

Devices name their events freely (a tinyCam server, an IP Camera app's object
classes, a Sercomm ``event=`` parameter set by whoever can reach the hook URL). Each
type becomes a metrics label, rollup rows per period and a filter value, so an
unbounded set of names would grow all three without end. Types outside
:data:`KNOWN` are stored as ``other``, with the device's own name kept in the event's
data as ``vendor_type``.
"""

from __future__ import annotations

from typing import Any

from camhub.capabilities import EVENT_TYPES

OTHER = "other"
VENDOR_TYPE_CHARS = 64

KNOWN = EVENT_TYPES


def normalize(event_type: Any, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(type, data) to store: a known type in lowercase, or ``other`` with
    ``data["vendor_type"]`` holding what the device said."""
    name = event_type.strip().lower() if isinstance(event_type, str) else ""
    if name in KNOWN:
        return name, data
    vendor = event_type if isinstance(event_type, str) else repr(event_type)
    return OTHER, {**data, "vendor_type": vendor[:VENDOR_TYPE_CHARS]}
