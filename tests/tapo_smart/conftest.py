"""Shared helpers: start an emulator, build a driver in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from kasa import (
    Credentials,
    Device,
    DeviceConnectionParameters,
    DeviceEncryptionType,
    DeviceFamily,
)
from kasa import DeviceConfig as KasaConfig

from camhub.config import DeviceConfig
from camhub.drivers import driver_for
from camhub.drivers.base import DeviceContext, EventIn
from camhub.drivers.tapo.smart import TapoSmartDevice
from camhub.sim import SimOptions, emulator_class
from camhub.sim.tapo_smart import (
    TapoBulbEmulator,
    TapoPlugEmulator,
    TapoPowerStripEmulator,
    TapoSmartEmulator,
    TapoStripEmulator,
)

EMAIL = "user@example.com"
PASSWORD = "s3cret-Tapo!"

Connect = Callable[..., Any]


@pytest.fixture
def connect(tmp_path: Path) -> Connect:
    """``async with connect(kind, model=..., faults=..., **driver_kw) as (emu, dev)``."""

    @asynccontextmanager
    async def _connect(
        kind: str,
        model: str | None = None,
        *,
        faults: set[str] | None = None,
        password: str = PASSWORD,
        timeout: float = 5.0,
        extra: dict[str, Any] | None = None,
        do_connect: bool = True,
    ) -> AsyncIterator[tuple[TapoSmartEmulator, TapoSmartDevice]]:
        opts = SimOptions(
            username=EMAIL,
            password=PASSWORD,
            model=model,
            faults=faults or set(),
            extra=extra or {},
        )
        emu = emulator_class(kind)(opts)
        assert isinstance(emu, TapoSmartEmulator)
        async with emu, aiohttp.ClientSession() as http:
            events: list[EventIn] = []
            ctx = DeviceContext(
                http=http, emit=events.append, data_dir=tmp_path, username=EMAIL, password=password
            )
            config = DeviceConfig(
                name="dev",
                kind=kind,
                host="127.0.0.1",
                port=emu.port,
                model=model,
                timeout=timeout,
            )
            dev = driver_for(kind)(config, ctx)
            assert isinstance(dev, TapoSmartDevice)
            try:
                if do_connect:
                    await dev.connect()
                yield emu, dev
            finally:
                await dev.close()

    return _connect


def emulator_for(model: str) -> type[TapoSmartEmulator]:
    if model in ("P300", "P304", "P304M", "P316"):
        return TapoPowerStripEmulator
    if model in ("L900", "L920", "L930"):
        return TapoStripEmulator
    return TapoBulbEmulator if model.startswith("L") else TapoPlugEmulator


@asynccontextmanager
async def kasa(model: str, **extra: Any) -> AsyncIterator[tuple[TapoSmartEmulator, Device]]:
    """python-kasa, unmodified, connected to an emulated ``model`` over KLAP."""
    family = DeviceFamily.SmartTapoBulb if model.startswith("L") else DeviceFamily.SmartTapoPlug
    emu = emulator_for(model)(
        SimOptions(username=EMAIL, password=PASSWORD, model=model, extra=extra)
    )
    async with emu:
        config = KasaConfig(
            host="127.0.0.1",
            port_override=emu.port,
            credentials=Credentials(EMAIL, PASSWORD),
            connection_type=DeviceConnectionParameters(
                family, DeviceEncryptionType.Klap, login_version=2
            ),
        )
        dev = await Device.connect(config=config)
        try:
            yield emu, dev
        finally:
            await dev.disconnect()
