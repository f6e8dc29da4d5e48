"""The app factory and its lifespan: everything camhub runs is built and closed here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from camhub import __version__
from camhub.api import errors
from camhub.api.metrics import Metrics
from camhub.api.routes import (
    auth,
    devices,
    events,
    media,
    system,
    taporest,
    tinycam,
    video,
    web,
    ws,
)
from camhub.api.state import AppSettings, AppState
from camhub.auth.service import AuthService
from camhub.errors import CamhubError
from camhub.hub.hub import Hub
from camhub.tls import ensure_certificate

log = logging.getLogger("camhub")


KEY_BYTES = 32
HOUSEKEEPING_SECONDS = 3600
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _secret_key(data_dir: Path) -> bytes:
    """A random key kept in the data dir (0600), for hook URL secrets.

    Written to a temporary file and renamed, so a crash never leaves an empty key
    (with which every hook secret could be computed); a damaged key is replaced.
    """
    path = data_dir / "secret.key"
    if path.exists() and len(key := path.read_bytes()) == KEY_BYTES:
        return key
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(KEY_BYTES))
    os.replace(tmp, path)
    return path.read_bytes()


async def _housekeeping(state: AppState) -> None:
    """Hourly: drop expired sessions, forget old login failures."""
    while True:
        await asyncio.sleep(HOUSEKEEPING_SECONDS)
        try:
            await state.store.delete_expired_sessions()
        except CamhubError as exc:
            log.warning("session clean-up failed: %s", exc.message)
        state.auth.prune()


def new_http_session() -> aiohttp.ClientSession:
    """The one HTTP client every driver shares."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=256, limit_per_host=16, ttl_dns_cache=300),
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=30),
        cookie_jar=aiohttp.DummyCookieJar(),
        raise_for_status=False,
    )


def _hook_base(settings: AppSettings) -> str | None:
    if settings.hook_base_url:
        return settings.hook_base_url
    host = settings.config.server.host
    if host in ("0.0.0.0", "::", ""):
        return None  # cannot guess an address devices can reach; set server.hook_base_url
    if settings.http_port is not None:
        return f"http://{host}:{settings.http_port}"
    return f"{'https' if settings.tls else 'http'}://{host}:{settings.https_port}"


def create_app(settings: AppSettings) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from camhub.store import Store
        from camhub.streams import StreamHub

        data_dir = settings.data_dir
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if settings.tls and settings.self_signed:
            ensure_certificate(settings.cert_path, settings.key_path)
        config = settings.config
        async with contextlib.AsyncExitStack() as stack:
            http = new_http_session()
            stack.push_async_callback(http.close)
            store = await Store.open(config.store, data_dir)
            stack.push_async_callback(store.close)
            auth_service = AuthService(store, data_dir / "users.json")
            stack.callback(auth_service.close)
            await auth_service.load_users(config)
            hub = Hub(config, http, store, data_dir, _hook_base(settings), _secret_key(data_dir))
            streams = StreamHub(http, hub.get, hub.emit, data_dir)
            stack.push_async_callback(streams.close)
            metrics = Metrics()

            def count_events(events: list[dict[str, Any]]) -> None:
                for e in events:
                    metrics.events.labels(e["type"]).inc()

            store.subscribe(count_events)
            app.state.camhub = AppState(
                settings=settings,
                http=http,
                store=store,
                auth=auth_service,
                hub=hub,
                streams=streams,
                metrics=metrics,
                started_at=time.time(),
            )
            stack.push_async_callback(hub.stop)  # before start: stops what did start
            await hub.start()
            await streams.sync_devices(hub.devices())
            housekeeping = asyncio.create_task(_housekeeping(app.state.camhub))
            stack.callback(housekeeping.cancel)
            yield

    app = FastAPI(
        title="camhub",
        version=__version__,
        description="One secure, fast API to every IP camera and smart device.",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    errors.install(app)

    app.add_middleware(errors.BodyLimit, limit=settings.config.server.max_body_bytes)
    app.add_middleware(Observe, settings=settings)
    for module in (auth, devices, events, media, video, system, ws, taporest, tinycam, web):
        app.include_router(module.router)
    return app


class Observe:
    """Pure ASGI middleware: HTTPS enforcement behind a proxy, metrics, safe headers."""

    def __init__(self, app: ASGIApp, settings: AppSettings) -> None:
        self.app = app
        self.settings = settings
        self.check_proto = settings.config.server.trust_forwarded_proto and not settings.tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if self.check_proto:
            headers = dict(scope.get("headers", []))
            if headers.get(b"x-forwarded-proto", b"http") != b"https":
                body = {"error": "HTTPS required", "httpsPort": self.settings.https_port}
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                else:
                    await JSONResponse(body, status_code=403)(scope, receive, send)
                return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            state: AppState | None = (
                getattr(scope["app"].state, "camhub", None) if "app" in scope else None
            )
            if state is not None:
                method = scope["method"] if scope["method"] in KNOWN_METHODS else "OTHER"
                state.metrics.requests.labels(method, str(status)).inc()
                state.metrics.latency.observe(time.perf_counter() - start)
