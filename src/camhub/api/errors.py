"""Translate errors to the contract's JSON shape, once, at the edge.

Every error answer is ``{"error": "...", ...}`` with the right status; no traceback
ever reaches a client.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from camhub.errors import AuthenticationError, Busy, CamhubError, QueueFull

log = logging.getLogger("camhub.api")


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def validation_errors(exc: RequestValidationError) -> list[str]:
    out = []
    for e in exc.errors():
        if e.get("type") == "json_invalid":
            out.append("body: malformed JSON")
        else:
            out.append(f"{_loc(e.get('loc', ()))}: {e.get('msg', 'invalid')}")
    return out


def _route(request: Request) -> str:
    """The route's template, never the concrete path (hook URLs carry secrets)."""
    route = request.scope.get("route")
    return str(getattr(route, "path", "(no route)"))


def error_response(exc: CamhubError) -> JSONResponse:
    """The one translation of camhub's exception tree to an HTTP answer: the status and
    body the exception carries; ``Retry-After`` when it says when to come back; sign-in
    failures never cached."""
    headers: dict[str, str] = {}
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int):
        headers["Retry-After"] = str(retry_after)
    if isinstance(exc, AuthenticationError | QueueFull):
        headers["Cache-Control"] = "no-store"
    return JSONResponse(exc.payload(), status_code=exc.status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(CamhubError)
    async def _camhub(request: Request, exc: CamhubError) -> JSONResponse:
        if exc.status >= 500 and not isinstance(exc, Busy):  # a limit reached is no fault
            log.warning("%s %s: %s", request.method, _route(request), exc.message)
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        message = "Malformed JSON" if errors == ["body: malformed JSON"] else "Invalid request"
        return JSONResponse({"error": message, "errors": errors}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "Error"
        if exc.status_code == 404 and detail == "Not Found":
            detail = "Not found"
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> Response:
        # The client left mid-request; nobody is there to read an answer.
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, _route(request))
        return JSONResponse({"error": "Internal error"}, status_code=500)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await _send_json(
                        send, 413, {"error": "Request body too large", "limit": self.limit}
                    )
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise StarletteHTTPException(413, "Request body too large")
            return message

        await self.app(scope, limited, send)


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
