"""A deliberately small RTSP client for protocol tests: raw requests on a socket.

Players (ffmpeg, PyAV, GStreamer) prove interoperability; this client lets a test
send exactly the bytes it means (a wrong session, a UDP transport, garbage) and see
exactly what comes back, interleaved RTP included.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import re
import socket
from dataclasses import dataclass, field

from camhub.media.rtp import depacketize


@dataclass
class Reply:
    status: int
    headers: dict[str, list[str]]
    body: bytes = b""

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower(), [])
        return values[0] if values else ""


@dataclass
class Unit:
    """One access unit rebuilt from RTP: Annex-B data and its RTP timestamp."""

    data: bytes
    timestamp: int
    seqs: list[int] = field(default_factory=list)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def digest(challenge: str, user: str, password: str, method: str, uri: str) -> str:
    """An RFC 2617 Digest answer (no qop), as live555 and ffmpeg send it."""
    params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    ha1 = hashlib.md5(f"{user}:{params['realm']}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    response = hashlib.md5(f"{ha1}:{params['nonce']}:{ha2}".encode()).hexdigest()
    return (
        f'Digest username="{user}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
        f'uri="{uri}", response="{response}"'
    )


class RawRtsp:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.cseq = 0
        self.frames: list[tuple[int, bytes]] = []  # interleaved frames seen while waiting

    @classmethod
    async def connect(cls, host: str, port: int, rcvbuf: int | None = None) -> RawRtsp:
        if rcvbuf is None:
            reader, writer = await asyncio.open_connection(host, port)
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (host, port))
            reader, writer = await asyncio.open_connection(sock=sock)
        return cls(reader, writer)

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def request(
        self, method: str, url: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> Reply:
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}", "User-Agent: camhub-tests"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        await self.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        return await asyncio.wait_for(self.reply(), 10)

    async def reply(self) -> Reply:
        """The next response; interleaved frames before it are kept in ``frames``."""
        while True:
            first = await self.reader.readexactly(1)
            if first == b"$":
                head = await self.reader.readexactly(3)
                size = int.from_bytes(head[1:], "big")
                self.frames.append((head[0], await self.reader.readexactly(size)))
                continue
            head = first + await self.reader.readuntil(b"\r\n\r\n")
            status_line, *rest = head.decode().split("\r\n")
            headers: dict[str, list[str]] = {}
            for line in rest:
                if ":" in line:
                    name, _, value = line.partition(":")
                    headers.setdefault(name.strip().lower(), []).append(value.strip())
            length = int(headers.get("content-length", ["0"])[0])
            body = await self.reader.readexactly(length) if length else b""
            return Reply(int(status_line.split(" ")[1]), headers, body)

    async def frame(self) -> tuple[int, bytes]:
        """The next interleaved frame (channel, packet)."""
        if self.frames:
            return self.frames.pop(0)
        marker = await self.reader.readexactly(1)
        assert marker == b"$", f"expected an interleaved frame, got {marker!r}"
        head = await self.reader.readexactly(3)
        return head[0], await self.reader.readexactly(int.from_bytes(head[1:], "big"))

    async def unit(self, channel: int = 0) -> Unit:
        """The next access unit on ``channel`` (packets up to the marker bit)."""
        packets: list[bytes] = []
        seqs: list[int] = []
        while True:
            ch, packet = await self.frame()
            if ch != channel:
                continue
            packets.append(packet)
            seqs.append(int.from_bytes(packet[2:4], "big"))
            if packet[1] & 0x80:
                return Unit(depacketize(packets), int.from_bytes(packet[4:8], "big"), seqs)

    async def play(self, url: str, auth: str | None = None) -> str:
        """DESCRIBE, SETUP (TCP) and PLAY; returns the session id."""
        headers = {"Authorization": auth} if auth else {}
        described = await self.request("DESCRIBE", url, headers)
        assert described.status == 200, described
        setup = await self.request(
            "SETUP", f"{url}/trackID=0", {**headers, "Transport": "RTP/AVP/TCP;interleaved=0-1"}
        )
        assert setup.status == 200, setup
        session = setup.header("session").split(";")[0]
        played = await self.request("PLAY", url, {**headers, "Session": session})
        assert played.status == 200, played
        return session
