"""The app's event history: detection events stored, queried, bucketed and exported.

Types are the app's own: ``MOTION``, ``ANY_SOUND``, ``DOG_BARK``, ``BABY_CRY``,
``OBJECT_PERSON``, ``OBJECT_DOG``. Each type has the WebSocket message it is broadcast as.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from typing import Any

from camhub.clock import now_ms

EVENT_TYPES = ("MOTION", "ANY_SOUND", "DOG_BARK", "BABY_CRY", "OBJECT_PERSON", "OBJECT_DOG")
WS_MESSAGE = {
    "MOTION": "motion_detected",
    "ANY_SOUND": "sound_detected",
    "DOG_BARK": "sound_classified",
    "BABY_CRY": "baby_cry_classified",
    "OBJECT_PERSON": "object_detected",
    "OBJECT_DOG": "object_detected",
}
CSV_COLUMNS = (
    "id", "type", "timestamp", "confidence", "details", "cameraId", "resolution",
    "frameRate", "lightLevel", "motionZones", "thumbnailPath", "metadata",
)  # fmt: skip
LIMIT_MAX = 10_000
BUCKET_MIN, BUCKET_MAX = 60_000, 3_600_000
_ROW_BYTES = 180  # what one stored event costs in the emulated database


def day_start_ms(ts: int) -> int:
    day = dt.datetime.fromtimestamp(ts / 1000).replace(hour=0, minute=0, second=0, microsecond=0)
    return int(day.timestamp() * 1000)


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


class QueryError(ValueError):
    """A bad query parameter; the message is the API's error text."""


def _int_param(query: dict[str, str], name: str, default: int | None) -> int | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{name} must be an integer") from None


class EventLog:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._next_id = 1

    def add(
        self, type_: str, fields: dict[str, Any], timestamp: int | None = None
    ) -> dict[str, Any]:
        event = {
            "id": self._next_id,
            "eventId": 1000 + self._next_id,
            "timestamp": timestamp if timestamp is not None else now_ms(),
            "type": type_,
            **fields,
        }
        self._next_id += 1
        self.events.append(event)
        return event

    # queries ---------------------------------------------------------------------
    def query(self, params: dict[str, str]) -> dict[str, Any]:
        """``GET /events``: individual events, or buckets when ``bucketMs`` is given."""
        server_now = now_ms()
        day_start = day_start_ms(server_now)
        limit = _int_param(params, "limit", 1000)
        assert limit is not None
        if not 1 <= limit <= LIMIT_MAX:
            raise QueryError(f"limit must be between 1 and {LIMIT_MAX}")
        since = _int_param(params, "since", 0) or day_start
        until = _int_param(params, "until", None)
        bucket = _int_param(params, "bucketMs", None)
        if bucket is not None and not BUCKET_MIN <= bucket <= BUCKET_MAX:
            raise QueryError(f"bucketMs must be between {BUCKET_MIN} and {BUCKET_MAX}")
        wanted = params.get("type", "").upper()
        if wanted and wanted not in EVENT_TYPES:
            raise QueryError(f"type must be one of {', '.join(EVENT_TYPES)}")
        found = [
            e
            for e in self.events
            if e["timestamp"] >= since
            and (until is None or e["timestamp"] <= until)
            and (not wanted or e["type"] == wanted)
        ]
        if bucket is not None:
            return self._buckets(found, bucket, since, until or server_now)
        summary: dict[str, dict[str, Any]] = {}
        for e in found:
            row = summary.setdefault(e["type"], {"type": e["type"], "count": 0, "lastTimestamp": 0})
            row["count"] += 1
            row["lastTimestamp"] = max(row["lastTimestamp"], e["timestamp"])
        return {
            "serverNow": server_now,
            "dayStart": day_start,
            "events": found[-limit:],
            "summary": list(summary.values()),
        }

    @staticmethod
    def _buckets(found: list[dict[str, Any]], size: int, start: int, end: int) -> dict[str, Any]:
        counts: dict[int, Counter[str]] = {}
        for e in found:
            counts.setdefault(e["timestamp"] // size * size, Counter())[e["type"]] += 1
        return {
            "buckets": [{"timestamp": ts, "counts": dict(c)} for ts, c in sorted(counts.items())],
            "bucketMs": size,
            "timeRange": {"start": start, "end": end},
        }

    def range(self) -> dict[str, Any]:
        stamps = [e["timestamp"] for e in self.events]
        return {
            "minTimestamp": min(stamps, default=None),
            "maxTimestamp": max(stamps, default=None),
            "totalEvents": len(stamps),
        }

    def clear(self) -> int:
        n = len(self.events)
        self.events.clear()
        return n

    def stats(self) -> dict[str, Any]:
        by_type = Counter(e["type"] for e in self.events)
        size = 8192 + _ROW_BYTES * len(self.events)
        total, available = 68_719_476_736, 34_896_609_280
        return {
            "databaseSize": human_size(size),
            "databaseSizeBytes": size,
            "totalEvents": len(self.events),
            "motionEvents": by_type["MOTION"],
            "soundEvents": by_type["ANY_SOUND"] + by_type["DOG_BARK"] + by_type["BABY_CRY"],
            "eventsByType": dict(by_type),
            **{k: v for k, v in self.range().items() if k != "totalEvents"},
            "deviceStorageTotal": human_size(total),
            "deviceStorageAvailable": human_size(available),
            "deviceStorageTotalBytes": total,
            "deviceStorageAvailableBytes": available,
        }

    def export_csv(self, camera: dict[str, Any]) -> str:
        """Every event as CSV; ``camera`` gives cameraId, resolution and frameRate."""
        buf = io.StringIO()
        out = csv.writer(buf, lineterminator="\r\n")
        out.writerow(CSV_COLUMNS)
        base = {"id", "eventId", "timestamp", "type", "confidence"}
        for e in self.events:
            details = {k: v for k, v in e.items() if k not in base}
            out.writerow(
                (
                    e["id"], e["type"], e["timestamp"], e.get("confidence", ""),
                    "; ".join(f"{k}={v}" for k, v in details.items()),
                    camera["cameraId"], camera["resolution"], camera["frameRate"],
                    e.get("lightLevel", ""), e.get("motionZones", ""), "",
                    json.dumps({"eventId": e["eventId"], **details}, separators=(",", ":")),
                )
            )  # fmt: skip
        return buf.getvalue()
