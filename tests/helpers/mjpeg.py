"""A small MJPEG camera for the stream tests, on camhub.sim.video frames.

It counts the stream connections it serves (what a cheap camera would run out of),
can be stopped and restarted on the same port, and checks basic or digest auth the
way a camera does (RFC 7616 MD5, qop=auth), written here independently of any client.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import struct
from typing import Any, Literal

import aiohttp
import numpy as np
import simplejpeg
from aiohttp import web

from camhub.drivers.multipart import MultipartParser, boundary_from_content_type
from camhub.sim.video import VideoSource


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def with_exif_thumbnail(jpeg: bytes) -> bytes:
    """``jpeg`` as a camera writes it: an APP1 Exif segment carrying a small JPEG
    thumbnail (IFD1 JPEGInterchangeFormat), so the file holds FF D9 twice."""
    thumb: bytes = simplejpeg.encode_jpeg(
        np.full((24, 32, 3), 90, np.uint8), quality=70, colorsubsampling="420"
    )
    ifd0 = struct.pack(">H", 0) + struct.pack(">I", 14)  # no entries; IFD1 at 14
    ifd1 = (
        struct.pack(">H", 2)
        + struct.pack(">HHII", 0x0201, 4, 1, 14 + 2 + 2 * 12 + 4)  # thumbnail offset
        + struct.pack(">HHII", 0x0202, 4, 1, len(thumb))  # thumbnail length
        + struct.pack(">I", 0)
    )
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + ifd0 + ifd1 + thumb
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + app1 + jpeg[2:]


class MjpegCamera:
    def __init__(
        self,
        source: VideoSource | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        auth: Literal["basic", "digest"] = "basic",
        boundary: str = "myboundary",
        quality: int = 80,
        exif: bool = False,
    ) -> None:
        self.source = source or VideoSource(320, 240, fps=15, scene="motion")
        self.username, self.password, self.auth = username, password, auth
        self.boundary = boundary
        self.quality = quality
        self.exif = exif  # every picture carries an Exif thumbnail
        self.active = 0  # stream connections open right now
        self.max_active = 0
        self.connects = 0
        self.stills = 0
        self.port = 0
        self._nonce = secrets.token_hex(8)
        self._runner: web.AppRunner | None = None
        self._streams: set[web.StreamResponse] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # auth ---------------------------------------------------------------------------
    def _authorized(self, request: web.Request) -> bool:
        if self.username is None:
            return True
        header = request.headers.get("Authorization", "")
        if self.auth == "basic":
            expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return header == f"Basic {expected}"
        if not header.startswith("Digest "):
            return False
        fields: dict[str, str] = {}
        for item in header[7:].split(","):
            k, _, v = item.strip().partition("=")
            fields[k] = v.strip('"')
        ha1 = _md5(f"{self.username}:cam:{self.password}")
        ha2 = _md5(f"{request.method}:{fields.get('uri', '')}")
        expected = _md5(f"{ha1}:{self._nonce}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
        return fields.get("nonce") == self._nonce and fields.get("response") == expected

    def _challenge(self) -> web.Response:
        if self.auth == "basic":
            value = 'Basic realm="cam"'
        else:
            value = f'Digest realm="cam", nonce="{self._nonce}", qop="auth", algorithm=MD5'
        return web.Response(status=401, headers={"WWW-Authenticate": value})

    # routes -------------------------------------------------------------------------
    async def _still(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return self._challenge()
        self.stills += 1
        return web.Response(body=self._picture(self.source.frame(quality=self.quality)),
                            content_type="image/jpeg")  # fmt: skip

    def _picture(self, jpeg: bytes) -> bytes:
        return with_exif_thumbnail(jpeg) if self.exif else jpeg

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return self._challenge()
        resp = web.StreamResponse()
        resp.content_type = "multipart/x-mixed-replace"
        resp.headers["Content-Type"] = f"multipart/x-mixed-replace;boundary={self.boundary}"
        await resp.prepare(request)
        self.connects += 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        self._streams.add(resp)
        try:
            async for frame in self.source.frames(quality=self.quality):
                jpeg = self._picture(frame)
                head = (
                    f"--{self.boundary}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(jpeg)}\r\n\r\n"
                ).encode()
                await resp.write(head + jpeg + b"\r\n")
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.active -= 1
            self._streams.discard(resp)
        return resp

    # lifecycle ----------------------------------------------------------------------
    async def start(self) -> MjpegCamera:
        app = web.Application()
        app.router.add_get("/video.mjpeg", self._stream)
        app.router.add_get("/image.jpg", self._still)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        server = site._server
        assert server is not None and isinstance(server, asyncio.base_events.Server)
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MjpegCamera:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def camera_device(cam: MjpegCamera, name: str = "cam", **extra: Any) -> dict[str, Any]:
    """A camhub ``mjpeg`` device entry for ``cam``."""
    return {
        "name": name,
        "kind": "mjpeg",
        "stream_url": f"{cam.url}/video.mjpeg",
        "snapshot_url": f"{cam.url}/image.jpg",
        **extra,
    }


async def read_frames(http: aiohttp.ClientSession, url: str, n: int) -> list[bytes]:
    """The first ``n`` JPEG parts of the multipart stream at ``url``."""
    async with http.get(url) as resp:
        assert resp.status == 200, await resp.text()
        ctype = resp.headers["Content-Type"]
        assert ctype.startswith("multipart/x-mixed-replace")
        parser = MultipartParser(boundary_from_content_type(ctype))
        frames: list[bytes] = []
        async for chunk in resp.content.iter_any():
            frames += parser.feed(chunk)
            if len(frames) >= n:
                return frames
    raise AssertionError("stream ended early")
