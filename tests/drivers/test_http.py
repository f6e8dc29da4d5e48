"""drivers/http.py: what a user sees when a device misbehaves on the network.

Each test runs a tiny raw TCP server on a loopback port, so that it can misbehave in
ways a well-mannered HTTP server never would (hang, cut a reply, close a kept-alive
connection, answer in something that is not HTTP).
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from camhub.drivers.http import fetch, peer, translate_errors
from camhub.errors import DeviceError, DeviceTimeout, DeviceUnreachable
from tests.helpers.net import free_port
from tests.helpers.raw_http import answer, read_request, serve

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


async def test_reply_carries_status_headers_cookies_and_body(
    http: aiohttp.ClientSession,
) -> None:
    raw = (
        b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json; charset=utf-8\r\n"
        b"Set-Cookie: TP_SESSIONID=abc123;TIMEOUT=1440\r\n"
        b'Content-Length: 15\r\n\r\n{"error_code":1}'[:-1]
    )
    async with serve(answer(raw)) as base:
        reply = await fetch(http, "POST", base + "/app", device="plug", timeout=5, data=b"x")
    assert reply.status == 403  # an HTTP status is the driver's to judge, not an error
    assert reply.content_type == "application/json"
    assert reply.cookies == {"TP_SESSIONID": "abc123", "TIMEOUT": "1440"}
    assert reply.text == '{"error_code":1'
    assert "abc123" not in repr(reply)


async def test_hanging_device_times_out(http: aiohttp.ClientSession) -> None:
    release = asyncio.Event()
    async with serve(answer(b"", hold=release)) as base:  # reads the request, says nothing
        with pytest.raises(DeviceTimeout) as caught:
            await fetch(http, "GET", base + "/", device="porch", timeout=0.2)
        release.set()
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.message == "porch did not answer within 0.2 s"
    assert caught.value.device == "porch" and caught.value.status == 504


async def test_body_that_stops_coming_times_out(http: aiohttp.ClientSession) -> None:
    release = asyncio.Event()
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nfirst bytes"
    async with serve(answer(head, hold=release)) as base:
        with pytest.raises(DeviceTimeout):  # the body is read inside the deadline too
            await fetch(http, "GET", base + "/", device="porch", timeout=0.2)
        release.set()


async def test_reply_cut_short_is_a_dropped_connection(http: aiohttp.ClientSession) -> None:
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this"
    async with serve(answer(cut)) as base:
        with pytest.raises(DeviceUnreachable) as caught:
            await fetch(http, "GET", base + "/snapshot.jpg", device="porch", timeout=5)
    assert caught.value.message == "porch: connection dropped mid-reply"


async def test_refused_connection_names_the_host_and_no_secret(
    http: aiohttp.ClientSession,
) -> None:
    port = free_port()  # a port nobody listens on any more
    url = f"http://admin:s3cret@127.0.0.1:{port}/stok=SESSION42/ds?token=T0KEN&pwd=s3cret"
    with pytest.raises(DeviceUnreachable) as caught:
        await fetch(http, "GET", url, device="cam", timeout=5)
    assert caught.value.message == f"cam: cannot reach 127.0.0.1:{port}: connection refused"
    shown = str(caught.value.payload()) + repr(caught.value) + str(caught.value.__cause__)
    for secret in ("s3cret", "SESSION42", "T0KEN", "admin"):
        assert secret not in shown


async def test_stale_kept_alive_connection_is_retried_when_asked(
    http: aiohttp.ClientSession,
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(OK)  # keep-alive: the client pools this connection...
        await writer.drain()
        await read_request(reader)  # ...and the device closes it on the next request

    async with serve(handler) as base:
        assert (await fetch(http, "POST", base + "/a", device="plug", timeout=5)).text == "ok"
        reply = await fetch(
            http, "POST", base + "/a", device="plug", timeout=5, retry_disconnected=True
        )
        assert reply.text == "ok"
        with pytest.raises(DeviceUnreachable, match="dropped mid-reply"):
            await fetch(http, "POST", base + "/a", device="plug", timeout=5)


async def test_a_reply_that_is_not_http_is_a_device_error(http: aiohttp.ClientSession) -> None:
    async with serve(answer(b"SSH-2.0-dropbear\r\n\r\n")) as base:
        with pytest.raises(DeviceError) as caught:
            await fetch(http, "GET", base + "/?token=T0KEN", device="cam", timeout=5)
    assert not isinstance(caught.value, DeviceUnreachable)
    assert caught.value.message == "cam: malformed HTTP reply"
    assert "T0KEN" not in str(caught.value.payload())


async def test_refused_websocket_keeps_the_status(http: aiohttp.ClientSession) -> None:
    async with serve(answer(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")) as base:
        with pytest.raises(DeviceError) as caught:
            async with translate_errors("phone", 5, url=base):
                await http.ws_connect(base + "/ws?token=T0KEN")
    assert caught.value.code == 401
    assert "T0KEN" not in caught.value.message


async def test_camhub_errors_and_outer_deadlines_pass_through() -> None:
    with pytest.raises(DeviceError, match="vendor says no"):
        async with translate_errors("cam", 5):
            raise DeviceError("vendor says no", device="cam", code=-40210)
    with pytest.raises(TimeoutError) as caught:  # the caller's deadline, not the device's
        async with asyncio.timeout(0.05):
            async with translate_errors("cam", None):
                await asyncio.Event().wait()
    assert not isinstance(caught.value, DeviceError)


def test_peer_shows_host_and_port_only() -> None:
    assert peer("https://u:p@10.0.0.5:8443/stok=x/ds?token=y") == "10.0.0.5:8443"
    assert peer("not a url") == "the device"
    assert peer(None) == "the device"
