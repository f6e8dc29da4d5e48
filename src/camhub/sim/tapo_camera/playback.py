"""Recordings and the detection log: the ``playback`` searches.

* ``search_detection_list`` -> ``search_detection_list``: detections between two
  camera-clock times (``start_time``, ``end_time``, ``alarm_type``);
* ``search_year_utility`` -> ``search_results``: the days with recordings, each
  ``{"search_results_N": {"date": "YYYYMMDD"}}``;
* ``search_video_utility`` (a day) and ``search_video_with_utc`` (a range) ->
  ``search_video_results``: clips ``{"search_video_results_N": {"startTime",
  "endTime", "vedio_type"}}`` (sic). Both need a playback user ID from
  ``getUserID``; a wrong one answers ``-71103``.

Everything needs a readable SD card (``-71114`` without one) and nothing from
before the card's last format is found.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from camhub.sim.tapo_camera.codes import CameraCode, CameraFault
from camhub.sim.tapo_camera.motion import Detection, DetectionLog
from camhub.sim.tapo_camera.storage import SdCard

MAX_RESULTS = 1000


def as_dict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
    return value


def as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST) from None


class Playback:
    def __init__(self, detections: DetectionLog, card: SdCard) -> None:
        self.detections = detections
        self.card = card
        self.user_id = secrets.randbelow(90000) + 10000

    def get_user_id(self, _value: Any) -> dict[str, Any]:
        return {"user_id": self.user_id}

    def _found(self, start: int, end: int) -> list[Detection]:
        self.card.require()
        since = int(self.card.record_start)
        return [d for d in self.detections.between(max(start, since), end) if d.start >= since]

    def _window(self, args: dict[str, Any]) -> tuple[int, int]:
        first = max(0, as_int(args.get("start_index", 0)))
        last = min(as_int(args.get("end_index", MAX_RESULTS - 1)), first + MAX_RESULTS - 1)
        return first, last

    def search_detections(self, value: Any) -> dict[str, Any]:
        args = as_dict(value)
        start, end = as_int(args.get("start_time")), as_int(args.get("end_time"))
        first, last = self._window(args)
        items = [d.item() for d in self._found(start, end)]
        return {"playback": {"search_detection_list": items[first : last + 1]}}

    def search_days(self, value: Any) -> dict[str, Any]:
        args = as_dict(value)
        self.card.require()
        lo, hi = str(args.get("start_date", "")), str(args.get("end_date", "99999999"))
        days = [d for d in self.card.recording_days() if lo <= d <= hi]
        results = [{f"search_results_{i + 1}": {"date": d}} for i, d in enumerate(days)]
        return {"playback": {"search_results": results}}

    def _clips(self, start: int, end: int, args: dict[str, Any]) -> dict[str, Any]:
        first, last = self._window(args)
        clips = []
        for i, det in enumerate(self._found(start, end)[first : last + 1]):
            clip = {"startTime": det.start - 5, "endTime": det.end + 10, "vedio_type": 2}
            clips.append({f"search_video_results_{first + i + 1}": clip})
        return {"playback": {"search_video_results": clips}}

    def search_day(self, value: Any) -> dict[str, Any]:
        args = as_dict(value)
        self._check_user(args)
        try:
            day = dt.datetime.strptime(str(args.get("date")), "%Y%m%d").replace(tzinfo=dt.UTC)
        except ValueError:
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST) from None
        start = int(day.timestamp())
        return self._clips(start, start + 86399, args)

    def search_utc(self, value: Any) -> dict[str, Any]:
        args = as_dict(value)
        self._check_user(args)
        return self._clips(as_int(args.get("start_time")), as_int(args.get("end_time")), args)

    def _check_user(self, args: dict[str, Any]) -> None:
        if as_int(args.get("id", -1)) != self.user_id:
            raise CameraFault(CameraCode.USER_ID_INVALID)
