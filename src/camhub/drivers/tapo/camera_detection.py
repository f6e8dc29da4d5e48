"""A Tapo camera's detection: its motion detector's settings, and its detection log.

Sensitivity: the camera has three levels, written both as a label (``sensitivity``:
low, medium, high; "normal" in pytapo's words) and as ``digital_sensitivity`` 20,
50, 80 (pytapo sends only the latter). camhub's percent picks the level of its
third (1-33 low, 34-66 medium, 67-100 high) and a level reads back as its digital
value, so every level survives the round trip.

The detection log (``searchDetectionList``) is read on each poll and each detection
is emitted once, as the camhub event type of its ``alarm_type``. The numbering is
the Tapo app's ``PlayBackEventType`` (2 motion, 3 tamper, 4 line crossing, 5 area
intrusion, 6 person, 7 baby cry, 8 vehicle, 9 pet, 11-13 bark, meow, glass break),
as a reverse-engineered map of the app lists it and ioBroker.tapo confirms for 6.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from camhub.capabilities import MotionDetectionState
from camhub.drivers.base import EventIn
from camhub.drivers.tapo.camera_errors import TapoCameraError
from camhub.drivers.tapo.camera_protocol import CameraProtocol, dig, section
from camhub.errors import DeviceError, MalformedReply

# (label, digital_sensitivity, the highest percent that picks it)
LEVELS: tuple[tuple[str, int, int], ...] = (("low", 20, 33), ("medium", 50, 66), ("high", 80, 100))
LABEL_PERCENT = {"low": 20, "medium": 50, "normal": 50, "high": 80}

# The detection log lives on the SD card: no card (or one being formatted or
# loaded) answers these, which say nothing about the camera being reachable.
NO_LOG_CODES = frozenset({TapoCameraError.STORAGE_NOT_EXIST, TapoCameraError.STORAGE_SD_LOADING})

# Never read more than this much of the detection log after an outage.
EVENT_WINDOW_S = 10 * 60
# A detection is written to the log when its clip ends, with the clip's start
# time: up to 120 s of clip (pytapo's clip-length bounds) plus a 10 s pre-record
# buffer. Each search reaches this far back before the previous one.
EVENT_LOOKBACK_S = 180


class AlarmType(IntEnum):
    """``alarm_type`` of a detection-log entry."""

    MOTION = 2
    TAMPER = 3
    LINE_CROSSING = 4
    INTRUSION = 5
    PERSON = 6
    BABY_CRY = 7
    VEHICLE = 8
    PET = 9
    BARK = 11
    MEOW = 12
    GLASS = 13


# alarm_type -> camhub event type (the sounds keep their own word in the event data)
SOUNDS = frozenset({AlarmType.BARK, AlarmType.MEOW, AlarmType.GLASS})
EVENT_OF = {t: "sound" if t in SOUNDS else t.name.lower() for t in AlarmType}
_CODES = frozenset(int(t) for t in AlarmType)

# The detector module each event type needs (motion and "other": every camera).
DETECTORS: dict[str, tuple[str, ...]] = {
    "person": ("people_detection",),
    "vehicle": ("vehicle_detection",),
    "pet": ("pet_detection",),
    "baby_cry": ("sound_detection",),
    "tamper": ("tamper_detection",),
    "line_crossing": ("linecrossing_detection",),
    "sound": ("bark_detection", "meow_detection", "glass_detection"),
}


def reported_types(modules: frozenset[str]) -> frozenset[str]:
    """The event types a camera with these detector modules reports."""
    found = {kind for kind, needs in DETECTORS.items() if modules.intersection(needs)}
    return frozenset({"motion", "other", *found})


def level_percent(det: dict[str, Any]) -> int | None:
    """Percent of a detector's level (``digital_sensitivity``, else its label)."""
    raw = str(det.get("digital_sensitivity", "")).strip()
    digital = int(raw) if raw.isdecimal() and len(raw) <= 3 else 0
    if 1 <= digital <= 100:
        return digital
    return LABEL_PERCENT.get(str(det.get("sensitivity", "")).lower())


def level_fields(percent: int) -> dict[str, str]:
    """The label and digital value of the level a percent picks."""
    label, digital, _ = next(level for level in LEVELS if percent <= level[2])
    return {"digital_sensitivity": str(digital), "sensitivity": label}


def motion_state(device: str, data: dict[str, Any]) -> MotionDetectionState:
    """The ``motion_detection`` state from ``getDetectionConfig``."""
    det = section(data, ("motion_detection", "motion_det"), device)
    return MotionDetectionState(enabled=det.get("enabled") == "on", sensitivity=level_percent(det))


def motion_fields(enabled: bool | None, sensitivity: int | None) -> dict[str, str]:
    """``setDetectionConfig``'s ``motion_det`` fields for a change."""
    fields: dict[str, str] = {}
    if enabled is not None:
        fields["enabled"] = "on" if enabled else "off"
    if sensitivity is not None:
        fields.update(level_fields(sensitivity))
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
        try:
            found = await self._protocol.call(
                "searchDetectionList", {"playback": {"search_detection_list": search}}
            )
        except DeviceError as exc:
            if exc.code in NO_LOG_CODES:
                return  # no card, or one being formatted: nothing to read, camera fine
            raise
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
            kind = EVENT_OF[AlarmType(alarm)] if alarm in _CODES else "other"
            data: dict[str, Any] = {"alarm_type": alarm, "end_time": item.get("end_time")}
            if alarm in SOUNDS:
                data["sound"] = AlarmType(alarm).name.lower()
            self._emit(EventIn(kind, data, (start + correction) * 1000))
        self._cursor = cam_now
        # Keep every key a later search can still return (with a margin).
        horizon = cam_now - 2 * EVENT_LOOKBACK_S
        self._seen = {key for key in self._seen if key[0] >= horizon}
