"""The camera's SD card: status, space, formatting, and how far back recordings go.

``harddisk_manage.hd_info`` is a table of one row, ``hd_info_1``, with the keys
real cameras answer (status ``normal``/``offline``/``formatting``, sizes such as
``"29.7GB"`` or ``"0B"``, ``record_start_time``...). Formatting takes a few
seconds of emulated time, during which playback searches are refused, then
starts the card afresh: no recordings before the format survive it.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from camhub.sim.tapo_camera.codes import CameraCode, CameraFault

GB = 1024**3
# Space the emulated recordings take per day, to make the figures move.
BYTES_PER_DAY = 4 * GB


def size(n: float) -> str:
    if n <= 0:
        return "0B"
    for unit, scale in (("GB", GB), ("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}{unit}"
    return f"{int(n)}B"


class SdCard:
    def __init__(
        self, present: bool = True, total: int = int(29.7 * GB), format_seconds: float = 2.0
    ) -> None:
        self.present = present
        self.total = total
        self.format_seconds = format_seconds
        self.formatting_since: float | None = None
        self.formats = 0
        # As if the card went in two days ago, at midnight UTC.
        today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.record_start = (today - dt.timedelta(days=2)).timestamp()

    def _progress(self) -> int | None:
        """Percent of a running format, or None when no format runs."""
        if self.formatting_since is None:
            return None
        elapsed = time.time() - self.formatting_since
        if self.format_seconds <= 0 or elapsed >= self.format_seconds:
            self.formatting_since = None
            return None
        return int(100 * elapsed / self.format_seconds)

    @property
    def status(self) -> str:
        if not self.present:
            return "offline"
        return "formatting" if self._progress() is not None else "normal"

    def require(self) -> None:
        """Refuse what needs a readable card (playback searches)."""
        if not self.present:
            raise CameraFault(CameraCode.STORAGE_NOT_EXIST)
        if self.status == "formatting":
            raise CameraFault(CameraCode.STORAGE_SD_LOADING)

    def format(self) -> None:
        if not self.present:
            raise CameraFault(CameraCode.SD_CARD_UNPLUGGED)
        self.formats += 1
        self.formatting_since = time.time()
        self.record_start = time.time()

    def finish_format(self) -> None:
        """End a running format now (a test hook)."""
        self.formatting_since = None

    def recording_days(self) -> list[str]:
        """``YYYYMMDD`` of each day since recording began, oldest first (UTC)."""
        if not self.present:
            return []
        first = dt.datetime.fromtimestamp(self.record_start, dt.UTC).date()
        today = dt.datetime.now(dt.UTC).date()
        return [
            (first + dt.timedelta(days=n)).strftime("%Y%m%d")
            for n in range((today - first).days + 1)
        ]

    def hd_info(self, loop: bool, accurate: bool = False) -> list[dict[str, Any]]:
        """The one-row table; ``accurate`` adds the newer SDK's byte counts."""
        status = self.status
        normal = status == "normal"
        used = min(self.total, (time.time() - self.record_start) / 86400 * BYTES_PER_DAY)
        total = self.total if self.present else 0
        free = total - used if normal else 0
        progress = self._progress()
        row = {
            "detect_status": "normal" if self.present else "offline",
            "disk_name": "1",
            "free_space": size(free),
            "loop_record_status": "1" if normal and loop else "0",
            "msg_push_free_space": "0B",
            "msg_push_total_space": "0B",
            "percent": str(progress or 0),
            "picture_free_space": "0B",
            "picture_total_space": "0B",
            "record_duration": str(int(time.time() - self.record_start)) if normal else "0",
            "record_free_duration": str(int(free / BYTES_PER_DAY * 86400)),
            "record_start_time": str(int(self.record_start)) if normal else "0",
            "rw_attr": "rw" if self.present else "r",
            "status": status,
            "total_space": size(total),
            "type": "local",
            "video_free_space": size(free),
            "video_total_space": size(total),
            "write_protect": "0",
        }
        if accurate:
            exact = {"free_space": free, "total_space": total, "video_free_space": free,
                     "video_total_space": total, "crossline_free_space": 0,
                     "crossline_total_space": 0, "msg_push_free_space": 0,
                     "msg_push_total_space": 0, "picture_free_space": 0,
                     "picture_total_space": 0}  # fmt: skip
            row.update(crossline_free_space="0B", crossline_total_space="0B")
            row.update({f"{key}_accurate": f"{int(n)}B" for key, n in exact.items()})
        return [{"hd_info_1": row}]
