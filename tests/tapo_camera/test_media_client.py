"""camhub's port-8800 client (drivers/tapo/camera_media.py) against the emulator and
against hostile servers on loopback: each firmware's hash, a wrong password, a camera
that is gone, silent, or sends too much; closing from another thread ends a read."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from camhub.errors import DeviceAuthError, DeviceError, DeviceTimeout, DeviceUnreachable
from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.helpers.net import free_port
from tests.tapo_camera.conftest import PASSWORD, running
from tests.tapo_camera.conftest import media_client as stream

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def camera(media_hash: str = "sha256") -> AsyncIterator[TapoCameraEmulator]:
    opts = SimOptions(
        password=PASSWORD,
        media_port=0,
        extra={"detection_period": 0, "media_hash": media_hash, "main_size": "320x180"},
    )
    async with running(opts) as emu:
        yield emu


@contextlib.asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[int]:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield srv.sockets[0].getsockname()[1]
    finally:
        srv.close()
        await srv.wait_closed()


@pytest.mark.parametrize(
    ("media_hash", "used", "refused"), [("md5", "md5", 0), ("sha256", "sha256", 0),
                                        ("sha256-md5", "md5", 1)]
)  # fmt: skip
async def test_each_firmware_hash_logs_in_and_streams(
    media_hash: str, used: str, refused: int
) -> None:
    async with camera(media_hash) as emu:
        assert emu.media_port is not None
        s = stream(emu.media_port)
        await asyncio.to_thread(s.open)
        try:
            data = await asyncio.to_thread(s.read)
            assert data[:1] == b"\x47" and len(data) % 188 == 0  # MPEG-TS, decrypted
            assert s.hash_used == used and s.session == "1"
        finally:
            s.close()
        assert emu.sim_state()["media"]["refused_logins"] == refused


async def test_a_wrong_password_is_an_auth_error_that_names_no_secret() -> None:
    async with camera() as emu:
        assert emu.media_port is not None
        with pytest.raises(DeviceAuthError) as refused:
            await asyncio.to_thread(stream(emu.media_port, "wrong-one").open)
    assert refused.value.code == 401
    assert "wrong-one" not in str(refused.value) and "127.0.0.1" not in str(refused.value)


async def test_a_camera_that_is_gone_or_silent() -> None:
    with pytest.raises(DeviceUnreachable, match="connection refused"):
        await asyncio.to_thread(stream(free_port()).open)

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers

    async with server(silent) as port:
        with pytest.raises(DeviceTimeout):
            await asyncio.to_thread(stream(port, timeout=0.5).open)


async def test_endless_heads_and_huge_parts_are_refused() -> None:
    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 401 Unauthorized\r\n")
        with contextlib.suppress(ConnectionError):
            for _ in range(100):
                writer.write(b"X-Pad: " + b"a" * 1000 + b"\r\n")
                await writer.drain()
        await reader.read()

    async with server(endless) as port:
        with pytest.raises(DeviceError, match="size limit"):
            await asyncio.to_thread(stream(port).open)

    async def huge(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="r",'
                     b'nonce="n",qop="auth"\r\nContent-Length: 0\r\n\r\n')  # fmt: skip
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\nKey-Exchange: username="admin" nonce="k"\r\n'
                     b"Content-Type: multipart/mixed;boundary=--device-stream-boundary--\r\n"
                     b"\r\n")  # fmt: skip
        writer.write(b"--device-stream-boundary--\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 999999999\r\n\r\n")  # fmt: skip
        await writer.drain()
        await reader.read()

    async with server(huge) as port:
        with pytest.raises(DeviceError, match="size limit"):
            await asyncio.to_thread(stream(port).open)


async def test_close_from_another_thread_ends_a_blocked_read() -> None:
    async with camera() as emu:
        assert emu.media_port is not None
        s = stream(emu.media_port, timeout=60)
        await asyncio.to_thread(s.open)
        done = threading.Event()
        errors: list[BaseException] = []

        def reader() -> None:
            try:
                while s.read():
                    pass
            except DeviceError as exc:
                errors.append(exc)
            done.set()

        thread = threading.Thread(target=reader)
        thread.start()
        s.close()
        assert await asyncio.to_thread(done.wait, 10)  # not the 60 s stall timeout
        thread.join()
        assert all(isinstance(e, DeviceUnreachable) for e in errors)
