"""RTSP/1.0 messages on a TCP stream (RFC 2326): bounded reading, and answers.

:func:`read_message` reads whatever comes next on an RTSP connection: a request, or
an interleaved binary frame (``$``, channel, length, data: the client's RTCP).
Everything is bounded: a request line and headers at most :data:`MAX_HEADER_BYTES`
and :data:`MAX_HEADER_LINES`, a body at most :data:`MAX_BODY_BYTES`; beyond those,
or for a line that is not RTSP, :class:`RtspError` carries the status to answer
(then the connection is closed).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_HEADER_BYTES = 8192
MAX_HEADER_LINES = 64
MAX_BODY_BYTES = 65536

REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    414: "Request-URI Too Large",
    451: "Parameter Not Understood",
    453: "Not Enough Bandwidth",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    459: "Aggregate Operation Not Allowed",
    461: "Unsupported Transport",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "RTSP Version Not Supported",
}


class RtspError(Exception):
    """A request the server answers with ``status`` (and, when fatal, then closes)."""

    def __init__(self, status: int, detail: str = "", fatal: bool = False) -> None:
        super().__init__(detail or REASONS.get(status, ""))
        self.status, self.fatal = status, fatal


@dataclass
class Request:
    method: str
    uri: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    path: str = field(init=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.uri)
        if self.uri == "*":
            self.path = "*"
        elif parts.scheme.lower() in ("rtsp", "rtsps") or self.uri.startswith("/"):
            self.path = parts.path or "/"
        else:
            raise RtspError(400, "request URI is not an rtsp:// URL")

    @property
    def cseq(self) -> str | None:
        return self.headers.get("cseq")

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


@dataclass(frozen=True)
class Interleaved:
    channel: int
    data: bytes


async def _line(reader: asyncio.StreamReader, budget: int) -> bytes:
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError:
        raise RtspError(400, "header line too long", fatal=True) from None
    if len(line) > budget:
        raise RtspError(400, "request header too large", fatal=True)
    return line


async def read_message(reader: asyncio.StreamReader) -> Request | Interleaved | None:
    """The next request or interleaved frame; None at a clean end of stream."""
    first = await reader.read(1)
    if not first:
        return None
    if first == b"$":
        head = await reader.readexactly(3)
        size = int.from_bytes(head[1:3], "big")
        return Interleaved(head[0], await reader.readexactly(size))
    budget = MAX_HEADER_BYTES
    line = first + await _line(reader, budget)
    while not line.strip():  # stray CRLFs between messages
        budget -= len(line)
        if budget <= 0:
            raise RtspError(400, "request header too large", fatal=True)
        line = await _line(reader, budget)
    budget -= len(line)
    try:
        text = line.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise RtspError(400, "request line is not text", fatal=True) from None
    parts = text.split(" ")
    if len(parts) != 3 or not parts[2].startswith("RTSP/"):
        raise RtspError(400, "not an RTSP request", fatal=True)
    method, uri, version = parts
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES + 1):
        raw = await _line(reader, budget)
        budget -= len(raw)
        if not raw.strip():
            break
        name, sep, value = raw.decode("utf-8", "replace").partition(":")
        if not sep or not name.strip():
            raise RtspError(400, "malformed header line", fatal=True)
        headers[name.strip().lower()] = value.strip()
    else:
        raise RtspError(400, "too many header lines", fatal=True)
    length_text = headers.get("content-length", "0")
    if not length_text.isdigit():
        raise RtspError(400, "bad Content-Length", fatal=True)
    length = int(length_text)
    if length > MAX_BODY_BYTES:
        raise RtspError(413, fatal=True)
    body = await reader.readexactly(length) if length else b""
    if version != "RTSP/1.0":
        raise RtspError(505, fatal=True)
    if len(uri) > 2048:
        raise RtspError(414)
    request = Request(method.upper(), uri, headers, body)
    if request.cseq is None:
        raise RtspError(400, "CSeq missing")
    return request


def response(
    status: int,
    cseq: str | None,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    content_type: str | None = None,
) -> bytes:
    """An RTSP/1.0 response, ready to write."""
    lines = [f"RTSP/1.0 {status} {REASONS.get(status, 'Error')}"]
    if cseq is not None:
        lines.append(f"CSeq: {cseq}")
    lines += [f"{name}: {value}" for name, value in headers or []]
    if body or content_type:
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
