"""Generic RTSP camera (kind ``rtsp``): any camera that streams H.264 over RTSP.

Config (top-level keys of the device entry, as for ``mjpeg``):

``stream_url``     ``rtsp://`` or ``rtsps://`` URL of the main stream (required)
``substream_url``  a lower-resolution stream of the same camera, decoded instead of
                   the main one when it suffices (motion detection, small pictures)
``snapshot_url``   an HTTP(S) JPEG still (absolute, or a path on ``host``/``port``);
                   without it, snapshots are decoded from a keyframe of the stream
``auth``           ``basic`` | ``digest`` for ``snapshot_url`` (RTSP answers the
                   camera's own challenge, Basic or Digest)

The login is the device's ``username``/``password``, or the one written in a URL
(``rtsp://user:pass@cam/...``), which is taken out of it so it never shows in a log
or an error. Bad URLs are refused when the config is checked, naming the field.

Capabilities: ``stream`` (H.264 passthrough, and JPEG through decoding on demand)
and ``snapshot``. Online: ``poll`` sends RTSP ``OPTIONS`` (no stream session, so no
client slot of a camera that serves only one or two), at most every
:data:`CHECK_EVERY` seconds; any RTSP answer means the camera is up.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from yarl import URL

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext, RtspSource
from camhub.drivers.http import translate_errors
from camhub.drivers.mjpeg import MjpegTransport
from camhub.errors import ConfigError, DeviceError

CHECK_EVERY = 60.0
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322}


def _rtsp_url(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        url = URL(value)
    except (TypeError, ValueError):
        raise ValueError("not a URL") from None
    if url.scheme not in DEFAULT_PORTS or not url.host:
        raise ValueError("must be an rtsp:// or rtsps:// URL with a host")
    return value


class RtspUrls(BaseModel):
    """The URL fields of an ``rtsp`` device, checked before anything connects."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    stream_url: str
    substream_url: str | None = None
    snapshot_url: str | None = None

    _stream = field_validator("stream_url", "substream_url")(_rtsp_url)

    @field_validator("snapshot_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = URL(value)
        if url.is_absolute():
            if url.scheme not in ("http", "https"):
                raise ValueError("must be an http:// or https:// URL (or a path on host)")
        elif not value.startswith("/"):
            raise ValueError("must be an http(s) URL or a path starting with /")
        return value


def _lenient_tls() -> ssl.SSLContext:
    """Cameras present self-signed certificates (as for every camhub driver)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def split_login(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without its userinfo, and the user and password it carried."""
    u = URL(url)
    if u.user is None:
        return url, None, None
    return str(u.with_user(None)), u.user, u.password or ""


@register("rtsp")
class RtspCamera(Device):
    kind = "rtsp"
    poll_interval = 30.0

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self.model = config.model or "RTSP camera"
        self.capabilities = {Capability.STREAM, Capability.SNAPSHOT}
        self.snapshots = MjpegTransport(self)  # plain HTTP GETs of snapshot_url
        self._checked_at: float | None = None

    @classmethod
    def default_capabilities(cls) -> set[Capability]:
        return {Capability.STREAM, Capability.SNAPSHOT}

    @classmethod
    def check_config(cls, config: DeviceConfig) -> None:
        problems = []
        if config.options:
            problems.append(f"devices.{config.name}.options: the rtsp driver takes no options")
        try:
            RtspUrls.model_validate(config.model_dump())
        except ValidationError as exc:
            problems += [
                f"devices.{config.name}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                for e in exc.errors(include_url=False)
            ]
        if problems:
            raise ConfigError(problems)

    def __repr__(self) -> str:
        return f"<RtspCamera {self.name!r}>"

    # streams -------------------------------------------------------------------------
    def _source(self, url: str) -> RtspSource:
        bare, user, password = split_login(url)
        if user is None:
            user, password = self.ctx.username, self.ctx.password
        return RtspSource(bare, user, password)

    async def stream_source(self) -> RtspSource:
        assert self.config.stream_url is not None  # the config schema requires it
        return self._source(self.config.stream_url)

    async def substream_source(self) -> RtspSource | None:
        url = self.config.substream_url
        return self._source(url) if url else None

    async def snapshot(self) -> bytes:
        """The camera's own still, if it has one; else the hub decodes a keyframe."""
        if not self.config.snapshot_url:
            raise self._unsupported("snapshot (no snapshot_url: taken from the stream)")
        return await self.snapshots.first_jpeg(self.config.snapshot_url)

    # online ----------------------------------------------------------------------------
    async def connect(self) -> None:
        await self._options()

    async def poll(self) -> dict[str, Any]:
        fresh = self._checked_at is not None and time.monotonic() - self._checked_at < CHECK_EVERY
        if not fresh:
            await self._options()
        return {
            "substream": bool(self.config.substream_url),
            "snapshot": bool(self.config.snapshot_url),
        }

    async def _options(self) -> None:
        """RTSP ``OPTIONS`` on the stream URL: the camera answers, or an error says why."""
        assert self.config.stream_url is not None
        bare, _, _ = split_login(self.config.stream_url)
        url = URL(bare)
        port = url.port or DEFAULT_PORTS.get(url.scheme, 554)
        timeout = self.config.timeout
        request = f"OPTIONS {bare} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: camhub\r\n\r\n".encode()
        async with translate_errors(self.name, timeout, url=bare):
            tls = _lenient_tls() if url.scheme == "rtsps" else None
            reader, writer = await asyncio.open_connection(url.host, port, ssl=tls)
            try:
                writer.write(request)
                await writer.drain()
                status = await reader.readline()
            finally:
                writer.close()
        if not status.startswith(b"RTSP/1."):
            msg = f"{self.name}: the stream URL's server does not speak RTSP"
            raise DeviceError(msg, device=self.name)
        self._checked_at = time.monotonic()
