"""A small H.264 RTSP camera for the video tests and ``bench/video.py``.

RTSP/1.0 over TCP with interleaved RTP (RFC 2326), H.264 packetized as RFC 6184 says
(single NAL unit packets, FU-A above 1400 bytes), an SDP with ``sprop-parameter-sets``,
Basic or Digest auth (MD5, no qop, as most cameras do). The picture is a clip encoded
once with PyAV's libx264 from :mod:`camhub.sim.video` frames (a GOP per second, SPS and
PPS repeated before every IDR) and replayed in a loop at the clip's rate: each access
unit is packetized once per tick and the same bytes go to every client of a path.

It counts what a cheap camera runs out of (``active`` RTSP connections, ``max_active``),
and misbehaves on demand with :attr:`RtspCamera.fault`: ``garbage`` (RTP packets of
random bytes), ``stall`` (sends nothing but keeps the connection), ``deny`` (401 to
every request). :meth:`RtspCamera.drop_clients` closes every connection and
:meth:`RtspCamera.set_clip` switches a path to another clip (a resolution change).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import os
import secrets
import struct
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal
from urllib.parse import quote

import av
import numpy as np

from camhub.sim.video import Scene, VideoSource

MTU = 1400
Fault = Literal["garbage", "stall", "deny"] | None


@dataclass(frozen=True)
class Clip:
    width: int
    height: int
    fps: float
    units: tuple[tuple[tuple[bytes, ...], bool], ...]  # NAL units of each AU, keyframe
    sps: bytes
    pps: bytes

    @property
    def bitrate(self) -> float:
        """Bits per second of the clip as played."""
        size = sum(len(n) + 4 for nals, _ in self.units for n in nals)
        return size * 8 * self.fps / len(self.units)


def split_nals(data: bytes) -> list[bytes]:
    """The NAL units of an Annex-B byte string, without their start codes."""
    out: list[bytes] = []
    start = -1
    i = 0
    while (i := data.find(b"\x00\x00\x01", i)) >= 0:
        if start >= 0:
            end = i - 1 if data[i - 1] == 0 else i
            out.append(data[start:end])
        i += 3
        start = i
    if start >= 0:
        out.append(data[start:])
    return [n for n in out if n]


@functools.cache
def encode_clip(
    width: int,
    height: int,
    fps: int = 15,
    seconds: int = 2,
    scene: Scene = "motion",
    bitrate: int | None = None,
) -> Clip:
    """``seconds`` of real libx264 H.264 (no B-frames, a GOP per second), made once.

    ``bitrate`` (bits/s): a constant rate like a real camera's, reached by adding sensor
    noise to the picture (the synthetic scene alone compresses to almost nothing).
    """
    source = VideoSource(width, height, fps=fps, scene=scene)
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = Fraction(1, fps)
    ctx.framerate = Fraction(fps)
    params = f"keyint={fps}:min-keyint={fps}:scenecut=0:repeat-headers=1"
    if bitrate is not None:
        ctx.bit_rate = bitrate
        params += f":vbv-maxrate={bitrate // 1000}:vbv-bufsize={bitrate // 1000}"
    ctx.options = {"preset": "ultrafast", "tune": "zerolatency", "x264-params": params}
    rng = np.random.default_rng(0)
    packets = []
    for i in range(fps * seconds):
        img = source.render(source.t0 + i / fps)
        if bitrate is not None:
            grain = rng.integers(-4, 5, img.shape, dtype=np.int16)
            img = np.clip(img.astype(np.int16) + grain, 0, 255).astype(np.uint8)
        frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        packets += ctx.encode(frame)
    packets += ctx.encode(None)
    units = tuple((tuple(split_nals(bytes(p))), bool(p.is_keyframe)) for p in packets)
    sps = next(n for nals, _ in units for n in nals if n[0] & 0x1F == 7)
    pps = next(n for nals, _ in units for n in nals if n[0] & 0x1F == 8)
    return Clip(width, height, float(fps), units, sps, pps)


def packetize(nals: tuple[bytes, ...]) -> list[tuple[bytes, bool]]:
    """RTP payloads (RFC 6184) for one access unit, with their marker bit."""
    out: list[tuple[bytes, bool]] = []
    for nal in nals:
        if len(nal) <= MTU:
            out.append((nal, False))
            continue
        indicator = (nal[0] & 0xE0) | 28
        kind = nal[0] & 0x1F
        body = nal[1:]
        for pos in range(0, len(body), MTU):
            first, last = pos == 0, pos + MTU >= len(body)
            header = kind | (0x80 if first else 0) | (0x40 if last else 0)
            out.append((bytes((indicator, header)) + body[pos : pos + MTU], False))
    if out:
        out[-1] = (out[-1][0], True)
    return out


@dataclass
class _Path:
    clip: Clip
    index: int = 0
    seq: int = field(default_factory=lambda: secrets.randbelow(0x10000))
    ssrc: int = field(default_factory=lambda: secrets.randbits(32))
    ts0: int = field(default_factory=lambda: secrets.randbits(31))
    tick: int = 0
    players: set[asyncio.StreamWriter] = field(default_factory=set)
    max_players: int = 0


class RtspCamera:
    """``async with RtspCamera({"stream1": encode_clip(640, 360)}) as cam: cam.url("stream1")``"""

    def __init__(
        self,
        paths: dict[str, Clip] | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        auth: Literal["basic", "digest"] = "digest",
        fps: float = 15.0,
    ) -> None:
        clips = paths or {"stream1": encode_clip(320, 240)}
        self.paths = {name: _Path(clip) for name, clip in clips.items()}
        self.username, self.password, self.auth = username, password, auth
        self.fps = fps
        self.fault: Fault = None
        self.port = 0
        self.active = 0  # RTSP connections open now
        self.max_active = 0
        self.connects = 0
        self.plays = 0
        self._nonce = secrets.token_hex(8)
        self._server: asyncio.Server | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def url(self, path: str = "stream1", *, credentials: bool = False) -> str:
        auth = ""
        if credentials and self.username is not None:
            auth = f"{quote(self.username, safe='')}:{quote(self.password or '', safe='')}@"
        return f"rtsp://{auth}127.0.0.1:{self.port}/{path}"

    # control ------------------------------------------------------------------------
    def set_clip(self, path: str, clip: Clip) -> None:
        """Switch ``path`` to ``clip`` from its first (key)frame on."""
        p = self.paths[path]
        p.clip, p.index = clip, 0

    def drop_clients(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()

    def players(self, path: str = "stream1") -> int:
        """Clients playing ``path`` now."""
        return len(self.paths[path].players)

    def max_players(self, path: str = "stream1") -> int:
        """The most clients that ever played ``path`` at once."""
        return self.paths[path].max_players

    # auth ---------------------------------------------------------------------------
    def _authorized(self, method: str, headers: dict[str, str]) -> bool:
        if self.fault == "deny":
            return False
        if self.username is None:
            return True
        header = headers.get("authorization", "")
        if self.auth == "basic":
            token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return header == f"Basic {token}"
        if not header.startswith("Digest "):
            return False
        fields: dict[str, str] = {}
        for item in header[7:].split(","):
            k, _, v = item.strip().partition("=")
            fields[k.lower()] = v.strip('"')
        ha1 = _md5(f"{self.username}:cam:{self.password}")
        ha2 = _md5(f"{method}:{fields.get('uri', '')}")
        expected = _md5(f"{ha1}:{self._nonce}:{ha2}")
        return fields.get("nonce") == self._nonce and fields.get("response") == expected

    def _challenge(self) -> str:
        if self.auth == "basic":
            return 'WWW-Authenticate: Basic realm="cam"\r\n'
        return f'WWW-Authenticate: Digest realm="cam", nonce="{self._nonce}"\r\n'

    # RTSP -----------------------------------------------------------------------------
    def _sdp(self, clip: Clip) -> bytes:
        sprop = ",".join(base64.b64encode(x).decode() for x in (clip.sps, clip.pps))
        return (
            "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=camhub test camera\r\nc=IN IP4 0.0.0.0\r\n"
            "t=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
            f"a=fmtp:96 packetization-mode=1;profile-level-id={clip.sps[1:4].hex()};"
            f"sprop-parameter-sets={sprop}\r\na=control:trackID=0\r\n"
        ).encode()

    def _path_of(self, uri: str) -> str | None:
        rest = uri.split("://", 1)[-1]
        path = rest.partition("/")[2].split("?", 1)[0]
        for name in self.paths:
            if path == name or path.startswith(name + "/"):
                return name
        return None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connects += 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        self._writers.add(writer)
        session = secrets.token_hex(6)
        playing: _Path | None = None
        try:
            while True:
                first = await reader.readexactly(1)
                if first == b"$":  # interleaved RTCP from the client: skip
                    size = struct.unpack(">xH", await reader.readexactly(3))[0]
                    await reader.readexactly(size)
                    continue
                head = first + await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, uri = [*lines[0].split(" "), "", ""][:2]
                headers = {}
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
                if int(headers.get("content-length", "0") or 0):
                    await reader.readexactly(int(headers["content-length"]))
                cseq = headers.get("cseq", "0")
                reply = f"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\n"
                body = b""
                path = self._path_of(uri)
                if method == "OPTIONS":
                    reply += "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n"
                elif not self._authorized(method, headers):
                    reply = f"RTSP/1.0 401 Unauthorized\r\nCSeq: {cseq}\r\n{self._challenge()}"
                elif method in ("DESCRIBE", "SETUP", "PLAY") and path is None:
                    reply = f"RTSP/1.0 404 Not Found\r\nCSeq: {cseq}\r\n"
                elif method == "DESCRIBE":
                    assert path is not None
                    body = self._sdp(self.paths[path].clip)
                    base = f"rtsp://127.0.0.1:{self.port}/{path}/"
                    reply += f"Content-Base: {base}\r\nContent-Type: application/sdp\r\n"
                elif method == "SETUP":
                    if "interleaved" not in headers.get("transport", ""):
                        reply = f"RTSP/1.0 461 Unsupported Transport\r\nCSeq: {cseq}\r\n"
                    else:
                        reply += "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
                        reply += f"Session: {session};timeout=60\r\n"
                elif method == "PLAY":
                    assert path is not None
                    playing = self.paths[path]
                    seq, rtptime = playing.seq, playing.ts0 + self._rtp_ts(playing.tick)
                    reply += f"Session: {session}\r\nRange: npt=0.000-\r\n"
                    reply += f"RTP-Info: url={uri};seq={seq};rtptime={rtptime}\r\n"
                elif method == "TEARDOWN":
                    writer.write(f"{reply}Session: {session}\r\n\r\n".encode())
                    break
                if body:
                    reply += f"Content-Length: {len(body)}\r\n"
                writer.write(reply.encode() + b"\r\n" + body)
                if method == "PLAY" and playing is not None:
                    self.plays += 1
                    playing.players.add(writer)
                    playing.max_players = max(playing.max_players, len(playing.players))
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            self.active -= 1
            self._writers.discard(writer)
            if playing is not None:
                playing.players.discard(writer)
            writer.close()

    # RTP -------------------------------------------------------------------------------
    def _rtp_ts(self, tick: int) -> int:
        return int(tick * 90000 / self.fps)

    def _frame_bytes(self, p: _Path) -> bytes:
        nals, _ = p.clip.units[p.index % len(p.clip.units)]
        p.index = (p.index + 1) % len(p.clip.units)
        ts = (p.ts0 + self._rtp_ts(p.tick)) & 0xFFFFFFFF
        p.tick += 1
        chunks = []
        payloads = packetize(nals)
        if self.fault == "garbage":
            payloads = [(os.urandom(len(data)), marker) for data, marker in payloads]
        for data, marker in payloads:
            rtp = struct.pack(">BBHII", 0x80, (0x80 if marker else 0) | 96, p.seq, ts, p.ssrc)
            p.seq = (p.seq + 1) & 0xFFFF
            chunks += [b"$\x00", struct.pack(">H", len(rtp) + len(data)), rtp, data]
        return b"".join(chunks)

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            for p in self.paths.values():
                data = self._frame_bytes(p)  # built once for every client of the path
                if self.fault == "stall":
                    continue
                for writer in list(p.players):
                    if writer.transport.get_write_buffer_size() < 4 * 2**20:
                        writer.write(data)  # a client that does not read loses frames
            next_at += 1.0 / self.fps
            await asyncio.sleep(max(0.0, next_at - loop.time()))

    # lifecycle -------------------------------------------------------------------------
    async def start(self) -> RtspCamera:
        self._server = await asyncio.start_server(
            self._client, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ticker = asyncio.create_task(self._tick())
        return self

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self._server is not None:
            self._server.close()
            self.drop_clients()
            with contextlib.suppress(TimeoutError):  # 3.11 may wait for late clients
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    async def __aenter__(self) -> RtspCamera:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()
