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

OTHER = "other"
VENDOR_TYPE_CHARS = 64

KNOWN = frozenset(
    {
        # movement and what moved
        "motion", "person", "face", "vehicle", "pet", "dog", "cat", "animal", "package",
        "object",
        # sound
        "sound", "dog_bark", "baby_cry", "glass_break", "scream", "smoke_alarm", "co_alarm",
        # scene rules and tampering
        "line_crossing", "intrusion", "loitering", "tamper",
        # doorbells, alarm inputs and outputs
        "doorbell", "ring", "alarm", "io",
        OTHER,
    }
)  # fmt: skip


def normalize(event_type: Any, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(type, data) to store: a known type in lowercase, or ``other`` with
    ``data["vendor_type"]`` holding what the device said."""
    name = event_type.strip().lower() if isinstance(event_type, str) else ""
    if name in KNOWN:
        return name, data
    vendor = event_type if isinstance(event_type, str) else repr(event_type)
    return OTHER, {**data, "vendor_type": vendor[:VENDOR_TYPE_CHARS]}
