"""camhub's own motion detection, for cameras that have none.

A watcher is one more viewer of the camera's single upstream, at a few frames per
second (of its sub-stream when it has one: an H.264 camera's 640x360 stream is
decoded rather than its 1080p one). Each frame is decoded to grey at about 160
pixels wide straight from the DCT (libjpeg-turbo scaling: a 1280x720 frame costs a
1/8-size decode) and compared with a running-average background. When the changed
share of the unmasked picture reaches ``min_area``, it emits ``motion`` with that
share and the name of a JPEG saved under ``data_dir/snapshots/``; then it stays
quiet for ``cooldown`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import simplejpeg

from camhub.config import MotionConfig
from camhub.drivers.base import Device, EventIn
from camhub.errors import CamhubError
from camhub.private import private_dir, write_private
from camhub.streams.ports import MotionHost
from camhub.tasks import cancel_and_wait

log = logging.getLogger("camhub.streams.motion")

ANALYSIS_WIDTH = 160
ANALYSIS_HEIGHT = 90
BACKGROUND_RATE = 0.5  # how fast the background follows the picture
RETRY_AFTER = 5.0
SNAPSHOT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,150}\.jpg$")


def threshold(sensitivity: int) -> float:
    """Grey-level change a pixel needs to count as moved: 62 at 1 ... 8 at 10."""
    return 8.0 + (10 - sensitivity) * 6.0


def snapshot_dir(data_dir: Path) -> Path:
    return data_dir / "snapshots"


def snapshot_path(data_dir: Path, file: str) -> Path | None:
    """The saved snapshot called ``file``, or None for a name that is not one of ours."""
    if not SNAPSHOT_NAME.match(file) or ".." in file:
        return None
    base = snapshot_dir(data_dir).resolve()
    path = (base / file).resolve()
    if path.parent != base or not path.is_file():
        return None
    return path


class MotionDetector:
    """Pure frame-difference detector; feed JPEGs, get the changed fraction."""

    def __init__(self, config: MotionConfig) -> None:
        self.config = config
        self.threshold = threshold(config.sensitivity)
        self._bg: np.ndarray | None = None
        self._mask: np.ndarray | None = None

    def _build_mask(self, h: int, w: int) -> np.ndarray:
        mask = np.ones((h, w), dtype=bool)
        for x, y, mw, mh in self.config.masks:
            x0, y0 = int(x * w), int(y * h)
            x1, y1 = int(np.ceil((x + mw) * w)), int(np.ceil((y + mh) * h))
            mask[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = False
        return mask

    def feed(self, jpeg: bytes) -> float | None:
        """Changed fraction of the unmasked picture; None for the first frame."""
        try:
            grey = simplejpeg.decode_jpeg(
                jpeg, colorspace="GRAY", fastdct=True,
                min_width=ANALYSIS_WIDTH, min_height=ANALYSIS_HEIGHT,
            )  # fmt: skip
        except ValueError:
            return None
        img = grey[..., 0].astype(np.float32)
        if self._bg is None or self._bg.shape != img.shape or self._mask is None:
            self._bg = img
            self._mask = self._build_mask(*img.shape)
            return None
        considered = int(self._mask.sum())
        if considered == 0:
            return 0.0
        changed = (np.abs(img - self._bg) > self.threshold) & self._mask
        self._bg += BACKGROUND_RATE * (img - self._bg)
        return float(changed.sum()) / considered


class MotionWatcher:
    def __init__(self, hub: MotionHost, name: str, config: MotionConfig) -> None:
        self.hub = hub
        self.name = name
        self.config = config
        self.detector = MotionDetector(config)
        self.frames_analysed = 0
        self.events = 0
        self._last_event = float("-inf")
        self.task = asyncio.create_task(self._run(), name=f"camhub-motion-{name}")

    async def _run(self) -> None:
        while True:
            try:
                async with self.hub.subscribe(self.name, fps=self.config.fps, small=True) as viewer:
                    while True:
                        frame = await viewer.next_frame()
                        area = await asyncio.to_thread(self.detector.feed, frame.jpeg)
                        self.frames_analysed += 1
                        if area is not None and area >= self.config.min_area:
                            await self._detected(area, frame.jpeg, frame.timestamp)
            except CamhubError as exc:
                log.info("%s: motion detection paused (%s)", self.name, exc)
                await asyncio.sleep(RETRY_AFTER)

    async def _detected(self, area: float, jpeg: bytes, timestamp: int) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_event < self.config.cooldown:
            return
        self._last_event = loop.time()
        file = f"{self.name}-{timestamp}.jpg"
        folder = snapshot_dir(self.hub.data_dir)
        await asyncio.to_thread(_save, folder, file, jpeg)
        self.events += 1
        self.hub.emit(
            self.name,
            EventIn("motion", {"area": round(area, 4), "snapshot": file}, timestamp),
        )

    async def stop(self) -> None:
        await cancel_and_wait(self.task)


def _save(folder: Path, file: str, jpeg: bytes) -> None:
    private_dir(folder)
    write_private(folder / file, jpeg)


class MotionWatchers:
    """The watchers of all cameras whose config turns motion detection on."""

    def __init__(self, hub: MotionHost) -> None:
        self.hub = hub
        self.watchers: dict[str, MotionWatcher] = {}

    async def sync(self, devices: Iterable[Device]) -> None:
        wanted = {
            d.name: d.config.motion
            for d in devices
            if d.config.motion is not None and d.config.motion.enabled
        }
        for name, watcher in list(self.watchers.items()):
            if wanted.get(name) != watcher.config:
                del self.watchers[name]
                await watcher.stop()
        for name, config in wanted.items():
            if name not in self.watchers and config is not None:
                self.watchers[name] = MotionWatcher(self.hub, name, config)

    async def close(self) -> None:
        for name, watcher in list(self.watchers.items()):
            del self.watchers[name]
            await watcher.stop()
