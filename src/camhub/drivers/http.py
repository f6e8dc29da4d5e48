"""The one place where network failures become camhub errors, and device replies are read.

Every driver talks HTTP through the hub's shared ``aiohttp.ClientSession``
(``ctx.http``) and through this module, so a refused connection, a hang, a reply cut
short or a hostile device reads the same whatever the vendor:

=====================================================  =====================================
what happened                                          camhub error
=====================================================  =====================================
no complete answer within ``timeout`` seconds          :class:`DeviceTimeout` (a TimeoutError)
a stream unit (frame, audio piece) not done in time    :class:`DeviceTimeout`
connection closed before or while the reply came in    :class:`DeviceUnreachable`
refused, reset, DNS, TLS, any other socket failure     :class:`DeviceUnreachable`
a reply larger than the limit of its kind              :class:`DeviceError` ("reply too large")
a redirect to another host, or more than 3 redirects   :class:`DeviceError` (``code``: status)
a reply that is not HTTP, or a refused WebSocket       :class:`DeviceError` (``code``: status)
=====================================================  =====================================

Every body is read through :class:`Body` (or :func:`fetch`, which uses it), within a
byte limit and a deadline, so no device can make the hub hold more than a limit's
worth of its bytes or keep a request waiting past its deadline:

=============================  ==========================  ================================
what is read                   limit                       deadline
=============================  ==========================  ================================
API reply (JSON, INI, text)    :data:`REPLY_LIMIT` 4 MiB   the whole exchange in ``timeout``
still picture                  :data:`STILL_LIMIT` 20 MiB  headers, then the body, each in
                                                           ``timeout`` (a trickle times out)
MJPEG part                     16 MiB (streams.parser)     each picture in 15 s or more
audio                          pieces of a few KiB         each piece in ``timeout``
=============================  ==========================  ================================

A reply over its limit is not read further: its connection is closed at once (a
``Content-Length`` over the limit is refused before any body byte is read). Header
lines and counts are bounded by aiohttp itself (8 KiB a line, 128 headers).

Redirects: a device's redirect is followed only to the **same host** (any port, http
or https), at most :data:`MAX_REDIRECTS` times; a redirect to another host is a
:class:`DeviceError` and is not followed, so a device cannot make the hub fetch
another machine's URL (SSRF) and credentials never leave for another host. The rule is
the :func:`same_host_redirects` client middleware: every request made here carries it,
and the hub's shared session carries it too (for WebSocket handshakes).

:func:`fetch` sends one request and reads the whole body within the limit and the
timeout. :func:`open_source` opens a media source (MJPEG, JPEG, WAV): the one place
media is opened. :func:`translate_errors` is the error mapping as an ``async with``
block, for code that talks another way (WebSockets). Messages carry the device name
and the peer's ``host:port``, never a URL: paths, query strings and userinfo may hold
tokens or passwords. Vendor meaning (HTTP 401 is bad credentials, 403 a dead
session...) stays in each driver; this module only knows about the network.
"""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from camhub.errors import (
    CamhubError,
    DeviceAuthError,
    DeviceError,
    DeviceTimeout,
    DeviceUnreachable,
    VendorCode,
)

if TYPE_CHECKING:
    from camhub.capabilities import HttpSource

__all__ = [
    "MAX_REDIRECTS",
    "REPLY_LIMIT",
    "STILL_LIMIT",
    "Body",
    "Reply",
    "fetch",
    "open_source",
    "peer",
    "same_host_redirects",
    "translate_errors",
]

MiB = 1 << 20
REPLY_LIMIT = 4 * MiB  # an API answer: JSON, INI groups, text, a PEM
STILL_LIMIT = 20 * MiB  # one picture
MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})

T = TypeVar("T")


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


class ForeignRedirect(aiohttp.ClientResponseError):
    """A device redirected to another host; raised by :func:`same_host_redirects`."""


async def same_host_redirects(
    req: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """Client middleware: refuse a redirect whose target is not the request's host.

    aiohttp runs it for each hop of a redirect chain, so every hop stays on the host
    the first request went to. Port and scheme may change (``http`` to ``https``).
    """
    resp = await handler(req)
    if resp.status not in REDIRECTS:
        return resp
    location = resp.headers.get("Location")
    if location is None:
        return resp  # nothing to follow: the caller gets the 3xx as is
    try:
        target = req.url.join(URL(location))
    except (TypeError, ValueError):
        target = None
    host = (req.url.host or "").lower()
    if (
        target is None
        or target.scheme not in ("http", "https")
        or ((target.host or "").lower() != host)
    ):
        resp.close()
        raise ForeignRedirect(resp.request_info, resp.history, status=resp.status)
    return resp


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
    if isinstance(exc, ForeignRedirect):
        return DeviceError(
            f"{device}: redirected to another host (not followed)", device=device, code=exc.status
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


class Body:
    """A reply whose body is still on the wire; read it only through these methods.

    Each one bounds what it keeps (a byte limit) and how long it waits (a deadline),
    and turns network failures into camhub errors. :meth:`close` drops the connection
    (the camera's client slot is freed at once).
    """

    def __init__(self, resp: aiohttp.ClientResponse, device: str, url: str | URL) -> None:
        self._resp = resp
        self.device = device
        self._url = url
        self.status = resp.status
        self.headers = resp.headers

    def __repr__(self) -> str:
        return f"<Body {self.device} HTTP {self.status}>"

    @property
    def content_type(self) -> str:
        """The media type without parameters, lowercase; '' when absent."""
        raw = self.headers.get("Content-Type", "")
        return raw.split(";", 1)[0].strip().lower()

    def close(self) -> None:
        """Let the connection go: back to the pool when the body was read to its end."""
        if self._resp.content.at_eof():
            self._resp.release()
        else:
            self._resp.close()

    def _too_large(self, limit: int) -> DeviceError:
        self._resp.close()
        return DeviceError(
            f"{self.device}: reply too large (over {limit / MiB:g} MiB; not read)",
            device=self.device,
        )

    async def read(self, limit: int, *, within: float | None) -> bytes:
        """The whole body: at most ``limit`` bytes, all in within ``within`` seconds.

        None: no deadline of its own (:func:`fetch` reads inside its own deadline).
        """
        if (self._resp.content_length or 0) > limit:
            raise self._too_large(limit)
        # Pieces joined at the end, not one growing buffer, which once freed leaves
        # the allocator's heap raised: facing three 400 MB floods at once the hub
        # peaked at 227 MB with a bytearray, 196 MB so (tests/faults/test_memory.py).
        chunks: list[bytes] = []
        size = 0
        async with translate_errors(self.device, within, url=self._url):
            while chunk := await self._resp.content.readany():
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise self._too_large(limit)
        return b"".join(chunks)

    async def units(
        self,
        feed: Callable[[bytes], list[T]],
        *,
        within: float,
        what: str,
        end: Callable[[], list[T]] | None = None,
    ) -> AsyncGenerator[T, None]:
        """What ``feed`` makes of the body (frames, audio pieces), as it comes.

        Each unit must be complete within ``within`` seconds of the one before (of the
        start, for the first): a device that trickles bytes, or sends bytes that never
        make a unit, times out. ``feed`` keeps its own buffer bounded; it may raise a
        camhub error to stop. ``end`` gives what is left when the body ends.
        """
        while True:
            ready = await self._next_units(feed, within, what)
            if ready is None:
                for unit in end() if end is not None else ():
                    yield unit
                return
            for unit in ready:
                yield unit

    async def _next_units(
        self, feed: Callable[[bytes], list[T]], within: float, what: str
    ) -> list[T] | None:
        try:
            async with asyncio.timeout(within):
                while chunk := await self._resp.content.readany():
                    ready = feed(chunk)
                    if ready:
                        return ready
                return None
        except CamhubError:
            raise
        except TimeoutError:
            self._resp.close()
            msg = f"{self.device}: no complete {what} within {within:g} s"
            raise DeviceTimeout(msg, device=self.device) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise _translate(exc, self.device, within, self._url) from None

    def pieces(self, size: int, *, within: float) -> AsyncGenerator[bytes, None]:
        """The body in pieces of ``size`` bytes (the last may be shorter), each within
        ``within`` seconds: at least ``size / within`` bytes a second (audio)."""
        buf = bytearray()

        def feed(chunk: bytes) -> list[bytes]:
            buf.extend(chunk)
            out = [bytes(buf[i : i + size]) for i in range(0, len(buf) - size + 1, size)]
            del buf[: len(out) * size]
            return out

        def end() -> list[bytes]:
            return [bytes(buf)] if buf else []

        return self.units(feed, within=within, what=f"{size}-byte piece", end=end)


async def _connect(
    http: aiohttp.ClientSession,
    method: str,
    url: str | URL,
    device: str,
    kwargs: dict[str, Any],
) -> Body:
    """Send the request and read the status and headers (redirects: same host only)."""
    extra = tuple(kwargs.pop("middlewares", ()))
    resp = await http.request(
        method,
        url,
        max_redirects=MAX_REDIRECTS,
        middlewares=(same_host_redirects, *extra),
        **kwargs,
    )
    return Body(resp, device, url)


async def open_body(
    http: aiohttp.ClientSession,
    source: HttpSource,
    *,
    device: str,
    timeout: float,  # noqa: ASYNC109 (applied with asyncio.timeout, named in the error)
) -> Body:
    """GET a media source; its status and headers within ``timeout`` seconds.

    The caller reads the body through the :class:`Body` (with its own deadlines) and
    must :meth:`~Body.close` it; :func:`open_source` does that as an ``async with``.
    """
    kwargs: dict[str, Any] = {
        "headers": source.headers,
        "auth": source.auth,
        "ssl": source.verify_tls,
        # no session-wide read timeout: each read below has its own deadline
        "timeout": aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=None),
    }
    if source.digest is not None:
        kwargs["middlewares"] = (aiohttp.DigestAuthMiddleware(*source.digest),)
    async with translate_errors(device, timeout, url=source.url):
        return await _connect(http, "GET", source.url, device, kwargs)


@asynccontextmanager
async def open_source(
    http: aiohttp.ClientSession,
    source: HttpSource,
    *,
    device: str,
    timeout: float,  # noqa: ASYNC109 (applied with asyncio.timeout, named in the error)
) -> AsyncIterator[Body]:
    """``async with open_source(...) as body``: :func:`open_body`, closed at the end."""
    body = await open_body(http, source, device=device, timeout=timeout)
    try:
        yield body
    finally:
        body.close()


async def fetch(
    http: aiohttp.ClientSession,
    method: str,
    url: str | URL,
    *,
    device: str,
    timeout: float,  # noqa: ASYNC109 (applied with asyncio.timeout, named in the error)
    limit: int = REPLY_LIMIT,
    retry_disconnected: bool = False,
    **kwargs: Any,
) -> Reply:
    """Send one request through ``http`` and read the whole reply within ``timeout`` s.

    The body may hold at most ``limit`` bytes (:data:`REPLY_LIMIT` for an API answer;
    :data:`STILL_LIMIT` for a picture). Any HTTP status is a reply (the driver knows
    what it means); only network failures, an oversized reply and a redirect to
    another host raise. ``retry_disconnected``: when the connection closes before the
    answer (a kept-alive connection the device dropped while it sat in the pool), send
    once more on a fresh one; aiohttp already does so by itself for idempotent
    methods, this extends it to any method the driver knows is safe to repeat. Other
    keyword arguments go to :meth:`aiohttp.ClientSession.request` (``params``,
    ``data``, ``json``, ``headers``, ``ssl``, ``allow_redirects``...).
    """
    attempts = 2 if retry_disconnected else 1
    async with translate_errors(device, timeout, url=url):
        for attempt in range(1, attempts + 1):
            try:
                body = await _connect(http, method, url, device, dict(kwargs))
            except aiohttp.ServerDisconnectedError:
                if attempt == attempts:
                    raise
                continue
            try:
                data = await body.read(limit, within=None)
            finally:
                body.close()
            return Reply(body.status, body.headers, data)
    raise AssertionError("unreachable")  # pragma: no cover


class HttpCode(VendorCode):
    """The HTTP statuses a camera's media URLs answer with, and what they mean."""

    UNAUTHORIZED = 401, "the camera refused the credentials"
    FORBIDDEN = 403, "the account may not view this camera"
    NOT_FOUND = 404, "no such path on the camera (check stream_url / snapshot_url)"
    # a camera serves few clients at once, typically 1 or 2
    BUSY = 503, "the camera is busy (too many clients)"


def status_error(status: int, device: str) -> DeviceError:
    """The one mapping of a media URL's HTTP status to a camhub error (not for 200):
    401/403 are DeviceAuthError, the rest DeviceError; the vendor code is the status."""
    meaning = HttpCode.meaning_of(status, f"HTTP {status}")
    cls = DeviceAuthError if status in (HttpCode.UNAUTHORIZED, HttpCode.FORBIDDEN) else DeviceError
    return cls(f"{device}: {meaning}", device=device, code=status)
