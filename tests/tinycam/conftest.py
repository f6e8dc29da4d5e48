"""Fixtures: a tinyCam emulator on a free loopback port, and a driver pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from camhub.config import DeviceConfig
from camhub.drivers.base import DeviceContext, EventIn
from camhub.drivers.tinycam.device import TinyCamServer
from camhub.sim import SimOptions
from camhub.sim.tinycam import TinyCamEmulator

FRONT_YARD = 182399567
DOORBELL = 1455317736


@pytest.fixture
async def emu() -> AsyncIterator[TinyCamEmulator]:
    async with TinyCamEmulator(SimOptions(extra={"scene": "quiet"})) as e:
        assert isinstance(e, TinyCamEmulator)
        yield e


@pytest.fixture
async def token(emu: TinyCamEmulator, http: aiohttp.ClientSession) -> str:
    async with http.get(f"{emu.url}/api/v1/login", params={"user": "admin", "pwd": "admin"}) as r:
        found: str = (await r.json())["data"]["token"]
    return found


@pytest.fixture
def events() -> list[EventIn]:
    return []


MakeServer = Callable[..., TinyCamServer]


@pytest.fixture
def make_server(
    emu: TinyCamEmulator, http: aiohttp.ClientSession, tmp_path: Path, events: list[EventIn]
) -> MakeServer:
    def make(
        username: str = "admin", password: str = "admin", timeout: float = 5.0, **options: Any
    ) -> TinyCamServer:
        ctx = DeviceContext(
            http=http, emit=events.append, data_dir=tmp_path, username=username, password=password
        )
        cfg = DeviceConfig(
            name="phone",
            kind="tinycam",
            host="127.0.0.1",
            port=emu.port,
            timeout=timeout,
            options=options,
        )
        return TinyCamServer(cfg, ctx)

    return make


async def read_mjpeg_part(resp: aiohttp.ClientResponse) -> bytes:
    """The first JPEG of a multipart/x-mixed-replace answer."""
    length = None
    while True:
        line = (await resp.content.readline()).strip()
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
        if not line and length is not None:
            return await resp.content.readexactly(length)
