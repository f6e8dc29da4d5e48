"""The one place where network failures become camhub errors.

Every driver talks HTTP through the hub's shared ``aiohttp.ClientSession``
(``ctx.http``) and through this module, so a refused connection, a hang or a reply cut
short reads the same whatever the vendor:

=====================================================  =====================================
what happened                                          camhub error
=====================================================  =====================================
no complete answer within ``timeout`` seconds          :class:`DeviceTimeout` (a TimeoutError)
connection closed before or while the reply came in    :class:`DeviceUnreachable`
refused, reset, DNS, TLS, any other socket failure     :class:`DeviceUnreachable`
a reply that is not HTTP, or a refused WebSocket       :class:`DeviceError` (``code``: status)
=====================================================  =====================================

:func:`fetch` sends one request and reads the whole body inside the timeout.
:func:`translate_errors` is the same mapping as an ``async with`` block, for code that
reads a body piece by piece (MJPEG streams, WebSockets). Messages carry the device
name and the peer's ``host:port``, never a URL: paths, query strings and userinfo may
hold tokens or passwords. Vendor meaning (HTTP 401 is bad credentials, 403 a dead
session...) stays in each driver; this module only knows about the network.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from camhub.errors import CamhubError, DeviceError, DeviceTimeout, DeviceUnreachable

__all__ = ["Reply", "fetch", "peer", "translate_errors"]


@dataclass(frozen=True)
class Reply:
    """A complete HTTP answer: status, headers and the whole body."""

    status: int
    headers: CIMultiDictProxy[str] = field(repr=False)
    body: bytes = field(repr=False)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lowercase; '' when absent."""
        raw = self.headers.get("Content-Type", "")
        return raw.split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies this reply sets, read from its own headers (not the shared jar)."""
        found: dict[str, str] = {}
        for header in self.headers.getall("Set-Cookie", []):
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            found.update({name: morsel.value for name, morsel in jar.items()})
        return found


def peer(url: str | URL | None) -> str:
    """``host:port`` of ``url``: all of it that is safe to show (no path, query, user)."""
    if url is None:
        return "the device"
    try:
        u = URL(url)
    except (TypeError, ValueError):
        return "the device"
    if not u.host:
        return "the device"
    return f"{u.host}:{u.port}" if u.port is not None else u.host


def _reason(exc: BaseException) -> str:
    """A short, secret-free cause: aiohttp's own messages may quote the URL."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "host name not found"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return "TLS handshake failed"
    if isinstance(exc, aiohttp.InvalidURL):
        return "invalid address"
    cause = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
    if isinstance(cause, OSError):
        if isinstance(cause, ConnectionRefusedError) or cause.errno == errno.ECONNREFUSED:
            return "connection refused"
        if isinstance(cause, ConnectionResetError) or cause.errno == errno.ECONNRESET:
            return "connection reset"
        if cause.errno is not None:
            return os.strerror(cause.errno).lower()
    return type(exc).__name__


def _translate(exc: BaseException, device: str, timeout: float | None, url: Any) -> DeviceError:
    if isinstance(exc, TimeoutError):  # also aiohttp's ServerTimeoutError
        within = f"within {timeout:g} s" if timeout is not None else "in time"
        return DeviceTimeout(f"{device} did not answer {within}", device=device)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return DeviceUnreachable(f"{device}: connection dropped mid-reply", device=device)
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return DeviceError(
            f"{device}: WebSocket refused (HTTP {exc.status})", device=device, code=exc.status
        )
    if isinstance(exc, aiohttp.TooManyRedirects):
        return DeviceError(f"{device}: too many redirects", device=device)
    if isinstance(exc, aiohttp.ClientResponseError):  # not HTTP, bad headers, bad JSON...
        code = exc.status or None
        return DeviceError(f"{device}: malformed HTTP reply", device=device, code=code)
    return DeviceUnreachable(f"{device}: cannot reach {peer(url)}: {_reason(exc)}", device=device)


@asynccontextmanager
async def translate_errors(
    device: str,
    timeout: float | None = None,  # noqa: ASYNC109 (the message names it, see below)
    *,
    url: str | URL | None = None,
) -> AsyncIterator[None]:
    """Run the block with a deadline; network failures inside become camhub errors.

    ``timeout`` bounds the whole block (None: no deadline of its own, but a timeout
    raised inside still becomes :class:`DeviceTimeout`); it is a parameter rather than
    the caller's own ``asyncio.timeout`` so that the error can say how long was waited,
    and so that only this block's deadline, not an outer one, is reported as the
    device's fault (an outer deadline's cancellation passes through). ``url`` only names
    the peer in messages (``host:port``). Camhub errors raised inside pass through.
    """
    try:
        async with asyncio.timeout(timeout):
            yield
    except CamhubError:
        raise
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise _translate(exc, device, timeout, url) from None


async def _exchange(
    http: aiohttp.ClientSession, method: str, url: str | URL, kwargs: dict[str, Any]
) -> Reply:
    async with http.request(method, url, **kwargs) as resp:
        body = await resp.read()
        return Reply(resp.status, resp.headers, body)


async def fetch(
    http: aiohttp.ClientSession,
    method: str,
    url: str | URL,
    *,
    device: str,
    timeout: float,  # noqa: ASYNC109 (applied with asyncio.timeout, named in the error)
    retry_disconnected: bool = False,
    **kwargs: Any,
) -> Reply:
    """Send one request through ``http`` and read the whole reply within ``timeout`` s.

    Any HTTP status is a reply (the driver knows what it means); only network failures
    raise. ``retry_disconnected``: when the connection closes before the answer (a
    kept-alive connection the device dropped while it sat in the pool), send once more
    on a fresh one; aiohttp already does so by itself for idempotent methods, this
    extends it to any method the driver knows is safe to repeat. Other keyword
    arguments go to :meth:`aiohttp.ClientSession.request` (``params``, ``data``,
    ``json``, ``headers``, ``ssl``, ``allow_redirects``...).
    """
    attempts = 2 if retry_disconnected else 1
    async with translate_errors(device, timeout, url=url):
        for attempt in range(1, attempts + 1):
            try:
                return await _exchange(http, method, url, kwargs)
            except aiohttp.ServerDisconnectedError:
                if attempt == attempts:
                    raise
    raise AssertionError("unreachable")  # pragma: no cover
