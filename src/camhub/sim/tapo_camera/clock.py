"""The camera's clock, time zone and daylight-saving rule.

``system.basic`` holds ``timezone`` ("UTC+01:00"), ``timing_mode`` and
``zone_id`` (an IANA name). ``clock_status`` is read-only: seconds since 1970 and
the local time in the zone. ``dst`` is derived from the zone, in the shape real
cameras answer: ``{"enabled", "synced", "has_rule", "dst_rule"}`` with a rule like
``DST-02:00,M3.5.0/02:00:00,M10.5.0/03:00:00`` (pytapo issue 183, Tapo Control
issue 307).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from camhub.sim.tapo_camera.codes import CameraCode, CameraFault

OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")


def _zone(zone_id: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(zone_id)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _fixed(timezone: str) -> dt.timezone:
    match = OFFSET.match(timezone)
    if not match:
        return dt.UTC
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    return dt.timezone(sign * dt.timedelta(minutes=minutes))


def _posix_offset(offset: dt.timedelta) -> str:
    """POSIX sign convention: UTC+02:00 is written -02:00."""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes >= 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _transition(zone: ZoneInfo, year: int, to_dst: bool) -> tuple[dt.datetime, dt.timedelta] | None:
    """Local wall time (in the offset being left) at which the zone enters or leaves
    daylight saving in ``year``, and the UTC offset in summer."""
    hour = dt.timedelta(hours=1)
    moment = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    while moment < end:
        before = moment.astimezone(zone)
        after = (moment + hour).astimezone(zone)
        if bool(before.dst()) != bool(after.dst()) and bool(after.dst()) == to_dst:
            summer = after if to_dst else before
            wall = after - (after.dst() or hour) if to_dst else after + (before.dst() or hour)
            return wall.replace(tzinfo=None), summer.utcoffset() or dt.timedelta(0)
        moment += hour
    return None


def _mwd(wall: dt.datetime) -> str:
    """POSIX ``Mm.w.d/hh:mm:ss`` (week 5 = the last one, day 0 = Sunday)."""
    last = (wall + dt.timedelta(days=7)).month != wall.month
    week = 5 if last else (wall.day - 1) // 7 + 1
    return f"M{wall.month}.{week}.{(wall.weekday() + 1) % 7}/{wall:%H:%M:%S}"


@functools.lru_cache(maxsize=32)
def _rule(zone_id: str, year: int) -> str:
    zone = _zone(zone_id)
    if zone is None:
        return ""
    start, stop = _transition(zone, year, True), _transition(zone, year, False)
    if start is None or stop is None:
        return ""
    return f"DST{_posix_offset(start[1])},{_mwd(start[0])},{_mwd(stop[0])}"


class Clock:
    """Reads the camera's time settings from its ``system.basic`` section."""

    def __init__(self, basic: dict[str, Any]) -> None:
        self.basic = basic

    def tzinfo(self) -> dt.tzinfo:
        zone = _zone(str(self.basic.get("zone_id", "")))
        return zone if zone is not None else _fixed(str(self.basic.get("timezone", "")))

    def status(self) -> dict[str, Any]:
        now = int(time.time())
        local = dt.datetime.fromtimestamp(now, self.tzinfo())
        return {"local_time": local.strftime("%Y-%m-%d %H:%M:%S"), "seconds_from_1970": now}

    def dst(self) -> dict[str, Any]:
        rule = _rule(str(self.basic.get("zone_id", "")), dt.datetime.now(dt.UTC).year)
        on = "1" if rule else "0"
        return {
            ".name": "dst",
            ".type": "dst",
            "enabled": on,
            "synced": on,
            "has_rule": on,
            "dst_rule": rule,
        }

    @staticmethod
    def check(fields: dict[str, Any]) -> None:
        """Refuse a ``system.basic`` update the camera would refuse."""
        if "zone_id" in fields and _zone(str(fields["zone_id"])) is None:
            raise CameraFault(CameraCode.NOT_SUPPORTED)
        if "timezone" in fields and not OFFSET.match(str(fields["timezone"])):
            raise CameraFault(CameraCode.NOT_SUPPORTED)
        if fields.get("timing_mode", "ntp") not in ("ntp", "manual"):
            raise CameraFault(CameraCode.NOT_SUPPORTED)
