"""Fixtures for the IP Camera app emulator and driver: live sockets on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from camhub.config import DeviceConfig
from camhub.drivers.base import DeviceContext, EventIn
from camhub.drivers.ipcamera.device import IpCameraDevice
from camhub.sim.base import SimOptions
from camhub.sim.ipcamera import IpCameraEmulator
from tests.helpers.mosquitto import Broker, mosquitto

PASSWORD = "cam-secret-7"


def options(**extra: Any) -> SimOptions:
    password = extra.pop("password", PASSWORD)
    port = extra.pop("port", 0)
    extra = {"scene": "quiet", "ws_auth_timeout": 0.5, **extra}
    return SimOptions(port=port, password=password, extra=extra)


@pytest.fixture
async def emu() -> AsyncIterator[IpCameraEmulator]:
    async with IpCameraEmulator(options()) as e:
        assert isinstance(e, IpCameraEmulator)
        yield e


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A private mosquitto on a free loopback port."""
    with mosquitto(tmp_path) as b:
        yield b


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False)) as session:
        yield session


async def login(
    http: aiohttp.ClientSession, emu: IpCameraEmulator, password: str = PASSWORD
) -> dict[str, Any]:
    async with http.post(f"{emu.url}/auth", json={"password": password}) as r:
        assert r.status == 200, await r.text()
        body: dict[str, Any] = await r.json()
        return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_device(
    http: aiohttp.ClientSession,
    port: int,
    events: list[EventIn] | Callable[[EventIn], None],
    tmp_path: Path,
    password: str = PASSWORD,
    on_state: Callable[[], None] = lambda: None,
    timeout: float = 3,
) -> IpCameraDevice:
    """The driver for the emulator on ``port``; its events go to ``events`` (a list, or
    a sink of one's own)."""
    emit = events.append if isinstance(events, list) else events
    ctx = DeviceContext(
        http=http, emit=emit, data_dir=tmp_path, password=password, on_state=on_state
    )
    cfg = DeviceConfig(name="phone", kind="ipcamera", host="127.0.0.1", port=port, timeout=timeout)
    return IpCameraDevice(cfg, ctx)


@asynccontextmanager
async def connected(dev: IpCameraDevice) -> AsyncIterator[IpCameraDevice]:
    """``dev`` connected, and closed when done whatever happens."""
    await dev.connect()
    try:
        yield dev
    finally:
        await dev.close()
