"""Values read from Tapo smart devices' replies: text, numbers, energy figures.

Nothing here raises anything but a DeviceError: replies come from the network.
"""

from __future__ import annotations

import base64
import binascii
import calendar
from datetime import UTC, datetime
from typing import Any

from camhub.errors import DeviceError


def b64text(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", "replace")
    except (ValueError, binascii.Error):
        return value


def num(data: Any, key: str) -> int | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def next_month(ts: int) -> int:
    d = datetime.fromtimestamp(ts, UTC)
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return calendar.timegm((year, month, 1, 0, 0, 0))


def ver_code(device: str, entry: dict[str, Any]) -> int:
    code = entry.get("ver_code", 1)
    if isinstance(code, str) and code.isdecimal():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        raise DeviceError(
            f"{device}: malformed reply (component {entry['id']!r}: ver_code {code!r})",
            device=device,
        )
    return code


def energy_from(usage: Any, power: Any) -> dict[str, Any]:
    """camhub's energy fields from ``get_energy_usage`` and ``get_current_power``
    (either may be missing or an error: what is there is used)."""
    out: dict[str, Any] = {}
    if isinstance(power, dict) and (watts := num(power, "current_power")) is not None:
        out["current_power_w"] = float(watts)
    elif (mw := num(usage, "current_power")) is not None:
        out["current_power_w"] = mw / 1000
    for src, dst in (
        ("today_energy", "today_energy_wh"),
        ("month_energy", "month_energy_wh"),
        ("today_runtime", "today_runtime_min"),
        ("month_runtime", "month_runtime_min"),
    ):
        if (value := num(usage, src)) is not None:
            out[dst] = value
    return out


def energy_buckets(values: list[Any], first: int, interval: str) -> list[dict[str, Any]]:
    """``get_energy_data`` values as ``{"timestamp": ms, "energy_wh": n}`` buckets."""
    buckets, ts = [], first
    for value in values:
        if isinstance(value, int | float):
            buckets.append({"timestamp": ts * 1000, "energy_wh": value})
        ts = {"hourly": ts + 3600, "daily": ts + 86400}.get(interval) or next_month(ts)
    return buckets
