"""Generic MJPEG / JPEG URL camera (kind ``mjpeg``).

Settings (:class:`MjpegOptions`, at the top level of the device entry or under
``options:``): ``stream_url`` (a ``multipart/x-mixed-replace`` MJPEG stream) and/or
``snapshot_url`` (a JPEG still); ``auth: basic | digest`` with the device's username
and password. A URL may be absolute, or a path on ``host``/``port`` (so ``host`` is
not required); credentials written in the URL (``http://user:pass@cam/...``) are taken
out of it and used as the login, so they never travel in logs or error messages.

Capabilities: ``stream`` when there is a stream URL; ``snapshot`` always (without a
snapshot URL, the first complete frame of the stream). The state has no capability
values (neither has one); ``vendor.streaming`` says whether camhub's stream hub holds
the camera's connection.

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
from typing import Literal

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError
from yarl import URL

from camhub.capabilities import Capability, DeviceState, HttpSource
from camhub.config import DeviceConfig
from camhub.drivers.base import Device, DeviceContext
from camhub.drivers.http import STILL_LIMIT, Body, open_source, status_error
from camhub.drivers.multipart import read_frames
from camhub.drivers.registry import options_of, register
from camhub.errors import CamhubError, DeviceError, Unsupported

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
CHECK_EVERY = 60.0  # seconds between reachability checks while no stream runs


class MjpegOptions(BaseModel):
    """The settings of an ``mjpeg`` device; one URL at least."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stream_url: str | None = Field(None, min_length=1, max_length=2048)
    snapshot_url: str | None = Field(None, min_length=1, max_length=2048)
    auth: Literal["basic", "digest"] = "basic"

    @model_validator(mode="after")
    def _a_url(self) -> MjpegOptions:
        if not (self.stream_url or self.snapshot_url):
            raise PydanticCustomError(
                "missing_url", "an mjpeg device needs stream_url or snapshot_url"
            )
        return self


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
    """HTTP GETs of a JPEG or MJPEG URL through the shared client (also used by the
    ``rtsp`` driver for its snapshot URL); network failures via drivers.http."""

    def __init__(self, config: DeviceConfig, ctx: DeviceContext, auth: str) -> None:
        self.name = config.name
        self.config = config
        self.ctx = ctx  # read at each request: the credentials may change
        self.auth = auth

    def __repr__(self) -> str:
        return f"<MjpegTransport {self.name!r}>"

    def source(self, url: str) -> HttpSource:
        u = _absolute(self.config, url)
        user, password = self.ctx.username, self.ctx.password
        if u.user is not None:
            user, password = u.user, u.password or ""
            u = u.with_user(None)
        headers: dict[str, str] = {}
        digest = None
        if user is not None:
            if self.auth == "digest":
                digest = (user, password or "")
            else:
                headers["Authorization"] = aiohttp.encode_basic_auth(user, password or "")
        return HttpSource(str(u), headers=headers, digest=digest, verify_tls=False)

    def fail(self, status: int) -> DeviceError:
        return status_error(status, self.name)

    @asynccontextmanager
    async def get(self, url: str) -> AsyncIterator[Body]:
        """GET ``url`` (status and headers within the device timeout); a status other
        than 200 raises. The body is read through the :class:`Body`, within its limits.

        Leaving the block before the body is read closes the connection, which frees
        the camera's client slot at once.
        """
        http, timeout = self.ctx.http, self.config.timeout
        async with open_source(http, self.source(url), device=self.name, timeout=timeout) as body:
            if body.status != 200:
                raise self.fail(body.status)
            yield body

    async def first_jpeg(self, url: str) -> bytes:
        """One picture from ``url``: the whole still, or the stream's first frame.

        Each within the device timeout (after the headers, which have their own).
        """
        timeout = self.config.timeout
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
    options_model = MjpegOptions
    needs_host = False  # the URLs may be absolute

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self._options = options_of(self, MjpegOptions)
        self.model = config.model or "MJPEG camera"
        if not self._options.stream_url:
            self.capabilities = {Capability.SNAPSHOT}
        self.transport = MjpegTransport(config, ctx, self._options.auth)
        self.streaming = False  # camhub's stream hub holds (or retries) the connection
        self._stream_error: CamhubError | None = None  # its failure, until frames flow
        self._checked_at: float | None = None  # monotonic time the camera last answered
        self._check_lock = asyncio.Lock()

    @property
    def options(self) -> MjpegOptions:
        return self._options

    def __repr__(self) -> str:
        return f"<MjpegCamera {self.name!r}>"

    @property
    def _url(self) -> str:
        """The URL a still or a reachability check reads: the still's, else the stream."""
        url = self._options.snapshot_url or self._options.stream_url
        assert url is not None  # MjpegOptions requires one of them
        return url

    async def snapshot(self) -> bytes:
        return await self.transport.first_jpeg(self._url)

    async def stream_source(self) -> HttpSource:
        url = self._options.stream_url
        if not url:
            raise Unsupported(
                f"{self.name} has no stream_url", device=self.name, capability="stream"
            )
        async with self._check_lock:  # a reachability check under way ends first
            return self.transport.source(url)

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

    async def poll(self) -> DeviceState:
        await self._check()
        return DeviceState.of(vendor={"streaming": self.streaming})

    async def _check(self, force: bool = False) -> None:
        if self._stream_verdict():
            return
        fresh = self._checked_at is not None and time.monotonic() - self._checked_at < CHECK_EVERY
        if fresh and not force:
            return
        async with self._check_lock:
            if self._stream_verdict():  # a stream started while we waited
                return
            async with self.transport.get(self._url):
                pass  # the status is the answer; closing frees the camera's slot
            self._checked_at = time.monotonic()

    def _stream_verdict(self) -> bool:
        """True when a running stream vouches for the camera; raise its error if any."""
        if not self.streaming:
            return False
        if self._stream_error is not None:
            raise self._stream_error.with_traceback(None)
        return True
