"""Fixtures for the Sercomm emulator and driver tests: real sockets on 127.0.0.1."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from camhub.config import DeviceConfig
from camhub.drivers.base import DeviceContext, EventIn
from camhub.drivers.sercomm.device import SercommCamera
from camhub.sim.base import SimOptions
from camhub.sim.sercomm import SercommEmulator

PASSWORD = "s3cret-Pa55"


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


ADMIN = basic("admin", PASSWORD)
VIEWER = basic("demo", "demo")


def options(model: str = "RC8230", scene: str = "quiet", port: int = 0, **extra: Any) -> SimOptions:
    return SimOptions(password=PASSWORD, model=model, port=port, extra={"scene": scene, **extra})


@pytest.fixture
async def emu() -> AsyncIterator[SercommEmulator]:
    async with SercommEmulator(options()) as e:
        yield e  # type: ignore[misc]


@pytest.fixture
def events() -> list[EventIn]:
    return []


@pytest.fixture
def make_camera(
    http: aiohttp.ClientSession, tmp_path: Path, events: list[EventIn]
) -> Callable[..., SercommCamera]:
    def make(
        emulator: SercommEmulator,
        *,
        password: str = PASSWORD,
        username: str = "admin",
        hook_url: str | None = None,
        timeout: float = 5.0,
        port: int | None = None,
        options: dict[str, Any] | None = None,
    ) -> SercommCamera:
        ctx = DeviceContext(
            http=http,
            emit=events.append,
            data_dir=tmp_path,
            username=username,
            password=password,
            hook_url=hook_url,
        )
        cfg = DeviceConfig(
            name="porch",
            kind="sercomm",
            host="127.0.0.1",
            port=port or emulator.port,
            timeout=timeout,
            options=options or {},
        )
        return SercommCamera(cfg, ctx)

    return make
