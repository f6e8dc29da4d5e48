"""A Tapo camera's detection: its motion detector's settings, and its detection log.

Sensitivity: the camera has three levels, written both as a label (``sensitivity``:
low, medium, high; "normal" in pytapo's words) and as ``digital_sensitivity`` 20,
50, 80 (pytapo sends only the latter). camhub's percent picks the level of its
third (1-33 low, 34-66 medium, 67-100 high) and a level reads back as its digital
value, so every level survives the round trip.

The detection log (``searchDetectionList``) is read on each poll and each detection
is emitted once, as the camhub event type of its ``alarm_type``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from camhub.capabilities import MotionDetectionState
from camhub.drivers.base import EventIn
from camhub.drivers.tapo.camera_protocol import CameraProtocol, dig, section
from camhub.errors import MalformedReply

# (label, digital_sensitivity, the highest percent that picks it)
LEVELS: tuple[tuple[str, int, int], ...] = (("low", 20, 33), ("medium", 50, 66), ("high", 80, 100))
LABEL_PERCENT = {"low": 20, "medium": 50, "normal": 50, "high": 80}

# Never read more than this much of the detection log after an outage.
EVENT_WINDOW_S = 10 * 60
# A detection is written to the log when its clip ends, with the clip's start
# time: up to 120 s of clip (pytapo's clip-length bounds) plus a 10 s pre-record
# buffer. Each search reaches this far back before the previous one.
EVENT_LOOKBACK_S = 180


class AlarmType(IntEnum):
    """``alarm_type`` of a detection-log entry -> camhub event type."""

    MOTION = 2
    PERSON = 6
    VEHICLE = 7
    PET = 8
    SOUND = 9


_CODES = frozenset(int(t) for t in AlarmType)
# What a Tapo camera reports; an alarm type not in the table is "other".
REPORTED_TYPES = frozenset({t.name.lower() for t in AlarmType} | {"other"})


def motion_state(device: str, data: dict[str, Any]) -> MotionDetectionState:
    """The ``motion_detection`` state from ``getDetectionConfig``."""
    det = section(data, ("motion_detection", "motion_det"), device)
    raw = str(det.get("digital_sensitivity", "")).strip()
    digital = int(raw) if raw.isdecimal() and len(raw) <= 3 else 0
    percent = digital if 1 <= digital <= 100 else None
    if percent is None:
        percent = LABEL_PERCENT.get(str(det.get("sensitivity", "")).lower())
    return MotionDetectionState(enabled=det.get("enabled") == "on", sensitivity=percent)


def motion_fields(enabled: bool | None, sensitivity: int | None) -> dict[str, str]:
    """``setDetectionConfig``'s ``motion_det`` fields for a change."""
    fields: dict[str, str] = {}
    if enabled is not None:
        fields["enabled"] = "on" if enabled else "off"
    if sensitivity is not None:
        label, digital, _ = next(level for level in LEVELS if sensitivity <= level[2])
        fields["digital_sensitivity"] = str(digital)
        fields["sensitivity"] = label
    return fields


def clock_seconds(device: str, data: dict[str, Any]) -> int:
    """The camera's clock from ``getClockStatus``."""
    seconds = section(data, ("system", "clock_status"), device).get("seconds_from_1970")
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise MalformedReply(device, "clock_status without seconds_from_1970")
    return seconds


class DetectionLog:
    """Reads the camera's detection log and emits each detection once."""

    def __init__(
        self, protocol: CameraProtocol, device: str, emit: Callable[[EventIn], None]
    ) -> None:
        self._protocol = protocol
        self._device = device
        self._emit = emit
        self._floor: int | None = None  # camera time of the first connect
        self._cursor: int | None = None  # camera time of the last search
        self._seen: set[tuple[int, int]] = set()

    def start(self, cam_now: int) -> None:
        """Report only what is logged from now on (the first connect)."""
        if self._floor is None:
            self._floor = cam_now

    async def read(self, cam_now: int, sent: float, received: float) -> None:
        """Emit what the log holds since the last read. ``cam_now`` is the camera's
        clock (whole seconds), read by a request sent and answered at these local
        times."""
        floor = self._floor if self._floor is not None else cam_now
        cursor = self._cursor if self._cursor is not None else floor
        # Reach back before the last search: a detection is logged when its clip
        # ends, under the clip's (older) start time.
        since = max(floor, cursor - EVENT_LOOKBACK_S, cam_now - EVENT_WINDOW_S)
        search = {
            "start_index": 0,
            "channel": 0,
            "start_time": since,
            "end_time": cam_now + 60,
            "end_index": 999,
        }
        found = await self._protocol.call(
            "searchDetectionList", {"playback": {"search_detection_list": search}}
        )
        items = (
            dig(found, ("playback", "search_detection_list"), self._device)
            if "playback" in found
            else []
        )
        if not isinstance(items, list):
            raise MalformedReply(self._device, "search_detection_list is not a list")
        # local - camera clock lies in [low, high] (whole seconds, request time): no
        # correction unless the clocks provably disagree.
        low, high = sent - cam_now - 1, received - cam_now
        correction = 0 if low <= 0 <= high else round((low + high) / 2)
        for item in items:
            # One entry we cannot read is skipped, like one without a start time:
            # failing the poll would take the whole camera offline for ten minutes.
            if not isinstance(item, dict):
                continue
            start, alarm = item.get("start_time"), item.get("alarm_type", AlarmType.MOTION)
            if not isinstance(start, int) or not isinstance(alarm, int) or start < floor:
                continue
            if (start, alarm) in self._seen:
                continue
            self._seen.add((start, alarm))
            kind = AlarmType(alarm).name.lower() if alarm in _CODES else "other"
            data = {"alarm_type": alarm, "end_time": item.get("end_time")}
            self._emit(EventIn(kind, data, (start + correction) * 1000))
        self._cursor = cam_now
        # Keep every key a later search can still return (with a margin).
        horizon = cam_now - 2 * EVENT_LOOKBACK_S
        self._seen = {key for key in self._seen if key[0] >= horizon}
