"""What an anonymous client can hold on the listeners: bounded headers, a deadline for
the request head, a cap on open connections (a real ``camhub serve`` process)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path

import httpx
import pytest

from camhub.server_limits import BoundedH11Protocol
from tests.conftest import live_hub, make_settings
from tests.helpers.net import free_port
from tests.security.conftest import ServedHub, camhub_serve

FLOOD_MB = 100
CONNECTIONS = 4


async def _flood(port: int, megabytes: int) -> bool:
    """Send a request head that never ends; True if the server cut it short."""
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    chunk = b"a" * (1 << 20)
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Flood: ")
        for _ in range(megabytes):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        return True
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
    return False


async def test_header_floods_keep_memory_bounded(tmp_path: Path) -> None:
    async with camhub_serve(tmp_path) as hub:
        before = hub.rss_mb
        peak = before
        floods = [
            asyncio.create_task(_flood(hub.http_port, FLOOD_MB // CONNECTIONS))
            for _ in range(CONNECTIONS)
        ]
        while not all(f.done() for f in floods):
            peak = max(peak, hub.rss_mb)
            await asyncio.sleep(0.05)
        peak = max(peak, hub.rss_mb)
        cut = [f.result() for f in floods]
        growth = f"RSS {before:.0f} MB -> {peak:.0f} MB under a {FLOOD_MB} MB flood"
        assert peak < 300, growth
        assert peak - before < FLOOD_MB / 4, growth  # a few 64 KiB buffers, not the flood
        assert all(cut), "the server read every flooding header to the end"
        # And it still serves.
        async with httpx.AsyncClient() as c:
            r = await c.get(f"http://127.0.0.1:{hub.http_port}/")
            assert r.status_code == 302


async def _trickle(port: int, tls: bool, closed: asyncio.Queue[float], stop: asyncio.Event) -> None:
    """A slowloris client: one header byte a second; records when the server hangs up."""
    ctx = None
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    loop = asyncio.get_running_loop()
    start = loop.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while not stop.is_set():
            writer.write(b"X")
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1):
                    if not await reader.read(65536):
                        break  # the server hung up
        else:
            return
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
    await closed.put(loop.time() - start)


def _port(hub: ServedHub) -> int:
    return int(hub.url.rsplit(":", 1)[1])


async def test_slowly_sent_headers_are_dropped_after_a_deadline(tmp_path: Path) -> None:
    async with camhub_serve(tmp_path) as hub:
        closed: asyncio.Queue[float] = asyncio.Queue()
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(_trickle(port, tls, closed, stop))
            for port, tls in ((hub.http_port, False), (_port(hub), True))
            for _ in range(10)
        ]
        try:
            async with asyncio.timeout(30):
                held = [await closed.get() for _ in tasks]
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
        # Dropped by the head deadline (10 s), not by a keep-alive timer (5 s).
        assert all(8 < t < 25 for t in held), held


async def test_open_connections_are_capped(tmp_path: Path) -> None:
    async with camhub_serve(tmp_path, server={"max_connections": 20}) as hub:
        idle = [await asyncio.open_connection("127.0.0.1", hub.http_port) for _ in range(20)]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", hub.http_port)
            async with asyncio.timeout(10):
                answer = await reader.read()
            writer.close()
            assert answer.startswith(b"HTTP/1.1 503"), answer[:80]
        finally:
            for _, w in idle:
                w.close()
        async with httpx.AsyncClient() as c:

            async def served() -> bool:
                with contextlib.suppress(httpx.HTTPError):
                    return (await c.get(f"http://127.0.0.1:{hub.http_port}/")).status_code == 302
                return False

            async with asyncio.timeout(10):
                while not await served():
                    await asyncio.sleep(0.1)


async def _held_for(port: int, parts: list[bytes], pause: float) -> float:
    """Send ``parts`` ``pause`` s apart; seconds until the server hangs up."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for part in parts:
            writer.write(part)
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    while await reader.read(65536):
                        pass  # an answer (e.g. 400/413) then the close
                    return loop.time() - start
        async with asyncio.timeout(30):
            while await reader.read(65536):
                pass
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
    return loop.time() - start


async def test_a_slow_body_is_dropped_at_the_request_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the deadlines shortened (head 1 s, request 3 s) on an in-process server."""
    monkeypatch.setattr(BoundedH11Protocol, "head_seconds", 1.0)
    monkeypatch.setattr(BoundedH11Protocol, "request_seconds", 3.0)
    settings = make_settings(tmp_path / "data")
    settings.http_port = free_port()
    async with live_hub(settings) as hub:
        assert hub.http_port is not None
        head = b"POST /hooks/x/y HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"
        # The head in one piece, then the body a byte at a time: cut at 3 s.
        held = await _held_for(hub.http_port, [head] + [b"x"] * 20, 0.5)
        assert 2.5 < held < 6, held
        # The head slowly (but within 1 s), then a slow body: still 3 s for it all.
        held = await _held_for(hub.http_port, [head[:20], head[20:]] + [b"x"] * 20, 0.4)
        assert 2.5 < held < 6, held
        # A request that takes its time but ends within the deadlines is served.
        reader, writer = await asyncio.open_connection("127.0.0.1", hub.http_port)
        for part in (b"GET /index.html HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n", b"\r\n"):
            writer.write(part)
            await asyncio.sleep(0.3)  # a slow client, on purpose
        async with asyncio.timeout(10):
            assert (await reader.readline()).startswith(b"HTTP/1.1 302")
        writer.close()
