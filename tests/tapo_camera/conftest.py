"""Fixtures: Tapo camera emulators on free loopback ports, our driver, and real pytapo.

pytapo is synchronous (requests) and runs its own event loop in its thread, so
every pytapo call goes through ``asyncio.to_thread`` while the emulator keeps
serving on the test's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pytapo import Tapo

from camhub.config import DeviceConfig
from camhub.drivers.base import DeviceContext, EventIn
from camhub.drivers.tapo.camera import TapoCameraDevice
from camhub.drivers.tapo.camera_media import MediaStream
from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator

PASSWORD = "Cam-pass-1"

# (login flow, password digest of the secure flow)
FLOWS = [("legacy", "md5"), ("secure", "sha256"), ("secure", "md5")]
FLOW_IDS = ["legacy", "secure-sha256", "secure-md5"]


def options(
    login: str = "secure", hash_name: str = "sha256", model: str | None = None, **extra: Any
) -> SimOptions:
    faults = set(extra.pop("faults", ()))
    return SimOptions(
        login=login,
        password=PASSWORD,
        model=model,
        faults=faults,
        extra={"hash": hash_name, "detection_period": 0, **extra},
    )


@contextlib.asynccontextmanager
async def running(opts: SimOptions) -> AsyncIterator[TapoCameraEmulator]:
    emu = TapoCameraEmulator(opts)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture(params=FLOWS, ids=FLOW_IDS)
async def emu(request: pytest.FixtureRequest) -> AsyncIterator[TapoCameraEmulator]:
    login, hash_name = request.param
    async with running(options(login, hash_name)) as e:
        yield e


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def events() -> list[EventIn]:
    return []


MakeDevice = Callable[..., TapoCameraDevice]


@pytest.fixture
def make_device(
    http: aiohttp.ClientSession, events: list[EventIn], tmp_path: Path
) -> Iterator[MakeDevice]:
    def factory(
        emu: TapoCameraEmulator, password: str = PASSWORD, **config: Any
    ) -> TapoCameraDevice:
        ctx = DeviceContext(
            http=http, emit=events.append, data_dir=tmp_path, username="admin", password=password
        )
        cfg = DeviceConfig(
            name="porch-cam", kind="tapo-camera", host="127.0.0.1", port=emu.port, **config
        )
        return TapoCameraDevice(cfg, ctx)

    yield factory


class PyTapo:
    """A real pytapo client used from async tests: ``await cam.call("getLED")``."""

    def __init__(self, client: Tapo) -> None:
        self.client = client

    async def call(self, name: str, *args: Any) -> Any:
        return await asyncio.to_thread(getattr(self.client, name), *args)

    def close(self) -> None:
        """Close pytapo's HTTP session and the event loop it keeps in its thread."""
        if hasattr(self.client, "transport"):
            self.client.close()
            # the TPAP transport keeps a requests.Session that close() leaves open
            session = getattr(self.client.transport, "session", None)
            if session is not None and hasattr(session, "close"):
                session.close()
        handler = getattr(self.client, "asyncHandler", None)
        if handler is not None and handler._loop is not None:
            handler._loop.close()


def _connect(port: int, password: str, **more: Any) -> Tapo:
    # Built in two steps so that a constructor that raises (bad password, lockout)
    # still leaves us the object to close.
    client = Tapo.__new__(Tapo)
    try:
        client.__init__("127.0.0.1", "admin", password, controlPort=port, **more)  # type: ignore[misc]
    except Exception as exc:
        message = str(exc)
        PyTapo(client).close()
    else:
        return client
    # pytapo's reference cycles keep its last connection open: collect them now,
    # while the emulator still runs, rather than at some later test.
    del client
    gc.collect()
    raise RuntimeError(message)


@contextlib.asynccontextmanager
async def pytapo_client(
    emu: TapoCameraEmulator, password: str = PASSWORD, **more: Any
) -> AsyncIterator[PyTapo]:
    """pytapo logged in to ``emu``; ``more``: Tapo() arguments (cloudPassword...)."""
    cam = PyTapo(await asyncio.to_thread(_connect, emu.port, password, **more))
    try:
        yield cam
    finally:
        await asyncio.to_thread(cam.close)


def media_client(port: int, password: str = PASSWORD, timeout: float = 5.0) -> MediaStream:
    """camhub's port-8800 client for a camera on 127.0.0.1:``port`` (not yet open)."""
    return MediaStream(
        "127.0.0.1", port, password, device="gate", open_timeout=timeout, stall_timeout=timeout
    )
