"""Generic MJPEG / JPEG URL camera (kind ``mjpeg``).

Config: ``stream_url`` (a ``multipart/x-mixed-replace`` MJPEG stream) and/or
``snapshot_url`` (a JPEG still); ``auth: basic | digest`` with the device's username
and password. A URL may be absolute, or a path on ``host``/``port``; credentials
written in the URL (``http://user:pass@cam/...``) are taken out of it and used as the
login, so they never travel in logs or error messages.

Capabilities: ``stream`` when there is a stream URL; ``snapshot`` always (without a
snapshot URL, the first complete frame of the stream).

Online: cheap cameras serve one or two clients, so camhub never opens a second
connection while its stream hub holds one. While the hub streams, the hub reports how
the stream goes (:meth:`MjpegCamera.stream_status`) and ``poll`` answers from that;
otherwise ``poll`` checks the camera at most every :data:`CHECK_EVERY` seconds by
opening the snapshot URL (or else the stream) and closing it once the status is in.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from yarl import URL

from camhub.capabilities import Capability, HttpSource
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext
from camhub.drivers.http import STILL_LIMIT, Body, open_source
from camhub.errors import CamhubError, DeviceAuthError, DeviceError, VendorCode
from camhub.streams.parser import read_frames

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
CHECK_EVERY = 60.0  # seconds between reachability checks while no stream runs


class HttpCode(VendorCode):
    """The HTTP statuses a plain MJPEG camera answers with, and what they mean."""

    UNAUTHORIZED = 401, "the camera refused the credentials"
    FORBIDDEN = 403, "the account may not view this camera"
    NOT_FOUND = 404, "no such path on the camera (check stream_url / snapshot_url)"
    # a camera serves few clients at once, typically 1 or 2
    BUSY = 503, "the camera is busy (too many clients)"


def _absolute(config: DeviceConfig, url: str) -> URL:
    u = URL(url)
    if u.is_absolute():
        return u
    scheme = "https" if config.tls else "http"
    base = URL.build(scheme=scheme, host=config.host or "127.0.0.1", port=config.port)
    return base.join(u)


def _still(body: bytes) -> bytes | None:
    """The JPEG a still reply holds: from its first SOI to its *last* EOI.

    Not the first EOI: an Exif thumbnail inside the APP1 segment ends with one too.
    """
    start = body.find(SOI)
    end = body.rfind(EOI)
    return body[start : end + 2] if 0 <= start < end else None


class MjpegTransport:
    """HTTP GETs through the shared client; network failures via drivers.http."""

    def __init__(self, device: MjpegCamera) -> None:
        self.device = device
        self.name = device.name

    def source(self, url: str) -> HttpSource:
        cfg = self.device.config
        u = _absolute(cfg, url)
        user, password = self.device.ctx.username, self.device.ctx.password
        if u.user is not None:
            user, password = u.user, u.password or ""
            u = u.with_user(None)
        headers: dict[str, str] = {}
        digest = None
        if user is not None:
            if cfg.auth == "digest":
                digest = (user, password or "")
            else:
                headers["Authorization"] = aiohttp.encode_basic_auth(user, password or "")
        return HttpSource(str(u), headers=headers, digest=digest, verify_tls=False)

    def fail(self, status: int) -> DeviceError:
        meaning = HttpCode.meaning_of(status, f"HTTP {status}")
        auth_codes = (HttpCode.UNAUTHORIZED, HttpCode.FORBIDDEN)
        cls = DeviceAuthError if status in auth_codes else DeviceError
        return cls(f"{self.name}: {meaning}", device=self.name, code=status)

    @asynccontextmanager
    async def get(self, url: str) -> AsyncIterator[Body]:
        """GET ``url`` (status and headers within the device timeout); a status other
        than 200 raises. The body is read through the :class:`Body`, within its limits.

        Leaving the block before the body is read closes the connection, which frees
        the camera's client slot at once.
        """
        http, timeout = self.device.ctx.http, self.device.config.timeout
        async with open_source(http, self.source(url), device=self.name, timeout=timeout) as body:
            if body.status != 200:
                raise self.fail(body.status)
            yield body

    async def first_jpeg(self, url: str) -> bytes:
        """One picture from ``url``: the whole still, or the stream's first frame.

        Each within the device timeout (after the headers, which have their own).
        """
        timeout = self.device.config.timeout
        jpeg: bytes | None = None
        async with self.get(url) as body:
            if body.content_type.startswith("multipart/"):
                async with contextlib.aclosing(read_frames(body, within=timeout)) as frames:
                    jpeg = await anext(frames, None)
            else:
                jpeg = _still(await body.read(STILL_LIMIT, within=timeout))
        if jpeg is None:
            raise DeviceError(f"{self.name}: the camera sent no complete JPEG", device=self.name)
        return jpeg


@register("mjpeg")
class MjpegCamera(Device):
    kind = "mjpeg"
    poll_interval = 30.0

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self.model = config.model or "MJPEG camera"
        self.capabilities = {Capability.SNAPSHOT}
        if config.stream_url:
            self.capabilities.add(Capability.STREAM)
        self.transport = MjpegTransport(self)
        self.streaming = False  # camhub's stream hub holds (or retries) the connection
        self._stream_error: CamhubError | None = None  # its failure, until frames flow
        self._checked_at: float | None = None  # monotonic time the camera last answered
        self._check_lock = asyncio.Lock()

    @classmethod
    def default_capabilities(cls) -> set[Capability]:
        return {Capability.SNAPSHOT, Capability.STREAM}

    def __repr__(self) -> str:
        return f"<MjpegCamera {self.name!r}>"

    async def snapshot(self) -> bytes:
        url = self.config.snapshot_url or self.config.stream_url
        assert url is not None  # the config schema requires one of them
        return await self.transport.first_jpeg(url)

    async def stream_source(self) -> HttpSource:
        if not self.config.stream_url:
            raise self._unsupported(Capability.STREAM)
        async with self._check_lock:  # a reachability check under way ends first
            return self.transport.source(self.config.stream_url)

    # online ----------------------------------------------------------------------------
    def stream_status(self, running: bool, error: CamhubError | None) -> None:
        """The stream hub's report: see :class:`camhub.streams.upstream.StreamObserver`."""
        self.streaming = running
        self._stream_error = error if running else None
        if running and error is None:
            self._checked_at = time.monotonic()  # frames flow: as good as a check
        elif error is not None:
            self._checked_at = None  # check again as soon as the stream stops

    async def connect(self) -> None:
        """Prove the URL and the credentials (without a second connection, see above)."""
        await self._check(force=True)

    async def poll(self) -> dict[str, Any]:
        await self._check()
        return {
            "stream": bool(self.config.stream_url),
            "snapshot": bool(self.config.snapshot_url),
            "streaming": self.streaming,
        }

    async def _check(self, force: bool = False) -> None:
        if self._stream_verdict():
            return
        fresh = self._checked_at is not None and time.monotonic() - self._checked_at < CHECK_EVERY
        if fresh and not force:
            return
        async with self._check_lock:
            if self._stream_verdict():  # a stream started while we waited
                return
            url = self.config.snapshot_url or self.config.stream_url
            assert url is not None
            async with self.transport.get(url):
                pass  # the status is the answer; closing frees the camera's slot
            self._checked_at = time.monotonic()

    def _stream_verdict(self) -> bool:
        """True when a running stream vouches for the camera; raise its error if any."""
        if not self.streaming:
            return False
        if self._stream_error is not None:
            raise self._stream_error.with_traceback(None)
        return True
