"""Recorded events and their files, as tinyCam keeps them on the phone.

A recording is ``/<camera name>/<YYYY-MM-DD HH.MM.SS> <N>sec <kind>.mp4`` with its
still image next to it (same name + ``.jpg``). Pinning renames the files with a
``_pin`` suffix before the extension, as the document's unpin example shows. Files are
real: the JPEG is a frame of the camera's picture, the MP4 a minimal ``ftyp`` box.
"""

from __future__ import annotations

import re
import shutil
import struct
import tempfile
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from camhub.sim.tinycam.cameras import SimCamera

EVENT_KINDS = ("motion", "person", "vehicle", "pet", "face", "audio")
FILTERS = (*EVENT_KINDS, "pin")


def tiny_mp4() -> bytes:
    """A few bytes that file(1) and players recognise as an MP4 (ftyp + empty mdat)."""
    ftyp = b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41"
    return struct.pack(">I", 8 + len(ftyp)) + b"ftyp" + ftyp + struct.pack(">I", 8) + b"mdat"


@dataclass
class SimEvent:
    camera_id: int
    time: int  # ms
    duration: int  # ms
    kind: str
    video: str  # "/Camera/2020-09-29 15.06.04 120sec person.mp4"
    cloud: bool = False
    pinned: bool = False
    has_image: bool = True

    @property
    def image(self) -> str:
        return self.video + ".jpg"

    def listing(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "time": self.time,
            "duration": self.duration,
            "motion": self.kind,
            "video": "/api/v1/get_file?file=" + quote(self.video, safe="/"),
        }
        if self.has_image:
            entry["image"] = "/api/v1/get_file?file=" + quote(self.image, safe="/")
        return entry


class Recordings:
    """Events of every camera plus the directory holding their files."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="camhub-tinycam-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.root), True)
        self.events: list[SimEvent] = []

    def close(self) -> None:
        self._finalizer()

    # writing ---------------------------------------------------------------------
    def record(
        self,
        cam: SimCamera,
        kind: str,
        when_ms: int | None = None,
        duration_ms: int = 5000,
        cloud: bool = False,
    ) -> SimEvent:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        when_ms = int(time.time() * 1000) if when_ms is None else when_ms
        stamp = time.strftime("%Y-%m-%d %H.%M.%S", time.localtime(when_ms / 1000))
        base = f"{stamp} {max(1, duration_ms // 1000)}sec {kind}"
        name = f"/{cam.name}/{base}.mp4"
        n = 1
        while any(e.video == name for e in self.events):  # same second, same kind
            n += 1
            name = f"/{cam.name}/{base} {n}.mp4"
        event = SimEvent(cam.id, when_ms, duration_ms, kind, name, cloud=cloud)
        video = self.path_of(name)
        video.parent.mkdir(parents=True, exist_ok=True)
        video.write_bytes(tiny_mp4())
        self.path_of(event.image).write_bytes(cam.video.frame(t=when_ms / 1000))
        self.events.append(event)
        return event

    def finish(self, event: SimEvent, duration_ms: int) -> None:
        """The recording ended: its final length goes into the file names
        (``... 5sec person.mp4`` -> ``... 120sec person.mp4``) and the listing."""
        folder, _, base = event.video.rpartition("/")
        base = re.sub(r" \d+sec ", f" {max(1, duration_ms // 1000)}sec ", base, count=1)
        self._rename(event, f"{folder}/{base}")
        event.duration = duration_ms

    def forget_camera(self, camera_id: int) -> None:
        self.events = [e for e in self.events if e.camera_id != camera_id]

    # reading ---------------------------------------------------------------------
    def query(
        self,
        camera_ids: set[int],
        endtime: int | None,
        count: int | None,
        cloud: bool,
        filter_: str | None,
    ) -> list[SimEvent]:
        found = [
            e
            for e in self.events
            if e.camera_id in camera_ids
            and e.cloud == cloud
            and (endtime is None or e.time <= endtime)
            and (not filter_ or (e.pinned if filter_ == "pin" else e.kind == filter_))
        ]
        found.sort(key=lambda e: e.time, reverse=True)
        return found if count is None else found[:count]

    def path_of(self, name: str) -> Path:
        return self.root / name.lstrip("/")

    def resolve(self, name: str) -> Path | None:
        """The file a ``file=`` parameter names, or None when it is not one of ours."""
        if not name.startswith("/") or "\x00" in name:
            return None
        path = (self.root / name.lstrip("/")).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        return path

    # pin / unpin / delete ------------------------------------------------------------
    def _owner(self, name: str) -> tuple[SimEvent, bool] | None:
        """The event a file belongs to, and whether the file is its image."""
        for e in self.events:
            if e.video == name:
                return e, False
            if e.image == name and e.has_image:
                return e, True
        return None

    def _rename(self, event: SimEvent, new_video: str) -> None:
        self.path_of(event.video).rename(self.path_of(new_video))
        if event.has_image:
            self.path_of(event.image).rename(self.path_of(new_video + ".jpg"))
        event.video = new_video

    def pin(self, name: str) -> bool:
        owner = self._owner(name)
        if owner is None or self.resolve(name) is None:
            return False
        event = owner[0]
        if not event.pinned:
            self._rename(event, event.video[: -len(".mp4")] + "_pin.mp4")
            event.pinned = True
        return True

    def unpin(self, name: str) -> bool:
        owner = self._owner(name)
        if owner is None or self.resolve(name) is None:
            return False
        event = owner[0]
        if event.pinned:
            self._rename(event, event.video[: -len("_pin.mp4")] + ".mp4")
            event.pinned = False
        return True

    def delete(self, name: str) -> bool:
        owner = self._owner(name)
        path = self.resolve(name)
        if owner is None or path is None:
            return False
        event, is_image = owner
        path.unlink()
        if is_image:
            event.has_image = False
        else:
            if event.has_image:
                self.path_of(event.image).unlink(missing_ok=True)
            self.events.remove(event)
        return True
