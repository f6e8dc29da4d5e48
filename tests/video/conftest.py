"""Fixtures: a test H.264 RTSP camera (main and sub-stream), rtsp devices, a StreamHub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from camhub.config import DeviceConfig
from camhub.drivers import driver_for
from camhub.drivers.base import Device, DeviceContext
from camhub.streams import StreamHub
from tests.streams.conftest import Rig
from tests.video.rtsp_camera import RtspCamera, encode_clip

USER, PASSWORD = "cam-user", "cam-pass:@/1"  # characters a URL must escape

MAIN = (640, 360)
SUB = (320, 180)


def rtsp_device(cam: RtspCamera, name: str = "cam", sub: bool = True, **cfg: Any) -> dict[str, Any]:
    """A config entry of kind ``rtsp`` for ``cam``."""
    entry: dict[str, Any] = {"name": name, "kind": "rtsp", "stream_url": cam.url("stream1")}
    if sub:
        entry["substream_url"] = cam.url("stream2")
    if cam.username is not None:
        entry.update(username=cam.username, password=cam.password)
    return {**entry, **cfg}


class VideoRig(Rig):
    """A StreamHub with short timeouts over rtsp devices."""

    def __init__(self, http: aiohttp.ClientSession, data_dir: Path) -> None:
        super().__init__(http, data_dir)
        self.hub = StreamHub(
            http,
            self.get,
            self.emit,
            data_dir,
            grace=0.2,
            decoder_idle=0.3,
            stall_timeout=1.5,
            keyframe_timeout=2.5,
        )

    def add_rtsp(self, name: str, cam: RtspCamera, sub: bool = True, **cfg: Any) -> Device:
        entry = rtsp_device(cam, name, sub, **cfg)
        password = entry.pop("password", None)
        username = entry.pop("username", None)
        config = DeviceConfig(**entry)
        ctx = DeviceContext(
            http=self.http,
            emit=lambda e: None,
            data_dir=self.data_dir,
            username=username,
            password=password,
        )
        device = driver_for("rtsp")(config, ctx)
        self.devices[name] = device
        return device


def two_streams() -> dict[str, Any]:
    return {"stream1": encode_clip(*MAIN), "stream2": encode_clip(*SUB)}


@pytest.fixture
async def camera() -> AsyncIterator[RtspCamera]:
    async with RtspCamera(two_streams(), username=USER, password=PASSWORD) as cam:
        yield cam


@pytest.fixture
async def rig(http: aiohttp.ClientSession, tmp_path: Path) -> AsyncIterator[VideoRig]:
    r = VideoRig(http, tmp_path)
    try:
        yield r
    finally:
        await r.hub.close()
