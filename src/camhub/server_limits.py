"""What one client may hold on a listener, before any route runs.

uvicorn picks httptools when it is installed, and httptools puts no limit on a
request head: four half-sent requests of 25 MB of headers each cost the hub hundreds
of MB. camhub runs uvicorn's h11 implementation instead, with:

- a bounded head: h11 refuses a head past ``MAX_HEAD_BYTES`` with 400 and closes
  (h11's ``max_incomplete_event_size``; it holds at most that plus one read);
- a deadline for the request: the head must arrive within ``HEAD_SECONDS`` of its
  first byte (or of the connection, for a client that sends nothing), the whole
  request within ``REQUEST_SECONDS``; a slowloris client is dropped, not kept. (Idle
  time between requests is uvicorn's ``timeout_keep_alive``, which does not cover a
  head that is still arriving.)
- a cap on open connections per listener: past it, a new connection gets 503 and is
  closed at once, so neither sockets nor file descriptors run out.

WebSockets upgrade through :class:`RefusingWebSockets` (uvicorn's own, with a refused
handshake not logged as an error). uvicorn logs each WebSocket's path with its query,
where media and session tokens travel (``?token=``): :class:`HideTokens` masks them in
every uvicorn log line.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState

if TYPE_CHECKING:
    from uvicorn._types import ASGISendEvent

MAX_HEAD_BYTES = 64 * 1024
HEAD_SECONDS = 10.0
REQUEST_SECONDS = 60.0
MAX_CONNECTIONS = 1000


def _busy_answer() -> bytes:
    body = b'{"error": "Too many connections"}'
    return (
        b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
        b"retry-after: 1\r\nconnection: close\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request deadline and a connection cap."""

    head_seconds = HEAD_SECONDS
    request_seconds = REQUEST_SECONDS
    max_connections = MAX_CONNECTIONS

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, object],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._deadline: asyncio.TimerHandle | None = None
        self._armed_for = 0.0  # seconds of the request's time the deadline counts

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        if len(self.connections) > self.max_connections:
            self.transport.write(_busy_answer())
            self.transport.close()
            return
        self._arm(self.head_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            self._disarm()  # closed, or handed over to the WebSocket protocol
        elif self.conn.their_state is h11.IDLE:
            if self._deadline is None:  # the next request's head started
                self._arm(self.head_seconds)
        elif self.conn.their_state is h11.SEND_BODY:
            if self._deadline is None:  # a head that came in one piece; now its body
                self._arm(self.request_seconds)
        else:
            self._disarm()  # the whole request is in

    def on_response_complete(self) -> None:
        self._disarm()  # between requests, uvicorn's keep-alive timeout applies
        super().on_response_complete()  # may start on a pipelined request already in
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing():
            self._arm(self.request_seconds)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._armed_for = seconds
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return
        state = self.conn.their_state
        if state is h11.SEND_BODY and self._armed_for < self.request_seconds:
            # The head came in time; the body has what is left of the request's time.
            self._arm(self.request_seconds - self._armed_for)
            self._armed_for = self.request_seconds
        elif state is h11.IDLE or state is h11.SEND_BODY:
            self.transport.close()


def bounded_protocol(max_connections: int) -> type[BoundedH11Protocol]:
    """The protocol class for one listener, with its own connection cap."""
    return type("BoundedH11Protocol", (BoundedH11Protocol,), {"max_connections": max_connections})


class RefusingWebSockets(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol (the one ``ws="auto"`` picks), where a handshake
    refused with an HTTP answer (the ASGI denial response: camhub's 401/403/404/422 on
    a media socket) counts as a finished handshake. uvicorn 0.54 logs "ASGI callable
    returned without completing handshake" at ERROR after every such refusal, although
    the client got its answer (fix proposed upstream: Kludex/uvicorn pull 3138)."""

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if message["type"] == "websocket.http.response.body" and not message.get("more_body"):
            self.handshake_complete = True


class HideTokens(logging.Filter):
    """Masks ``token=`` (and ``access_token=``) values in a log line's message and
    arguments: a session or media token in a log is a credential anyone reading the
    log could use."""

    QUERY_SECRET = re.compile(r"((?:^|[?&;])(?:access_)?token=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.QUERY_SECRET.sub(r"\1***", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.QUERY_SECRET.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def hide_tokens_in_uvicorn_logs() -> None:
    """Install :class:`HideTokens` on uvicorn's loggers (once)."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideTokens) for f in logger.filters):
            logger.addFilter(HideTokens())
