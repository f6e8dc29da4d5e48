"""Hostile devices: raw HTTP servers on 127.0.0.1 that misbehave on demand.

A :class:`Hostile` server is a camera whose behaviour is switched at run time
(:attr:`Hostile.mode`). In mode ``ok`` it behaves: a plain MJPEG camera
(``/video.mjpeg``, ``/still.jpg``), or, given an ``upstream`` URL, a transparent proxy
in front of one of camhub's emulators, so that any driver can be pointed at it. In
every other mode (:data:`MODES`) it answers every request in one hostile way, written
on the raw socket so that it can break HTTP where a real server would not.

Huge and endless replies are generated as they are sent (the same 1 MiB block again
and again, paced by the socket): the test process never holds them.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Self

import aiohttp

from camhub.sim.video import VideoSource

MiB = 1 << 20
HUGE = 400 * MiB
TRICKLE_EVERY = 0.5  # seconds between the bytes of a trickling reply

MODES = (
    "huge",  # 400 MiB that claim to be one JPEG
    "endless",  # a JPEG that never ends
    "trickle",  # a byte every TRICKLE_EVERY seconds, for ever
    "redirect",  # 302 to another host (the sink)
    "garbage",  # bytes that are not HTTP at all
    "drop",  # headers, part of the body, then the connection is cut
    "lying",  # says image/jpeg, sends an HTML page
    "no-boundary",  # multipart without a boundary, and bytes that never make one
    "endless-part",  # multipart whose first part never ends
)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
BLOCK = b"\xff\xd8" + bytes(MiB - 2)  # the start of a JPEG, then zeros
HTML = b"<html><body><h1>Login</h1><form>user <input name=u></form></body></html>"


class Request:
    def __init__(self, head: bytes, body: bytes) -> None:
        lines = head.decode("latin-1").split("\r\n")
        self.method, self.target, _ = [*lines[0].split(" "), "", ""][:3]
        self.headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                self.headers.append((name.strip(), value.strip()))
        self.body = body

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    request = Request(head[:-4], b"")
    length = next((int(v) for k, v in request.headers if k.lower() == "content-length"), 0)
    if length:
        request.body = await reader.readexactly(length)
    return request


class RawServer:
    """An asyncio server on a free loopback port; counts open connections."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def open_connections(self) -> int:
        return len(self._writers)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _guarded(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                await self._handler(reader, writer)
        finally:
            self._writers.discard(writer)
            writer.close()

    async def __aenter__(self) -> Self:
        self._server = await asyncio.start_server(self._guarded, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()


class Sink(RawServer):
    """Another host a device redirects to: it must never be asked anything."""

    def __init__(self) -> None:
        super().__init__(self._answer)
        self.hits = 0

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if await read_request(reader) is not None:
            self.hits += 1
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nstolen")
            await writer.drain()


class Hostile(RawServer):
    """A device that misbehaves in :attr:`mode` (``ok``: behaves)."""

    def __init__(self, sink: Sink, upstream: str | None = None, fps: float = 5.0) -> None:
        super().__init__(self._serve)
        self.sink = sink
        self.upstream = upstream
        self.mode = "ok"
        self.sent = 0  # body bytes sent in hostile modes
        self.hostile_connections = 0  # connections being served a hostile answer now
        self._fps = fps
        video = VideoSource(160, 120, fps=fps, scene="motion")
        self._frames = [video.frame(t=video.t0 + i / fps, quality=60) for i in range(8)]
        self._rng = random.Random(9)
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        if self.upstream is not None:
            self._http = aiohttp.ClientSession(auto_decompress=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await super().__aexit__(*exc)
        if self._http is not None:
            await self._http.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (request := await read_request(reader)) is not None:
            mode = self.mode
            if mode == "ok":
                if not await self._behave(request, writer):
                    return
                continue
            self.hostile_connections += 1
            try:
                await getattr(self, "_" + mode.replace("-", "_"))(request, writer)
            finally:
                self.hostile_connections -= 1
            return  # hostile answers end the connection

    # behaving ----------------------------------------------------------------------------
    async def _behave(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        """Answer well; False when the connection is done."""
        if self.upstream is not None:
            await self._proxy(request, writer)
            return False
        if request.path == "/video.mjpeg":
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n"
                b"Connection: close\r\n\r\n"
            )
            for i in range(10**9):
                jpeg = self._frames[i % len(self._frames)]
                writer.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                             b"%b\r\n" % (len(jpeg), jpeg))  # fmt: skip
                await writer.drain()
                await asyncio.sleep(1 / self._fps)
                if self.mode != "ok":
                    break  # a camera gone bad drops its viewers
            return False
        jpeg = self._frames[0]
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n%b"
            % (len(jpeg), jpeg)
        )
        await writer.drain()
        return True

    async def _proxy(self, request: Request, writer: asyncio.StreamWriter) -> None:
        assert self._http is not None and self.upstream is not None
        skip = {"host", "connection", "content-length", "transfer-encoding", "keep-alive"}
        headers = [(k, v) for k, v in request.headers if k.lower() not in skip]
        async with self._http.request(
            request.method,
            self.upstream + request.target,
            headers=headers,
            data=request.body or None,
            allow_redirects=False,
            ssl=False,
        ) as resp:
            body = await resp.read()
            head = [f"HTTP/1.1 {resp.status} {resp.reason or ''}"]
            head += [f"{k}: {v}" for k, v in resp.headers.items() if k.lower() not in skip]
            head += [f"Content-Length: {len(body)}", "Connection: close"]
        writer.write("\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + body)
        await writer.drain()

    # misbehaving -------------------------------------------------------------------------
    async def _huge(self, request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nConnection: close\r\n\r\n")
        start = self.sent
        while self.sent - start < HUGE and self.mode != "ok":
            writer.write(BLOCK)
            await writer.drain()
            self.sent += len(BLOCK)

    async def _endless(self, request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nConnection: close\r\n\r\n")
        while self.mode != "ok":
            writer.write(BLOCK)
            await writer.drain()
            self.sent += len(BLOCK)

    async def _trickle(self, request: Request, writer: asyncio.StreamWriter) -> None:
        if request.path == "/video.mjpeg":
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n"
                b"\r\n--frame\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8"
            )
        else:
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n"
                b"\xff\xd8"
            )
        while True:  # until the hub hangs up, however long that takes
            await writer.drain()
            await asyncio.sleep(TRICKLE_EVERY)
            writer.write(b"\x00")
            self.sent += 1

    async def _redirect(self, request: Request, writer: asyncio.StreamWriter) -> None:
        where = f"http://localhost:{self.sink.port}{request.target}"
        writer.write(
            f"HTTP/1.1 302 Found\r\nLocation: {where}\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        await writer.drain()

    async def _garbage(self, request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(self._rng.randbytes(64 * 1024))
        await writer.drain()

    async def _drop(self, request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 1048576\r\n\r\n"
        )
        writer.write(self._frames[0][:1000])
        await writer.drain()
        writer.transport.abort()

    async def _lying(self, request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n%b" % (len(HTML), HTML)
        )
        await writer.drain()

    async def _no_boundary(self, request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace\r\n"
            b"Connection: close\r\n\r\n"
        )
        while self.mode != "ok":  # zeros: never a "--" line
            writer.write(BLOCK[2:])
            await writer.drain()
            self.sent += len(BLOCK) - 2

    async def _endless_part(self, request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n"
            b"Connection: close\r\n\r\n--frame\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        while self.mode != "ok":
            writer.write(BLOCK)
            await writer.drain()
            self.sent += len(BLOCK)


@contextlib.asynccontextmanager
async def hostile(upstream: str | None = None) -> AsyncIterator[Hostile]:
    async with Sink() as sink, Hostile(sink, upstream) as server:
        yield server
