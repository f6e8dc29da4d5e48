"""A camera for the recording tests: stills of the emulators' synthetic scene.

On this branch no vendor camera driver reads H.264 yet (the packet hub comes with
issue 10), so the tests give the hub this small still camera (``snapshot``: the stream
hub polls it, as it does any still-only camera) and give the recordings manager its
H.264 directly: an emulator's real libx264 :class:`~camhub.sim.h264.H264Feed`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from camhub import drivers
from camhub.drivers import Device
from camhub.sim.video import VideoSource

KIND = "rec-test-cam"
BURSTS = "rec-test-bursts"  # moves 3 s out of every 12: events that end


class StillCamera(Device):
    kind = KIND
    needs_host = False
    poll_interval = 3600.0
    video = VideoSource(320, 180, fps=15, scene="motion")

    async def snapshot(self) -> bytes:
        return self.video.frame(time.time(), 320, 180, 80)


class BurstCamera(StillCamera):
    kind = BURSTS
    video = VideoSource(320, 180, fps=15, scene="bursts", period=12, burst=3)


@contextlib.contextmanager
def still_cameras() -> Iterator[None]:
    drivers.register(KIND)(StillCamera)
    drivers.register(BURSTS)(BurstCamera)
    try:
        yield
    finally:
        drivers.registry.unregister(KIND)
        drivers.registry.unregister(BURSTS)


def camera(name: str = "cam", **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": KIND, **extra}
