"""Values read from Tapo smart devices' replies: text, numbers, components, energy.

Nothing here raises anything but a DeviceError: replies come from the network.
"""

from __future__ import annotations

import base64
import binascii
import calendar
from datetime import UTC, datetime
from typing import Any

from camhub.capabilities import EnergyState
from camhub.errors import MalformedReply


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


def num_in(data: Any, key: str, lo: int, hi: int) -> int | None:
    """``data[key]`` when it is an integer in ``lo..hi``, else None."""
    value = num(data, key)
    return value if value is not None and lo <= value <= hi else None


def next_month(ts: int) -> int:
    d = datetime.fromtimestamp(ts, UTC)
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return calendar.timegm((year, month, 1, 0, 0, 0))


def _ver_code(device: str, entry: dict[str, Any]) -> int:
    code = entry.get("ver_code", 1)
    if isinstance(code, str) and code.isdecimal():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        raise MalformedReply(device, f"component {entry['id']!r}: ver_code {code!r}")
    return code


def components(device: str, reply: Any) -> dict[str, int]:
    """``component_nego`` (or one entry of a child component list): id -> version."""
    listed = reply.get("component_list") if isinstance(reply, dict) else None
    if not isinstance(listed, list):
        raise MalformedReply(device, "no component_list")
    return {str(c["id"]): _ver_code(device, c) for c in listed if isinstance(c, dict) and "id" in c}


def energy_state(usage: Any, power: Any, emeter: Any) -> EnergyState:
    """The ``energy`` state from ``get_energy_usage``, ``get_current_power`` and
    ``get_emeter_data`` (any may be missing or an error: what is there is used)."""
    watts: float | None = None
    milliwatts = num(emeter, "power_mw")
    if milliwatts is None:
        milliwatts = num(usage, "current_power")  # milliwatts here, watts below
    if (w := num(power, "current_power")) is not None:
        watts = float(w)
    elif milliwatts is not None:
        watts = milliwatts / 1000
    voltage_mv, current_ma = num(emeter, "voltage_mv"), num(emeter, "current_ma")
    today, month = num(usage, "today_energy"), num(usage, "month_energy")
    return EnergyState(
        power_w=watts,
        today_wh=float(today) if today is not None else None,
        month_wh=float(month) if month is not None else None,
        today_runtime_min=num(usage, "today_runtime"),
        month_runtime_min=num(usage, "month_runtime"),
        voltage_v=voltage_mv / 1000 if voltage_mv is not None else None,
        current_a=current_ma / 1000 if current_ma is not None else None,
    )


MAX_ENERGY_PAGES = 16  # requests for one history read (e.g. 16 years of months)
HOURLY_PAGE_DAYS = 7


def aligned_start(interval: str, ts: int) -> int:
    """Where the device's data for a page starts: the day (hourly), the first of the
    month (daily: the device echoes the asked start), January (monthly)."""
    d = datetime.fromtimestamp(ts, UTC)
    if interval == "hourly":
        return calendar.timegm((d.year, d.month, d.day, 0, 0, 0))
    if interval == "daily":
        return calendar.timegm((d.year, d.month, 1, 0, 0, 0))
    return calendar.timegm((d.year, 1, 1, 0, 0, 0))


def page_span(interval: str, ts: int) -> int:
    """The end of the page that starts at ``ts`` (what one request can cover)."""
    start = aligned_start(interval, ts)
    if interval == "hourly":
        return start + HOURLY_PAGE_DAYS * 86400
    months = 3 if interval == "daily" else 12
    for _ in range(months):
        start = next_month(start)
    return start


def next_bucket(interval: str, ts: int) -> int:
    return {"hourly": ts + 3600, "daily": ts + 86400}.get(interval) or next_month(ts)


def energy_buckets(values: list[Any], first: int, interval: str) -> list[dict[str, Any]]:
    """``get_energy_data`` values as ``{"timestamp": ms, "energy_wh": n}`` buckets."""
    buckets, ts = [], first
    for value in values:
        if isinstance(value, int | float):
            buckets.append({"timestamp": ts * 1000, "energy_wh": value})
        ts = next_bucket(interval, ts)
    return buckets
