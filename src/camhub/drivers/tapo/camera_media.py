"""The Tapo camera's port-8800 stream: live MPEG-TS for the cloud password.

A camera without a camera account configured (``stream:``) still streams: the
``vhttpd`` server on port 8800 takes the cloud password the API logs in with. One
:class:`MediaStream` is one connection:

1. ``POST /stream`` (``multipart/mixed; boundary=--client-stream-boundary--``),
   401 with a digest challenge, the same request with the digest
   (:mod:`.camera_media_auth`: SHA-256 or MD5 hash, MD5 again on a fresh connection
   when a SHA-256 firmware refuses), then 200 with ``Key-Exchange``.
2. A JSON part ``{"type":"request","params":{"method":"get","preview":{"channels":[0],
   "resolutions":["HD"|"VGA"],"audio":["default"]}}}``; the camera answers a JSON
   part with ``error_code`` and ``session_id`` (a string, or a number on some
   firmware), then ``video/mp2t`` parts, ``X-If-Encrypt: 1`` for encrypted ones.
3. :meth:`MediaStream.read` gives the decrypted MPEG-TS bytes, part after part, to
   whoever demuxes them (camhub's packet hub, with FFmpeg's MPEG-TS demuxer).

It is a *blocking* stream: it runs in the packet hub's reader thread, as FFmpeg's
own RTSP client does, so the event loop never waits on it. Failures are camhub
errors (no address, no password in any message):

========================================  ==============================================
what happened                             camhub error
========================================  ==============================================
refused, reset, unreachable               :class:`DeviceUnreachable`
no answer within the open / stall timeout :class:`DeviceTimeout`
401 for every hash the camera may want    :class:`DeviceAuthError` (``code`` 401)
another status, no Key-Exchange, garbage  :class:`DeviceError`
the camera refuses the preview request    :class:`DeviceError` (``code``: its error_code)
a head over 8 KiB, a part over 4 MiB      :class:`DeviceError`
a part that does not decrypt              :class:`DeviceAuthError` (a wrong key)
the camera ends the stream                :meth:`read` returns b"" (end of stream)
========================================  ==============================================
"""

from __future__ import annotations

import contextlib
import json
import socket
from typing import Any, Literal

from camhub.capabilities import MpegTsSource
from camhub.drivers.tapo.camera_media_auth import (
    PartCipher,
    authorization,
    hash_order,
    hashed_password,
    params,
)
from camhub.errors import DeviceAuthError, DeviceError, DeviceTimeout, DeviceUnreachable

CLIENT_BOUNDARY = "--client-stream-boundary--"
HEAD_LIMIT = 8192
JSON_LIMIT = 65536
PART_LIMIT = 4 * 2**20  # one picture's MPEG-TS, encrypted
Profile = Literal["main", "sub"]
RESOLUTIONS: dict[Profile, str] = {"main": "HD", "sub": "VGA"}
PARTS_BEFORE_ANSWER = 16  # parts the camera may send before answering the request


class MediaStream:
    """One port-8800 connection (see the module docstring). Not thread-safe, except
    :meth:`close`, which may come from another thread to end a blocked :meth:`read`."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        *,
        profile: Profile = "main",
        device: str,
        open_timeout: float = 10.0,
        stall_timeout: float = 10.0,
    ) -> None:
        self.host, self.port = host, port
        self._password = password
        self.resolution = RESOLUTIONS[profile]
        self.device = device
        self.open_timeout, self.stall_timeout = open_timeout, stall_timeout
        self._sock: socket.socket | None = None
        self._buf = bytearray()
        self._cipher: PartCipher | None = None
        self.session: str | None = None
        self.hash_used: str | None = None
        self._closed = False
        self._ts = b""  # MPEG-TS of the last part not yet read

    # errors ----------------------------------------------------------------------------
    def _error(self, what: str, cls: type[DeviceError] = DeviceError, **kw: Any) -> DeviceError:
        return cls(f"{self.device}: port-{self.port} stream: {what}", device=self.device, **kw)

    # bytes -----------------------------------------------------------------------------
    def _recv(self) -> None:
        if self._sock is None:
            raise self._error("closed", DeviceUnreachable)
        try:
            chunk = self._sock.recv(65536)
        except TimeoutError:
            raise self._error("no data in time", DeviceTimeout) from None
        except OSError as exc:
            reason = "closed" if self._closed else type(exc).__name__
            raise self._error(f"connection lost ({reason})", DeviceUnreachable) from None
        if not chunk:
            raise EOFError
        self._buf += chunk

    def _until(self, marker: bytes, limit: int) -> bytes:
        """Bytes up to and including ``marker``; at most ``limit`` before it."""
        start = 0
        while (at := self._buf.find(marker, start)) < 0:
            if len(self._buf) > limit + len(marker):
                raise self._error("a header or boundary past the size limit")
            start = max(0, len(self._buf) - len(marker) + 1)
            self._recv()
        out = bytes(self._buf[: at + len(marker)])
        del self._buf[: at + len(marker)]
        return out

    def _exactly(self, n: int) -> bytes:
        while len(self._buf) < n:
            self._recv()
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def _head(self, first_line: bool = True) -> tuple[str, dict[str, str]]:
        """A head's first line (a status line, if ``first_line``) and its headers."""
        lines = self._until(b"\r\n\r\n", HEAD_LIMIT).decode("latin-1").strip().split("\r\n")
        if not first_line:
            lines.insert(0, "")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return lines[0], headers

    def _send(self, data: bytes) -> None:
        assert self._sock is not None
        try:
            self._sock.sendall(data)
        except TimeoutError:
            raise self._error("the camera stopped reading", DeviceTimeout) from None
        except OSError as exc:
            raise self._error(
                f"connection lost ({type(exc).__name__})", DeviceUnreachable
            ) from None

    # the login -------------------------------------------------------------------------
    def _connect(self) -> None:
        self.close()
        self._closed, self._buf = False, bytearray()
        try:
            self._sock = socket.create_connection((self.host, self.port), self.open_timeout)
        except TimeoutError:
            raise self._error("no answer in time", DeviceTimeout) from None
        except OSError as exc:
            reason = "connection refused" if isinstance(exc, ConnectionRefusedError) else (
                type(exc).__name__)  # fmt: skip
            raise self._error(f"cannot connect ({reason})", DeviceUnreachable) from None

    def _post(self, auth: str | None) -> tuple[int, dict[str, str]]:
        head = (
            f"POST /stream HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: multipart/mixed; boundary={CLIENT_BOUNDARY}\r\n"
            "Connection: keep-alive\r\n"
        )
        if auth is not None:
            head += f"Authorization: {auth}\r\n"
        self._send((head + "\r\n").encode())
        line, headers = self._head()
        parts = line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdecimal():
            raise self._error("the camera did not answer HTTP")
        length = headers.get("content-length", "0")
        if length.isdecimal() and headers.get("content-type", "").lower().find("multipart") < 0:
            if int(length) > JSON_LIMIT:
                raise self._error("an answer past the size limit")
            self._exactly(int(length))  # an error page: read past it
        return int(parts[1]), headers

    def _login(self, hash_name: str | None) -> tuple[str, dict[str, str]] | None:
        """Log in with ``hash_name`` (None: as the challenge says); the hash used and the
        200's headers, or None when SHA-256 was refused and MD5 is worth a try."""
        self._connect()
        status, headers = self._post(None)
        challenge = params(headers.get("www-authenticate", "").partition(" ")[2])
        if status != 401 or "nonce" not in challenge:
            raise self._error(f"unexpected answer (HTTP {status})", code=status)
        order = hash_order(challenge)
        used = hash_name or order[0]
        status, headers = self._post(
            authorization(challenge, hashed_password(self._password, used))
        )
        if status == 401:
            if hash_name is None and len(order) > 1:
                return None
            raise self._error("the camera refused the cloud password", DeviceAuthError, code=401)
        if status != 200:
            raise self._error(f"unexpected answer (HTTP {status})", code=status)
        return used, headers

    def open(self) -> None:
        """Connect, log in and start the live preview; raises camhub errors."""
        try:
            found = self._login(None) or self._login("md5")
            assert found is not None
            self.hash_used, headers = found
            exchange = params(headers.get("key-exchange", ""))
            if "nonce" not in exchange:
                raise self._error("the camera sent no Key-Exchange")
            if exchange.get("username") == "none":
                raise self._error("media encryption is off on this camera (turn it on)")
            self._cipher = PartCipher(exchange, hashed_password(self._password, self.hash_used))
            self._request()
            assert self._sock is not None
            self._sock.settimeout(self.stall_timeout)
        except EOFError:
            self.close()
            raise self._error("the camera hung up", DeviceUnreachable) from None
        except BaseException:
            self.close()
            raise

    def _request(self) -> None:
        preview = {"audio": ["default"], "channels": [0], "resolutions": [self.resolution]}
        body = json.dumps(
            {"type": "request", "seq": 1, "params": {"method": "get", "preview": preview}},
            separators=(",", ":"),
        ).encode()
        head = f"--{CLIENT_BOUNDARY}\r\nContent-Type: application/json\r\n"
        self._send(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body + b"\r\n")
        for _ in range(PARTS_BEFORE_ANSWER):
            kind, data = self._part()
            if kind != "application/json":
                continue
            answer = self._json(data)
            if answer.get("type") != "response":
                continue
            result = answer.get("params")
            code = result.get("error_code") if isinstance(result, dict) else None
            session = result.get("session_id") if isinstance(result, dict) else None
            if code not in (0, "0", None) or session is None:
                code = code if isinstance(code, int) else None
                raise self._error(f"the camera refused the preview ({code})", code=code)
            self.session = str(session)
            return
        raise self._error("the camera never answered the preview request")

    def _json(self, data: bytes) -> dict[str, Any]:
        try:
            value = json.loads(data)
        except (ValueError, RecursionError):
            raise self._error("a JSON part that is not JSON") from None
        if not isinstance(value, dict):
            raise self._error("a JSON part that is not an object")
        return value

    # the parts -------------------------------------------------------------------------
    def _part(self) -> tuple[str, bytes]:
        """The camera's next part: its Content-Type and (decrypted) body."""
        self._until(b"--device-stream-boundary--", HEAD_LIMIT)
        _, headers = self._head(first_line=False)
        kind = headers.get("content-type", "").lower()
        length = headers.get("content-length", "")
        limit = JSON_LIMIT if kind == "application/json" else PART_LIMIT
        if not length.isdecimal() or int(length) > limit:
            raise self._error("a part without a size, or past the size limit")
        data = self._exactly(int(length))
        if headers.get("x-if-encrypt") == "1":
            assert self._cipher is not None
            try:
                data = self._cipher.decrypt(data)
            except ValueError:
                raise self._error("a part does not decrypt", DeviceAuthError) from None
        return kind, data

    def read(self, size: int = -1, /) -> bytes:
        """The next MPEG-TS bytes (at most ``size`` when positive); b"" at the end."""
        if not self._ts:
            try:
                while True:
                    kind, data = self._part()
                    if kind == "video/mp2t" and data:
                        self._ts = data
                        break
                    if kind == "application/json" and self._finished(data):
                        return b""
            except EOFError:
                return b""
        n = len(self._ts) if size is None or size < 0 else size
        out, self._ts = self._ts[:n], self._ts[n:]
        return out

    def _finished(self, data: bytes) -> bool:
        """A ``stream_status`` notification saying the stream is over."""
        note = self._json(data).get("params")
        return isinstance(note, dict) and note.get("status") == "finished"

    def close(self) -> None:
        sock, self._sock = self._sock, None
        self._closed = True
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes a read blocked in another thread
            sock.close()


def media_source(
    host: str, port: int, password: str, *, profile: Profile, device: str
) -> MpegTsSource:
    """The camera's ``profile`` stream on port ``port``, for the packet hub to open."""

    def open_stream(open_timeout: float, stall_timeout: float) -> MediaStream:
        stream = MediaStream(host, port, password, profile=profile, device=device,
                             open_timeout=open_timeout, stall_timeout=stall_timeout)  # fmt: skip
        stream.open()
        return stream

    # The microphone: G.711 A-law, 8 kHz mono, under stream type 0x90 (pytapo reads
    # it as such too).
    return MpegTsSource(f"{host}:{port}", open_stream, private_sound=("pcm_alaw", 8000))
