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
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from yarl import URL

from camhub.capabilities import DeviceState, RtspSource
from camhub.config import DeviceConfig
from camhub.drivers.base import Device, DeviceContext
from camhub.drivers.http import translate_errors
from camhub.drivers.mjpeg import MjpegTransport
from camhub.drivers.registry import options_of, register
from camhub.errors import DeviceError, Unsupported

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


class RtspOptions(BaseModel):
    """The settings of an ``rtsp`` device, checked before anything connects."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stream_url: str = Field(min_length=1, max_length=2048)
    substream_url: str | None = Field(None, max_length=2048)
    snapshot_url: str | None = Field(None, max_length=2048)
    auth: Literal["basic", "digest"] = "basic"

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
    options_model = RtspOptions
    needs_host = False  # the URLs name the camera

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self._options = options_of(self, RtspOptions)
        self.model = config.model or "RTSP camera"
        # plain HTTP GETs of snapshot_url
        self.snapshots = MjpegTransport(config, ctx, self._options.auth)
        self._checked_at: float | None = None

    def __repr__(self) -> str:
        return f"<RtspCamera {self.name!r}>"

    # streams -------------------------------------------------------------------------
    def _source(self, url: str) -> RtspSource:
        bare, user, password = split_login(url)
        if user is None:
            user, password = self.ctx.username, self.ctx.password
        return RtspSource(bare, user, password)

    async def stream_source(self) -> RtspSource:
        return self._source(self._options.stream_url)

    async def substream_source(self) -> RtspSource | None:
        url = self._options.substream_url
        return self._source(url) if url else None

    async def snapshot(self) -> bytes:
        """The camera's own still, if it has one; else the hub decodes a keyframe."""
        if not self._options.snapshot_url:
            raise Unsupported(
                f"{self.name}: no snapshot_url (the snapshot comes from the stream)",
                device=self.name,
            )
        return await self.snapshots.first_jpeg(self._options.snapshot_url)

    # online ----------------------------------------------------------------------------
    async def connect(self) -> None:
        await self._check()

    async def poll(self) -> DeviceState:
        fresh = self._checked_at is not None and time.monotonic() - self._checked_at < CHECK_EVERY
        if not fresh:
            await self._check()
        vendor = {
            "substream": bool(self._options.substream_url),
            "snapshot": bool(self._options.snapshot_url),
        }
        return DeviceState.of(vendor=vendor)

    async def _check(self) -> None:
        """RTSP ``OPTIONS`` on the stream URL: the camera answers, or an error says why."""
        bare, _, _ = split_login(self._options.stream_url)
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
