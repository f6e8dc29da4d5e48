"""drivers/http.py against hostile devices: byte limits, deadlines, redirects.

What a user would notice without these: a camera that answers with hundreds of
megabytes runs the hub out of memory; one that trickles a byte now and then holds a
request (and a connection) forever; one that redirects makes the hub fetch another
machine's URL with the camera's credentials.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import pytest

from camhub.capabilities import HttpSource
from camhub.drivers.http import REPLY_LIMIT, STILL_LIMIT, fetch, open_source, translate_errors
from camhub.errors import DeviceError, DeviceTimeout
from camhub.service import new_http_session
from tests.helpers.raw_http import read_request, serve

MiB = 1 << 20
SLACK = 16 * MiB  # socket buffers between the device and camhub's reads


class Flood:
    """Counts what a flooding device managed to send before camhub hung up."""

    def __init__(self, total: int, head: bytes) -> None:
        self.total, self.head = total, head
        self.sent = 0
        self.hung_up = asyncio.Event()

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(self.head)
        chunk = b"\xff\xd8" + bytes(MiB - 2)
        try:
            while self.sent < self.total:
                writer.write(chunk)
                await writer.drain()
                self.sent += len(chunk)
        except ConnectionError:
            self.hung_up.set()


async def test_a_huge_reply_is_refused_past_the_limit_and_the_connection_dropped(
    http: aiohttp.ClientSession,
) -> None:
    flood = Flood(64 * MiB, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
    async with serve(flood) as base:
        with pytest.raises(DeviceError) as caught:
            await fetch(http, "GET", base + "/api?token=T0KEN", device="cam", timeout=10)
        async with asyncio.timeout(5):
            await flood.hung_up.wait()
    assert caught.value.message == "cam: reply too large (over 4 MiB; not read)"
    assert caught.value.status == 502 and "T0KEN" not in str(caught.value.payload())
    assert flood.sent < REPLY_LIMIT + SLACK


async def test_a_still_may_be_larger_than_an_api_reply_but_not_unbounded(
    http: aiohttp.ClientSession,
) -> None:
    small = 6 * MiB
    head = b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % small
    async with serve(Flood(small, head)) as base:
        reply = await fetch(
            http, "GET", base + "/snap", device="cam", timeout=10, limit=STILL_LIMIT
        )
    assert len(reply.body) == small
    flood = Flood(64 * MiB, b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n")
    async with serve(flood) as base:
        with pytest.raises(DeviceError, match="reply too large"):
            await fetch(http, "GET", base + "/snap", device="cam", timeout=10, limit=STILL_LIMIT)
    assert flood.sent < STILL_LIMIT + SLACK


async def test_an_announced_length_over_the_limit_is_refused_before_reading(
    http: aiohttp.ClientSession,
) -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 400000000\r\n\r\n")
        await writer.drain()
        await release.wait()  # and sends nothing: no need to wait for it

    async with serve(handler) as base:
        with pytest.raises(DeviceError) as caught:
            await fetch(http, "GET", base + "/", device="cam", timeout=30)
        release.set()
    assert not isinstance(caught.value, DeviceTimeout)
    assert "reply too large" in caught.value.message


async def test_a_trickling_still_times_out_as_a_whole(http: aiohttp.ClientSession) -> None:
    """A byte every 50 ms never lets a per-read timeout fire; the total deadline does."""
    stop = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 9999\r\n\r\n")
        while not stop.is_set():
            writer.write(b"\xff")
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)

    async with serve(handler) as base:
        source = HttpSource(base + "/still.jpg")
        async with open_source(http, source, device="cam", timeout=5) as body:
            assert body.status == 200
            with pytest.raises(DeviceTimeout) as caught:
                await body.read(STILL_LIMIT, within=0.3)
        stop.set()
    assert caught.value.message == "cam did not answer within 0.3 s"


async def test_audio_that_trickles_is_cut_off(http: aiohttp.ClientSession) -> None:
    stop = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: audio/x-wav\r\n\r\n" + b"RIFF" * 1024)
        while not stop.is_set():  # then a byte now and then
            writer.write(b"\x00")
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)

    async with serve(handler) as base:
        pieces: list[bytes] = []
        async with open_source(http, HttpSource(base + "/audio"), device="cam", timeout=5) as body:
            with pytest.raises(DeviceTimeout) as caught:
                async for piece in body.pieces(4096, within=0.3):
                    pieces.append(piece)
        stop.set()
    assert pieces == [b"RIFF" * 1024]  # what came at a normal rate was passed on
    assert caught.value.message == "cam: no complete 4096-byte piece within 0.3 s"


async def test_a_redirect_to_another_host_is_not_followed(http: aiohttp.ClientSession) -> None:
    stolen: list[bytes] = []

    async def elsewhere(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stolen.append(await read_request(reader))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
        await writer.drain()

    async with serve(elsewhere) as other:
        port = other.rsplit(":", 1)[1]

        async def device(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(
                b"HTTP/1.1 302 Found\r\nLocation: http://localhost:%s/latest/meta-data\r\n"
                b"Content-Length: 0\r\n\r\n" % port.encode()
            )
            await writer.drain()

        async with serve(device) as base:
            for attempt in (
                fetch(http, "GET", base + "/", device="cam", timeout=5, headers={"X-Key": "k"}),
                _open_and_read(http, HttpSource(base + "/video.mjpeg")),
            ):
                with pytest.raises(DeviceError) as caught:
                    await attempt
                assert caught.value.code == 302
                assert caught.value.message == "cam: redirected to another host (not followed)"
    assert stolen == []


async def test_a_redirect_on_the_same_host_is_followed(http: aiohttp.ClientSession) -> None:
    async def device(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while request := await read_request(reader):
            if request.startswith(b"GET /old "):
                writer.write(b"HTTP/1.1 301 Moved\r\nLocation: /new\r\nContent-Length: 0\r\n\r\n")
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    async with serve(device) as base:
        assert (await fetch(http, "GET", base + "/old", device="cam", timeout=5)).text == "ok"


async def _open_and_read(http: aiohttp.ClientSession, source: HttpSource) -> bytes:
    async with open_source(http, source, device="cam", timeout=5) as body:
        return await body.read(STILL_LIMIT, within=5)


async def test_the_hubs_session_refuses_a_websocket_redirected_elsewhere() -> None:
    """WebSocket handshakes are not made through fetch: the shared session's own
    middleware keeps them on the device's host."""
    stolen: list[bytes] = []

    async def elsewhere(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stolen.append(await read_request(reader))

    async with serve(elsewhere) as other:
        port = other.rsplit(":", 1)[1].encode()

        async def device(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(
                b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://localhost:%b/ws\r\n"
                b"Content-Length: 0\r\n\r\n" % port
            )
            await writer.drain()

        async with serve(device) as base, new_http_session() as http:
            with pytest.raises(DeviceError) as caught:
                async with translate_errors("phone", 5, url=base):
                    await http.ws_connect(base.replace("http", "ws") + "/ws?token=T0KEN")
    assert caught.value.message == "phone: redirected to another host (not followed)"
    assert stolen == []
