"""The app factory and its lifespan: everything camhub runs is built and closed here."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from camhub import __version__
from camhub.api import errors
from camhub.api.metrics import Metrics
from camhub.api.routes import auth, devices, events, media, system, taporest, tinycam, web, ws
from camhub.api.routes import recordings as recording_routes
from camhub.api.state import AppState
from camhub.service import Camhub
from camhub.settings import AppSettings

log = logging.getLogger("camhub")


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def create_app(settings: AppSettings) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with Camhub(settings) as service:
            metrics = Metrics()

            def count_events(events: list[dict[str, Any]]) -> None:
                for e in events:
                    metrics.events.labels(e["type"]).inc()

            service.store.subscribe(count_events)
            state = AppState(service=service, metrics=metrics, started_at=time.time())
            app.state.camhub = state
            async with contextlib.AsyncExitStack() as stack:
                if service.config.mqtt is not None:
                    from camhub.mqtt import MqttBridge

                    state.mqtt = MqttBridge(service.config.mqtt, service)
                    await state.mqtt.start()
                    stack.push_async_callback(state.mqtt.stop)
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
    for module in (auth, devices, events, media, system, ws, taporest, tinycam, web):
        app.include_router(module.router)
    app.include_router(devices.capabilities_router)
    app.include_router(recording_routes.router)
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
