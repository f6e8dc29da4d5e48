"""H.264 from JPEG frames, for cameras that only send MJPEG: one worker *process* each.

PyAV holds the GIL while it decodes and converts, so an encoder in a thread would slow
camhub's event loop; each recording MJPEG camera gets its own process instead, which
runs only while that camera records. The parent sends one message per JPEG and gets
back the access units it produced (zero or more: x264 may hold a few frames back):

    parent -> child   8-byte big-endian timestamp (ms), 1 byte flags, JPEG
                      (flags: 1 force a keyframe; 2 no JPEG: flush what x264 holds)
    child -> parent   repeated: 8-byte pts (ms), 1 byte keyframe, 4-byte length, Annex-B
                      (an empty reply: nothing came out; a reply starting ``!``: an error)

The child encodes at the JPEG's own size (even dimensions), ``superfast``, no
B-frames (so decode order is presentation order), an IDR wherever the parent asks for
one, each carrying its SPS/PPS in band. A new picture size restarts the encoder.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import struct
from fractions import Fraction
from multiprocessing.connection import Connection
from typing import Any

from camhub.media.types import AccessUnit

log = logging.getLogger("camhub.recordings")

IN_HEADER = struct.Struct(">qB")
KEYFRAME, FLUSH = 1, 2
OUT_HEADER = struct.Struct(">qBI")
CRF = "23"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


def _open_encoder(width: int, height: int) -> Any:
    import av

    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = Fraction(1, 1000)
    ctx.thread_count = 1
    ctx.options = {
        "preset": "superfast",
        "crf": CRF,
        "forced-idr": "1",
        "x264-params": "bframes=0:scenecut=0:keyint=infinite:rc-lookahead=0",
    }
    ctx.open()
    return ctx


def _pack(packets: Any) -> bytes:
    out = []
    for packet in packets:
        data = bytes(packet)
        out.append(OUT_HEADER.pack(int(packet.pts), packet.is_keyframe, len(data)) + data)
    return b"".join(out)


def _encode(state: dict[str, Any], ts: int, flags: int, jpeg: bytes) -> bytes:
    import av
    from av.video.frame import PictureType

    if flags & FLUSH:
        encoder = state.pop("encoder", None)
        state.pop("size", None)
        return _pack(encoder.encode(None)) if encoder is not None else b""
    force = bool(flags & KEYFRAME)
    decoder = state.setdefault("decoder", av.CodecContext.create("mjpeg", "r"))
    frames = decoder.decode(av.Packet(jpeg))
    out: list[bytes] = []
    for frame in frames:
        width, height = frame.width // 2 * 2, frame.height // 2 * 2
        if state.get("size") != (width, height):
            if (old := state.get("encoder")) is not None:
                out.append(_pack(old.encode(None)))  # the old size's last pictures
            state["encoder"] = _open_encoder(width, height)
            state["size"] = (width, height)
            force = True
        picture = frame.reformat(width=width, height=height, format="yuv420p")
        picture.pts = ts
        picture.time_base = Fraction(1, 1000)
        picture.pict_type = PictureType.I if force else PictureType.NONE
        out.append(_pack(state["encoder"].encode(picture)))
    return b"".join(out)


def worker(conn: Connection) -> None:
    """The child's loop: until an empty message or the pipe closes."""
    state: dict[str, Any] = {}
    while True:
        try:
            msg = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if not msg:
            return
        ts, flags = IN_HEADER.unpack_from(msg)
        try:
            reply = _encode(state, ts, flags, msg[IN_HEADER.size :])
        except Exception as exc:  # a broken JPEG: say so, keep the encoder
            reply = b"!" + type(exc).__name__.encode()
        try:
            conn.send_bytes(reply)
        except (EOFError, OSError):
            return


def parse_reply(reply: bytes) -> list[AccessUnit]:
    units = []
    pos = 0
    while pos + OUT_HEADER.size <= len(reply):
        pts, key, n = OUT_HEADER.unpack_from(reply, pos)
        pos += OUT_HEADER.size
        units.append(AccessUnit(reply[pos : pos + n], pts * 90, bool(key)))
        pos += n
    return units


class JpegEncoder:
    """The parent's handle on one worker process (``async with``)."""

    def __init__(self) -> None:
        self._conn: Connection | None = None
        self._proc: multiprocessing.process.BaseProcess | None = None
        self.frames = 0
        self.errors = 0

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    async def __aenter__(self) -> JpegEncoder:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(target=worker, args=(child,), name="camhub-rec-encoder", daemon=True)
        await asyncio.wait_for(asyncio.to_thread(proc.start), START_TIMEOUT)
        child.close()
        self._conn, self._proc = parent, proc
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _roundtrip(self, msg: bytes) -> bytes:
        assert self._conn is not None
        self._conn.send_bytes(msg)
        return self._conn.recv_bytes()

    async def encode(self, jpeg: bytes, timestamp_ms: int, keyframe: bool) -> list[AccessUnit]:
        """The access units out of x264 after this frame (raises EOFError if the
        worker died)."""
        if self._conn is None:
            raise EOFError("encoder closed")
        return await self._ask(IN_HEADER.pack(timestamp_ms, KEYFRAME if keyframe else 0) + jpeg)

    async def flush(self) -> list[AccessUnit]:
        """What x264 still holds (the stream's last pictures); the encoder restarts after."""
        if self._conn is None:
            raise EOFError("encoder closed")
        return await self._ask(IN_HEADER.pack(0, FLUSH))

    async def _ask(self, msg: bytes) -> list[AccessUnit]:
        reply = await asyncio.to_thread(self._roundtrip, msg)
        self.frames += 1
        if reply.startswith(b"!"):
            self.errors += 1
            if self.errors == 1 or self.errors % 100 == 0:
                log.info("MJPEG frame not encoded (%s), %d so far", reply[1:].decode(), self.errors)
            return []
        return parse_reply(reply)

    async def close(self) -> None:
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send_bytes(b"")
            conn.close()
        if proc is not None:
            await asyncio.to_thread(proc.join, STOP_TIMEOUT)
            if proc.is_alive():
                proc.kill()
                await asyncio.to_thread(proc.join, STOP_TIMEOUT)
