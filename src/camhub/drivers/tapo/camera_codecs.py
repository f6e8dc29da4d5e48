"""How one camhub setting reads from, and writes into, one Tapo config section.

A codec's ``read(section)`` gives the setting's value, or None when the section does
not hold it (that camera lacks the setting); ``write(value, section)`` gives the
fields to send for a new value, given the section as it is now (some fields depend
on others: the alarm's ``alarm_mode`` holds both sound and light).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from camhub.drivers.tapo.camera_detection import LABEL_PERCENT, level_fields, level_percent


class Codec(Protocol):
    def read(self, section: dict[str, Any]) -> Any: ...

    def write(self, value: Any, section: dict[str, Any]) -> dict[str, Any]: ...


def _decimal(value: Any) -> int | None:
    text = str(value).strip() if isinstance(value, str | int) else ""
    return int(text) if text.lstrip("-").isdecimal() and len(text) <= 9 else None


@dataclass(frozen=True)
class Switch:
    field: str
    on: str = "on"
    off: str = "off"

    def read(self, section: dict[str, Any]) -> bool | None:
        value = section.get(self.field)
        return value == self.on if value in (self.on, self.off) else None

    def write(self, value: bool, section: dict[str, Any]) -> dict[str, Any]:
        return {self.field: self.on if value else self.off}


@dataclass(frozen=True)
class Number:
    field: str

    def read(self, section: dict[str, Any]) -> int | None:
        return _decimal(section.get(self.field))

    def write(self, value: int, section: dict[str, Any]) -> dict[str, Any]:
        return {self.field: str(value)}


@dataclass(frozen=True)
class Text:
    field: str
    write_field: str = ""  # where a write goes, when not ``field`` (device alias)

    def read(self, section: dict[str, Any]) -> str | None:
        value = section.get(self.field)
        return value if isinstance(value, str) else None

    def write(self, value: str, section: dict[str, Any]) -> dict[str, Any]:
        return {self.write_field or self.field: value}


@dataclass(frozen=True)
class Choice:
    field: str
    values: tuple[tuple[str, str], ...]  # (the camera's word, camhub's)

    def read(self, section: dict[str, Any]) -> str | None:
        return dict(self.values).get(str(section.get(self.field)))

    def write(self, value: str, section: dict[str, Any]) -> dict[str, Any]:
        return {self.field: {ours: theirs for theirs, ours in self.values}[value]}


@dataclass(frozen=True)
class Level:
    """A detector's sensitivity in percent: a number (the AI detectors' ``sensitivity``
    "0".."100"), or three levels (``digital_sensitivity`` and/or a low/medium/high
    label, mapped like motion detection's)."""

    def read(self, section: dict[str, Any]) -> int | None:
        number = _decimal(section.get("sensitivity"))
        if number is not None and "digital_sensitivity" not in section:
            return number if 1 <= number <= 100 else None
        return level_percent(section)

    def write(self, value: int, section: dict[str, Any]) -> dict[str, Any]:
        if "digital_sensitivity" in section:
            return level_fields(value)
        if str(section.get("sensitivity", "")).lower() in LABEL_PERCENT:
            return {"sensitivity": level_fields(value)["sensitivity"]}
        return {"sensitivity": str(value)}


@dataclass(frozen=True)
class AlarmPart:
    """``sound`` or ``light`` in the alarm's ``alarm_mode`` list."""

    part: str

    def read(self, section: dict[str, Any]) -> bool | None:
        modes = section.get("alarm_mode")
        return self.part in modes if isinstance(modes, list) else None

    def write(self, value: bool, section: dict[str, Any]) -> dict[str, Any]:
        modes = [m for m in section.get("alarm_mode") or [] if m != self.part]
        if value:
            modes.append(self.part)
        return {"alarm_mode": [m for m in ("sound", "light") if m in modes]}


@dataclass(frozen=True)
class Tone:
    """The alarm sound, by name, from the camera's ``alert_type_list``."""

    names: tuple[str, ...]

    def read(self, section: dict[str, Any]) -> str | None:
        index = _decimal(section.get("alarm_type"))
        return self.names[index] if index is not None and 0 <= index < len(self.names) else None

    def write(self, value: str, section: dict[str, Any]) -> dict[str, Any]:
        return {"alarm_type": str(self.names.index(value))}


def zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name and ".." not in name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def standard_offset(tz: ZoneInfo) -> str:
    """The zone's offset outside daylight saving, as the camera writes it: UTC+01:00."""
    now = dt.datetime.now(tz)
    offset = (now.utcoffset() or dt.timedelta(0)) - (now.dst() or dt.timedelta(0))
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True)
class TimeZone:
    """The IANA zone; writing it also writes the camera's UTC offset."""

    def read(self, section: dict[str, Any]) -> str | None:
        value = section.get("zone_id")
        return value if isinstance(value, str) else None

    def write(self, value: str, section: dict[str, Any]) -> dict[str, Any]:
        tz = zone(value)
        if tz is None:
            raise ValueError("unknown time zone")
        return {"zone_id": value, "timezone": standard_offset(tz)}


@dataclass(frozen=True)
class Flag:
    """A read-only yes/no the camera writes as "1"/"0"."""

    field: str

    def read(self, section: dict[str, Any]) -> bool | None:
        value = section.get(self.field)
        return value in ("1", 1, True) if value in ("0", "1", 0, 1, True, False) else None

    def write(self, value: bool, section: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("read-only")
