"""Shared fixtures: an in-process app with its lifespan, and a live hub on sockets.

``make_app(devices=[...], users=[...], **server)`` builds the app on a fresh data
dir; ``app_client`` is an httpx client talking to it in-process; ``live_hub`` runs
the real server (TLS + redirect listener) on loopback ports. ``http`` is a plain
aiohttp session for talking to emulators (a folder whose devices use self-signed TLS
has its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import json
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from camhub.api.app import create_app
from camhub.api.state import AppState
from camhub.config import parse_config
from camhub.settings import AppSettings

ADMIN_PASSWORD = "admin-secret-1"
GUEST_PASSWORD = "guest-secret-1"
DEFAULT_USERS = [
    {"username": "admin", "password": ADMIN_PASSWORD, "role": "admin"},
    {"username": "viewer", "password": GUEST_PASSWORD, "role": "guest"},
]


def make_settings(
    data_dir: Path,
    devices: list[dict[str, Any]] | None = None,
    users: list[dict[str, Any]] | None = None,
    store: str | None = None,
    config_path: Path | None = None,
    mqtt: dict[str, Any] | None = None,
    **server: Any,
) -> AppSettings:
    raw = {
        "server": {"host": "127.0.0.1", "data_dir": str(data_dir), **server},
        "users": DEFAULT_USERS if users is None else users,
        "devices": devices or [],
        "store": store,
        "mqtt": mqtt,
    }
    if config_path is not None:
        config_path.write_text(json.dumps(raw))
    cfg = parse_config(raw)
    return AppSettings(
        config=cfg,
        config_path=config_path,
        tls=cfg.server.tls is not False,
        https_port=0,
        http_port=None,
    )


def _dump_tasks(nodeid: str) -> None:
    """Print every asyncio task's stack: what a test that is about to time out waits on
    (pytest-timeout's own dump shows threads, where the event loop only sits in select)."""
    out = io.StringIO()
    print(f"\n=== asyncio tasks of {nodeid}, shortly before its timeout ===", file=out)
    for task in asyncio.all_tasks():
        print(f"--- {task.get_name()}: {task.get_coro()!r}", file=out)
        task.print_stack(limit=12, file=out)
    sys.stderr.write(out.getvalue())


@pytest.fixture
async def _task_watchdog(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    marker = request.node.get_closest_marker("timeout")
    timeout = float(marker.args[0] if marker and marker.args else request.config.getini("timeout"))
    handle = asyncio.get_running_loop().call_later(
        max(timeout - 10, timeout / 2), _dump_tasks, request.node.nodeid
    )
    yield
    handle.cancel()


@pytest.fixture(autouse=True)
def _watch_async_tests(request: pytest.FixtureRequest) -> None:
    """Async tests get :func:`_dump_tasks` ten seconds before pytest-timeout fires."""
    if inspect.iscoroutinefunction(getattr(request, "function", None)):
        request.getfixturevalue("_task_watchdog")


@dataclass
class InProcess:
    client: httpx.AsyncClient
    state: AppState

    async def login(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
        r = await self.client.post("/api/auth", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        token: str = r.json()["token"]
        return token

    async def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.login()}"}


@contextlib.asynccontextmanager
async def in_process(settings: AppSettings) -> AsyncIterator[InProcess]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            yield InProcess(client, app.state.camhub)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., contextlib.AbstractAsyncContextManager[InProcess]]:
    """``async with make_app(devices=[...]) as hub: await hub.client.get(...)``."""

    def factory(**kw: Any) -> contextlib.AbstractAsyncContextManager[InProcess]:
        return in_process(make_settings(tmp_path / "data", **kw))

    return factory


@pytest.fixture
async def app_client(make_app: Callable[..., Any]) -> AsyncIterator[InProcess]:
    async with make_app() as hub:
        yield hub


@dataclass
class LiveHub:
    url: str
    http_port: int | None
    settings: AppSettings
    task: asyncio.Task[None]
    app: Any

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.camhub
        return state

    @property
    def port(self) -> int:
        return self.settings.https_port

    async def login(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
        async with self.client() as c:
            r = await c.post("/api/auth", json={"username": username, "password": password})
            assert r.status_code == 200, r.text
            token: str = r.json()["token"]
            return token

    def client(self, **kw: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, verify=False, timeout=10, **kw)


@contextlib.asynccontextmanager
async def live_hub(settings: AppSettings) -> AsyncIterator[LiveHub]:
    """Run the real server (uvicorn, TLS, redirect listener) until the block ends."""
    from camhub.server import serve

    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    app = create_app(settings)
    task = asyncio.create_task(serve(settings, lambda url: ready.set_result(url), app))
    done, _ = await asyncio.wait([task, ready], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # raise what broke start-up
    url = await ready
    try:
        yield LiveHub(url, settings.http_port, settings, task, app)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
