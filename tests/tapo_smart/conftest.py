"""Shared helpers: start an emulator, build a driver in front of it, or serve the
API in front of emulators (``api``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import httpx
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
from camhub.sim.tapo_smart.lights import LightNode
from camhub.sim.tapo_smart.power_strip import PowerStripNode
from tests.helpers.wait import until

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


class Hub(Protocol):
    """What the tests use of ``tests.conftest.InProcess``."""

    client: httpx.AsyncClient
    state: Any

    async def admin_headers(self) -> dict[str, str]: ...


def light_node(emu: TapoSmartEmulator) -> LightNode:
    assert isinstance(emu.node, LightNode)
    return emu.node


def strip_node(emu: TapoSmartEmulator) -> PowerStripNode:
    assert isinstance(emu.node, PowerStripNode)
    return emu.node


@dataclass
class Api:
    """camhub's REST API (in-process, admin) in front of Tapo emulators."""

    hub: Hub
    headers: dict[str, str]
    emulators: dict[str, TapoSmartEmulator]

    async def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        r = await self.hub.client.request(method, path, json=body, headers=self.headers)
        assert r.status_code == status, r.text
        return r.json()

    async def post(self, device: str, path: str, body: Any = None, status: int = 200) -> Any:
        return await self.call("POST", f"/api/devices/{device}/{path}", body, status)

    async def get(self, device: str, path: str, status: int = 200) -> Any:
        return await self.call("GET", f"/api/devices/{device}/{path}", None, status)

    async def delete(self, device: str, path: str, status: int = 200) -> Any:
        return await self.call("DELETE", f"/api/devices/{device}/{path}", None, status)

    async def state(self, device: str) -> dict[str, Any]:
        """The device's state after a poll made now (``GET /api/devices/{name}`` then)."""
        described = await self.call("POST", f"/api/devices/{device}/refresh")
        assert described["online"], described
        state: dict[str, Any] = described["state"]
        return state

    async def child(self, name: str) -> None:
        """Wait until the hub lists a power strip's socket and has polled it."""

        async def listed() -> bool:
            devices = (await self.call("GET", "/api/devices"))["devices"]
            return any(d["name"] == name and d["online"] for d in devices)

        await until(listed, what=f"{name} listed and online")


MakeApi = Callable[..., AbstractAsyncContextManager[Api]]


@pytest.fixture
def api(make_app: Callable[..., AbstractAsyncContextManager[Hub]]) -> MakeApi:
    """``async with api(plug="P110", bulb="L530") as a``: an emulator per device (its
    kind from the model), camhub serving them, each polled once."""

    @asynccontextmanager
    async def factory(**models: str) -> AsyncIterator[Api]:
        async with AsyncExitStack() as stack:
            emulators: dict[str, TapoSmartEmulator] = {}
            for name, model in models.items():
                opts = SimOptions(username=EMAIL, password=PASSWORD, model=model)
                emulators[name] = emulator_for(model)(opts)
                await stack.enter_async_context(emulators[name])
            devices = [
                {
                    "name": name,
                    "kind": emu.kind,
                    "host": "127.0.0.1",
                    "port": emu.port,
                    "username": EMAIL,
                    "password": PASSWORD,
                }
                for name, emu in emulators.items()
            ]
            hub = await stack.enter_async_context(make_app(devices=devices))
            firsts = [hub.state.hub.coordinator(n).first_attempt.wait() for n in models]
            await asyncio.wait_for(asyncio.gather(*firsts), 10)
            yield Api(hub, await hub.admin_headers(), emulators)

    return factory
