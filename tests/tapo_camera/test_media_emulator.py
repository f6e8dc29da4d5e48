"""The emulator's port 8800 as a real camera bounds it: raw sockets that are not a
stream client, too many logins, too many clients, a request it cannot serve."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from camhub.errors import DeviceError
from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.tapo_camera.conftest import PASSWORD
from tests.tapo_camera.conftest import media_client as stream


@contextlib.asynccontextmanager
async def camera(**extra: object) -> AsyncIterator[int]:
    opts = SimOptions(password=PASSWORD, media_port=0, extra={"detection_period": 0, **extra})
    emu = TapoCameraEmulator(opts)
    await emu.start()
    try:
        assert emu.media_port is not None
        yield emu.media_port
    finally:
        await emu.stop()


@contextlib.asynccontextmanager
async def connect(port: int) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


POST = (
    b"POST /stream HTTP/1.1\r\n"
    b"Content-Type: multipart/mixed;boundary=--client-stream-boundary--\r\n"
)


async def test_not_a_stream_request_is_404_and_the_end() -> None:
    async with camera() as port, connect(port) as (reader, writer):
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), 10)
        assert answer.startswith(b"HTTP/1.1 404")


async def test_three_wrong_logins_then_the_camera_hangs_up() -> None:
    async with camera() as port, connect(port) as (reader, writer):
        writer.write(POST + b"\r\n")
        for _ in range(3):
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            assert head.startswith(b"HTTP/1.1 401") and b'encrypt_type="3"' in head
            writer.write(POST + b'Authorization: Digest username="admin",response="x"\r\n\r\n')
        assert await asyncio.wait_for(reader.read(), 10) == b""


async def test_a_huge_head_is_cut_off() -> None:
    async with camera() as port, connect(port) as (reader, writer):
        writer.write(POST + b"X-Pad: " + b"a" * 100_000 + b"\r\n\r\n")
        with contextlib.suppress(ConnectionError):
            assert await asyncio.wait_for(reader.read(), 10) == b""


async def test_clients_past_the_limit_are_closed_at_once() -> None:
    async with (
        camera(media_max_clients=2) as port,
        connect(port) as (_, w1),
        connect(port) as (_, w2),
    ):
        w1.write(POST)  # two clients mid-login
        w2.write(POST)
        await w2.drain()
        async with connect(port) as (reader, _):
            assert await asyncio.wait_for(reader.read(), 10) == b""


async def test_a_preview_it_cannot_serve_gets_error_code_minus_one() -> None:
    async with camera() as port:
        s = stream(port)
        s.resolution = "4K"  # camhub's client asking what no Tapo camera has
        with pytest.raises(DeviceError, match="refused the preview") as refused:
            await asyncio.to_thread(s.open)
        assert refused.value.code == -1
