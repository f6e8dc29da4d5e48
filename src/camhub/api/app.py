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
from camhub.api.routes import (
    auth,
    devices,
    docs,
    events,
    media,
    system,
    taporest,
    tinycam,
    video,
    web,
    ws,
)
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
                if settings.rtsp_port is not None:
                    from camhub.rtsp import CamhubRtsp

                    rtsp = CamhubRtsp(service, settings.config.server.host, settings.rtsp_port)
                    try:
                        await rtsp.start()
                        state.rtsp = rtsp
                    except OSError as exc:  # the API still serves; say why RTSP does not
                        log.error(
                            "RTSP server not started on port %d: %s",
                            settings.rtsp_port,
                            exc.strerror or exc,
                        )
                    else:
                        stack.push_async_callback(rtsp.stop)
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
        # Served by camhub.api.routes.docs, to signed-in users only.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    errors.install(app)

    app.add_middleware(errors.BodyLimit, limit=settings.config.server.max_body_bytes)
    app.add_middleware(Observe, settings=settings)
    for module in (auth, devices, events, media, video, system, ws, taporest, tinycam, web, docs):
        app.include_router(module.router)
    app.include_router(devices.capabilities_router)
    app.include_router(recording_routes.router)
    return app


HSTS = (b"strict-transport-security", b"max-age=31536000")


class Observe:
    """Pure ASGI middleware: HTTPS enforcement behind a proxy, metrics, safe headers.

    Answers served over HTTPS (camhub's TLS, or a declared proxy's) carry HSTS, so a
    browser that once reached camhub by name never tries plain HTTP for it again.
    """

    def __init__(self, app: ASGIApp, settings: AppSettings) -> None:
        self.app = app
        self.settings = settings
        self.check_proto = settings.config.server.trust_forwarded_proto and not settings.tls
        self.safe_headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if settings.tls or self.check_proto:
            self.safe_headers.append(HSTS)

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
                message["headers"] = [*message.get("headers", []), *self.safe_headers]
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
