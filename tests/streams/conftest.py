"""Fixtures: a test MJPEG camera, mjpeg devices pointed at it, and a StreamHub."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from camhub.config import DeviceConfig
from camhub.drivers import driver_for
from camhub.drivers.base import Device, DeviceContext, EventIn
from camhub.errors import NotFound
from camhub.streams import StreamHub
from tests.helpers.mjpeg import MjpegCamera


class Rig:
    """A StreamHub over a dict of devices, recording emitted events."""

    def __init__(self, http: aiohttp.ClientSession, data_dir: Path) -> None:
        self.http = http
        self.data_dir = data_dir
        self.devices: dict[str, Device] = {}
        self.events: list[tuple[str, EventIn]] = []
        self.hub = StreamHub(http, self.get, self.emit, data_dir, grace=0.2)

    def get(self, name: str) -> Device:
        try:
            return self.devices[name]
        except KeyError:
            raise NotFound(f"no device {name}") from None

    def emit(self, name: str, event: EventIn) -> None:
        self.events.append((name, event))

    def add_mjpeg(self, name: str, cam: MjpegCamera, **cfg: Any) -> Device:
        cfg.setdefault("stream_url", f"{cam.url}/video.mjpeg")
        config = DeviceConfig(name=name, kind="mjpeg", **cfg)
        ctx = DeviceContext(
            http=self.http,
            emit=lambda e: None,
            data_dir=self.data_dir,
            username=cam.username,
            password=cam.password,
        )
        device = driver_for("mjpeg")(config, ctx)
        self.devices[name] = device
        return device


@pytest.fixture
async def camera() -> AsyncIterator[MjpegCamera]:
    async with MjpegCamera() as cam:
        yield cam


@pytest.fixture
async def rig(http: aiohttp.ClientSession, tmp_path: Path) -> AsyncIterator[Rig]:
    r = Rig(http, tmp_path)
    try:
        yield r
    finally:
        await r.hub.close()


Waiter = Callable[..., Awaitable[None]]
