"""Generic MJPEG / JPEG URL camera (kind ``mjpeg``).

Config: ``stream_url`` (a ``multipart/x-mixed-replace`` MJPEG stream) and/or
``snapshot_url`` (a JPEG still); ``auth: basic | digest`` with the device's username
and password. A URL may be absolute, or a path on ``host``/``port``; credentials
written in the URL (``http://user:pass@cam/...``) are taken out of it and used as the
login, so they never travel in logs or error messages.

Capabilities: ``stream`` when there is a stream URL; ``snapshot`` always (without a
snapshot URL, the first complete frame of the stream).
"""

from __future__ import annotations

import asyncio
from enum import IntEnum
from typing import Any

import aiohttp
from yarl import URL

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext, HttpSource
from camhub.errors import DeviceAuthError, DeviceError, DeviceTimeout, DeviceUnreachable

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
MAX_STILL = 16 * 1024 * 1024


class HttpCode(IntEnum):
    """The HTTP statuses a plain MJPEG camera answers with, and what they mean."""

    UNAUTHORIZED = 401  # wrong or missing credentials
    FORBIDDEN = 403  # the account may not view this camera
    NOT_FOUND = 404  # wrong stream or snapshot path
    BUSY = 503  # the camera serves no more clients (typically 1 or 2 at once)

    @property
    def meaning(self) -> str:
        return {
            401: "the camera refused the credentials",
            403: "the account may not view this camera",
            404: "no such path on the camera (check stream_url / snapshot_url)",
            503: "the camera is busy (too many clients)",
        }[self.value]


def _absolute(config: DeviceConfig, url: str) -> URL:
    u = URL(url)
    if u.is_absolute():
        return u
    scheme = "https" if config.tls else "http"
    base = URL.build(scheme=scheme, host=config.host or "127.0.0.1", port=config.port)
    return base.join(u)


class MjpegTransport:
    """HTTP GETs through the shared client, errors turned into camhub errors."""

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
        try:
            code = HttpCode(status)
        except ValueError:
            return DeviceError(f"{self.name}: HTTP {status}", device=self.name, code=status)
        auth_codes = (HttpCode.UNAUTHORIZED, HttpCode.FORBIDDEN)
        cls = DeviceAuthError if code in auth_codes else DeviceError
        return cls(f"{self.name}: {code.meaning}", device=self.name, code=status)

    async def first_jpeg(self, url: str) -> bytes:
        """GET ``url`` and return the first complete JPEG in the body (still or MJPEG)."""
        src = self.source(url)
        cfg = self.device.config
        middlewares: tuple[aiohttp.ClientMiddlewareType, ...] = ()
        if src.digest is not None:
            middlewares = (aiohttp.DigestAuthMiddleware(*src.digest),)
        try:
            async with asyncio.timeout(cfg.timeout):
                async with self.device.ctx.http.get(
                    src.url, headers=src.headers, ssl=False, middlewares=middlewares
                ) as resp:
                    if resp.status != 200:
                        raise self.fail(resp.status)
                    buf = bytearray()
                    async for chunk in resp.content.iter_any():
                        buf += chunk
                        start = buf.find(SOI)
                        end = buf.find(EOI, start + 2) if start >= 0 else -1
                        if end >= 0:
                            return bytes(buf[start : end + 2])
                        if len(buf) > MAX_STILL:
                            break
        except DeviceError:
            raise
        except TimeoutError as exc:
            raise DeviceTimeout(f"{self.name}: no answer in time", device=self.name) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise DeviceUnreachable(
                f"{self.name}: connection failed ({type(exc).__name__})", device=self.name
            ) from exc
        raise DeviceError(f"{self.name}: the camera sent no complete JPEG", device=self.name)


@register("mjpeg")
class MjpegCamera(Device):
    kind = "mjpeg"
    poll_interval = 60.0

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self.model = config.model or "MJPEG camera"
        self.capabilities = {Capability.SNAPSHOT}
        if config.stream_url:
            self.capabilities.add(Capability.STREAM)
        self.transport = MjpegTransport(self)

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
        return self.transport.source(self.config.stream_url)

    async def connect(self) -> None:
        """Fetch one frame: proves the URL and the credentials."""
        jpeg = await self.snapshot()
        self.state = {"snapshot_bytes": len(jpeg)}

    async def poll(self) -> dict[str, Any]:
        """No network here: cheap cameras serve one or two clients, keep them for video."""
        return {"stream": bool(self.config.stream_url), "snapshot": bool(self.config.snapshot_url)}
