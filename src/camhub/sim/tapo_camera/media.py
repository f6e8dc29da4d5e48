"""The Tapo camera's port-8800 stream: live video for the *cloud* password.

What ``getVhttpd`` advertises (``vhttpd.server.port``: 8800) and pytapo's
``HttpMediaSession`` and go2rtc's ``tapo://`` client speak:

1. ``POST /stream HTTP/1.1`` with ``Content-Type: multipart/mixed;
   boundary=--client-stream-boundary--`` and no login: **401** with a digest challenge
   and an empty body; the client answers on the same connection (see
   :mod:`.media_auth` for the digest and its MD5 / SHA-256 variants). A wrong
   password gets 401 again (three tries per connection, then the camera hangs up).
2. **200** with ``Content-Type: multipart/mixed;boundary=--device-stream-boundary--``
   and ``Key-Exchange``; from here both sides send multipart parts, each with
   ``Content-Type`` and ``Content-Length`` (and the camera's with ``X-If-Encrypt``).
3. The client's JSON part ``{"type":"request","seq":N,"params":{"method":"get",
   "preview":{"channels":[0],"resolutions":["HD"],"audio":["default"]}}}`` (``HD``:
   ``stream1``, ``VGA``: ``stream2``; ``audio`` ``["disable"]`` for none) is answered by
   a plain JSON part ``{"type":"response","seq":N,"params":{"error_code":0,
   "session_id":"7"}}`` (the session id is a JSON *string*), then the stream: one part
   per picture and one per stretch of sound between two (pytapo's reader finds a
   part's audio only when it comes first), each ``Content-Type: video/mp2t``,
   ``X-If-Encrypt: 1``, ``X-Session-Id``, the MPEG-TS of :mod:`.mpegts` encrypted.
   Live parts carry no ``X-Data-Sequence``, so pytapo sends no window
   acknowledgements; any it sends are read and ignored. A request the
   camera cannot serve is answered ``error_code`` -1.

The H.264 is the same shared encoder as RTSP's ``stream1`` / ``stream2`` (one per
size, whoever watches). Bounded: ``media_max_clients`` connections (4; more are
closed at once), request heads and client parts of 8 KiB / 64 KiB, 10 s for the
login and 30 s for the first request; a slow reader skips to the next keyframe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from camhub.media.types import Feed
from camhub.sim.tapo_camera.codes import MediaCode
from camhub.sim.tapo_camera.media_auth import VARIANTS, Challenge, PartCipher
from camhub.sim.tapo_camera.mpegts import TsMuxer, tone

log = logging.getLogger(__name__)

CLIENT_BOUNDARY = b"--client-stream-boundary--"
DEVICE_BOUNDARY = b"--device-stream-boundary--"
HEAD_LIMIT = 8192
PART_LIMIT = 65536
LOGIN_TRIES = 3
RESOLUTIONS = {"HD": "stream1", "VGA": "stream2"}
AUDIO_RATE = 8000


class Refused(Exception):
    """The client broke the protocol: the camera hangs up."""


def parse_head(block: bytes) -> tuple[str, dict[str, str]]:
    """First line and headers (names lower-cased) of a request or part head."""
    lines = block.decode("latin-1").strip("\r\n").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:] if lines and ":" not in lines[0] else lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return (lines[0] if lines and ":" not in lines[0] else ""), headers


def _part(headers: dict[str, str], body: bytes) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return b"".join((DEVICE_BOUNDARY, b"\r\n", head.encode(), b"\r\n", body, b"\r\n"))


class MediaServer:
    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        variant: str,
        feeds: dict[str, Feed],
        max_clients: int = 4,
        stalled: Callable[[], bool] = lambda: False,
    ) -> None:
        """``stalled``: while it answers True, streams send nothing (a wedged camera)."""
        if variant not in VARIANTS:
            raise ValueError(f"media_hash must be one of {', '.join(VARIANTS)}, not {variant!r}")
        self.host, self.port = host, port
        self.password = password
        self.variant = variant
        self.feeds = feeds
        self.max_clients = max_clients
        self.stalled = stalled
        self._server: asyncio.Server | None = None
        self._clients: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        self._streams: dict[asyncio.StreamWriter, str] = {}  # -> its resolution
        self._sessions = 0
        self.logins = 0
        self.refused_logins = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self.host, self.port, reuse_address=True, limit=PART_LIMIT
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        # Hang up on every client; their tasks end on the closed sockets (a cancelled
        # connection task would upset asyncio's start_server callback on Python 3.11).
        for writer in list(self._clients.values()):
            writer.transport.abort()
        await asyncio.gather(*self._clients, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    def drop_streams(self) -> None:
        """End every stream now (the camera restarted its streaming daemon)."""
        for writer in list(self._streams):
            writer.transport.abort()

    def state(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "hash": self.variant,
            "clients": len(self._clients),
            "streaming": sorted(self._streams.values()),
            "logins": self.logins,
            "refused_logins": self.refused_logins,
        }

    # one connection ------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._clients) >= self.max_clients:
            writer.transport.abort()
            return
        self._clients[task] = writer
        streamer: asyncio.Task[None] | None = None
        try:
            cipher = await asyncio.wait_for(self._login(reader, writer), 10.0)
            if cipher is None:
                return
            while True:
                first = streamer is None
                headers, body = await asyncio.wait_for(
                    self._read_part(reader, cipher), 30.0 if first else None
                )
                started = await self._request(writer, cipher, headers, body)
                if started is not None:
                    if streamer is not None:
                        streamer.cancel()
                    streamer = asyncio.create_task(self._stream(writer, cipher, *started))
        except (Refused, TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        except (asyncio.LimitOverrunError, ValueError):
            pass  # a head or part past the limits, or undecodable
        finally:
            if streamer is not None:
                streamer.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await streamer
            self._clients.pop(task, None)
            writer.transport.abort()

    async def _login(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> PartCipher | None:
        challenge: Challenge | None = None  # this connection's, as a real server keeps it
        for _ in range(LOGIN_TRIES):
            line, headers = parse_head(await reader.readuntil(b"\r\n\r\n"))
            method, _, target = line.partition(" ")
            if method != "POST" or not target.startswith("/stream"):
                writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                return None
            auth = headers.get("authorization")
            if auth is not None and challenge is not None and challenge.accepts(auth, "POST"):
                self.logins += 1
                cipher = PartCipher(challenge.hashed)
                writer.write(
                    b"HTTP/1.1 200 OK\r\n"
                    b"Content-Type: multipart/mixed;boundary=" + DEVICE_BOUNDARY + b"\r\n"
                    b"Connection: keep-alive\r\n"
                    b"Key-Exchange: " + cipher.key_exchange().encode() + b"\r\n\r\n"
                )
                await writer.drain()
                return cipher
            if auth is not None:
                self.refused_logins += 1
            challenge = Challenge(self.password, self.variant)
            writer.write(
                b"HTTP/1.1 401 Unauthorized\r\n"
                b"WWW-Authenticate: " + challenge.header().encode() + b"\r\n"
                b"Content-Length: 0\r\n\r\n"
            )
            await writer.drain()
        return None

    async def _read_part(
        self, reader: asyncio.StreamReader, cipher: PartCipher
    ) -> tuple[dict[str, str], bytes]:
        """The client's next part (its boundary, head and body), decrypted if it says so."""
        before = await reader.readuntil(CLIENT_BOUNDARY)
        if len(before.rstrip(b"-")) > len(CLIENT_BOUNDARY) + 4:
            raise Refused("data outside a part")
        _, headers = parse_head(await reader.readuntil(b"\r\n\r\n"))
        length = headers.get("content-length", "0")
        if not length.isdecimal() or int(length) > PART_LIMIT:
            raise Refused("bad Content-Length")
        body = await reader.readexactly(int(length))
        if headers.get("x-if-encrypt") == "1":
            body = cipher.decrypt(body)
        return headers, body

    async def _request(
        self,
        writer: asyncio.StreamWriter,
        cipher: PartCipher,
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[str, str, Feed, bool] | None:
        """Answer a JSON request; (session id, resolution, feed, audio) when it starts a
        preview."""
        if headers.get("content-type") != "application/json":
            return None  # a window acknowledgement, or data for no session
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise Refused("not JSON") from None
        if not isinstance(data, dict) or data.get("type") != "request":
            return None
        seq = data.get("seq")
        params = data.get("params")
        started = self._preview(params) if isinstance(params, dict) else None
        answer: dict[str, Any] = {"error_code": MediaCode.BAD_REQUEST}
        if started is not None:
            self._sessions += 1
            session = str(self._sessions)
            answer = {"error_code": 0, "session_id": session}
        reply = {"type": "response", "seq": seq, "params": answer}
        text = json.dumps(reply, separators=(",", ":")).encode()
        writer.write(
            _part(
                {"Content-Type": "application/json", "Content-Length": str(len(text)),
                 "X-If-Encrypt": "0"},
                text,
            )
        )  # fmt: skip
        await writer.drain()
        return None if started is None else (session, *started)

    def _preview(self, params: dict[str, Any]) -> tuple[str, Feed, bool] | None:
        """(resolution, its feed, with audio) of a live preview request, else None."""
        preview = params.get("preview")
        if params.get("method") != "get" or not isinstance(preview, dict):
            return None
        channels = preview.get("channels", [0])
        resolutions = preview.get("resolutions", ["HD"])
        audio = preview.get("audio", ["default"])
        if channels != [0] or not isinstance(resolutions, list) or len(resolutions) != 1:
            return None
        path = RESOLUTIONS.get(str(resolutions[0]))
        feed = self.feeds.get(path) if path else None
        if feed is None:
            return None
        return str(resolutions[0]), feed, audio != ["disable"]

    @staticmethod
    def _ts_part(cipher: PartCipher, session: str, ts: bytes) -> bytes:
        body = cipher.encrypt(ts)
        headers = {
            "Content-Type": "video/mp2t",
            "Content-Length": str(len(body)),
            "X-If-Encrypt": "1",
            "X-Session-Id": session,
        }
        return _part(headers, body)

    async def _stream(
        self, writer: asyncio.StreamWriter, cipher: PartCipher, session: str, resolution: str,
        feed: Feed, audio: bool,
    ) -> None:  # fmt: skip
        mux = TsMuxer(audio)
        sample: int | None = None  # the next audio sample number (8 kHz since pts 0)
        self._streams[writer] = resolution
        units = feed.subscribe()
        try:
            async for au in units:
                if self.stalled():
                    continue  # the connection stays open, nothing comes
                parts = [mux.video(au.data, au.pts_90k, au.keyframe)]
                if audio:  # the sound since the last picture, stamped with its own start
                    now = au.pts_90k * AUDIO_RATE // 90000
                    count = 0 if sample is None else now - sample
                    if 0 < count <= AUDIO_RATE:  # after a skip: a gap, never a burst
                        start = now - count
                        parts.append(mux.sound(tone(start, count), start * 90000 // AUDIO_RATE))
                    sample = now
                writer.write(b"".join(self._ts_part(cipher, session, ts) for ts in parts))
                await writer.drain()
        finally:
            self._streams.pop(writer, None)
            await units.aclose()  # type: ignore[attr-defined]
