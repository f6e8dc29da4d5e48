"""A tapo-rest config file pointing at Tapo emulators, and camhub serving it.

The config is tapo-rest's own JSON format (``tapo_credentials``, ``server_password``,
``devices[].{name, device_type, ip_addr}``). tapo-rest's ``ip_addr`` is a bare IP
address, so each device also carries camhub's ``port`` field: the emulators listen
on free loopback ports, not on port 80.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from camhub.api.app import create_app
from camhub.api.state import AppState
from camhub.config import load_config
from camhub.settings import AppSettings
from camhub.sim import SimOptions, emulator_class
from camhub.sim.tapo_smart import TapoSmartEmulator

EMAIL = "someone@example.com"
TAPO_PASSWORD = "tapo-Account-pw1"
SERVER_PASSWORD = "potatoes"
API_KEY = "0123456789abcdef0123456789abcdef0123456789"

# name -> (emulator kind, model)
DEVICES: dict[str, tuple[str, str]] = {
    "living-room-bulb": ("tapo-bulb", "L530"),
    "hall-bulb": ("tapo-bulb", "L510"),
    "kitchen-strip": ("tapo-strip", "L930"),
    "desk-strip": ("tapo-strip", "L900"),
    "heater-plug": ("tapo-plug", "P110"),
    "lamp-plug": ("tapo-plug", "P100"),
    "office-strip": ("tapo-power-strip", "P304M"),
    "tv-strip": ("tapo-power-strip", "P300"),
}


def tapo_rest_config(emulators: dict[str, TapoSmartEmulator], **extra: Any) -> dict[str, Any]:
    """tapo-rest's config format, plus camhub's ``port`` on each device."""
    return {
        "tapo_credentials": {"email": EMAIL, "password": TAPO_PASSWORD},
        "server_password": SERVER_PASSWORD,
        "devices": [
            {
                "name": name,
                "device_type": emu.spec.model,
                "ip_addr": "127.0.0.1",
                "port": emu.port,
            }
            for name, emu in emulators.items()
        ],
        **extra,
    }


@dataclass
class TapoRestHub:
    client: httpx.AsyncClient
    state: AppState
    emulators: dict[str, TapoSmartEmulator]
    config_path: Path
    _token: str | None = None

    async def login(self, password: str = SERVER_PASSWORD) -> str:
        r = await self.client.post("/login", json={"password": password})
        assert r.status_code == 200, r.text
        return r.text

    async def headers(self) -> dict[str, str]:
        """A bearer header of one session, opened on first use."""
        if self._token is None:
            self._token = await self.login()
        return {"Authorization": f"Bearer {self._token}"}

    def sim(self, name: str) -> dict[str, Any]:
        return self.emulators[name].sim_state()

    async def settled(self, name: str, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        return await settled(self.state, name, check)


async def settled(
    state: AppState, name: str, check: Callable[[dict[str, Any]], bool], timeout: float = 5.0
) -> dict[str, Any]:
    """Wait (deadline-bounded) until the hub's own state of a device passes ``check``:
    after a change the compat layer asks the hub to poll the device again."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    coordinator = state.hub.coordinator(name)
    while True:
        current: dict[str, Any] = state.hub.describe(name)["state"]
        if check(current):
            return current
        if loop.time() > deadline:
            raise AssertionError(f"{name} never reached the expected state: {current}")
        # Poll now: a refresh requested while a poll runs may be absorbed by that poll.
        await coordinator.refresh()


def settings_for(config_path: Path, data_dir: Path) -> AppSettings:
    """Settings for a config file, with the data dir and loopback set by the test."""
    cfg = load_config(config_path)
    server = cfg.server.model_copy(update={"data_dir": data_dir, "host": "127.0.0.1", "tls": False})
    cfg = cfg.model_copy(update={"server": server})
    return AppSettings(config=cfg, config_path=config_path, tls=False, https_port=0, http_port=None)


@contextlib.asynccontextmanager
async def serve_in_process(
    settings: AppSettings,
) -> AsyncIterator[tuple[httpx.AsyncClient, AppState]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state: AppState = app.state.camhub
        first = [state.hub.coordinator(n).first_attempt.wait() for n in state.hub.names()]
        if first:
            await asyncio.wait_for(asyncio.gather(*first), 10)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as c:
            yield c, state


@contextlib.asynccontextmanager
async def start_emulators(names: list[str]) -> AsyncIterator[dict[str, TapoSmartEmulator]]:
    async with contextlib.AsyncExitStack() as stack:
        emulators: dict[str, TapoSmartEmulator] = {}
        for name in names:
            kind, model = DEVICES[name]
            emu = emulator_class(kind)(
                SimOptions(username=EMAIL, password=TAPO_PASSWORD, model=model)
            )
            assert isinstance(emu, TapoSmartEmulator)
            await stack.enter_async_context(emu)
            emulators[name] = emu
        yield emulators


MakeHub = Callable[..., contextlib.AbstractAsyncContextManager[TapoRestHub]]


@pytest.fixture
def tapo_rest(tmp_path: Path) -> MakeHub:
    """``async with tapo_rest("heater-plug", ..., api_keys=[...]) as hub``: emulators for
    the named devices, a tapo-rest config file for them, camhub serving it in-process."""

    @contextlib.asynccontextmanager
    async def factory(*names: str, **extra: Any) -> AsyncIterator[TapoRestHub]:
        async with start_emulators(list(names or DEVICES)) as emulators:
            path = tmp_path / "devices.json"
            path.write_text(json.dumps(tapo_rest_config(emulators, **extra), indent=2))
            async with serve_in_process(settings_for(path, tmp_path / "data")) as (client, state):
                yield TapoRestHub(client, state, emulators, path)

    return factory
