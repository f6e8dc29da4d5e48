"""camhub's H.264 decoder process: access units in on stdin, JPEGs out on stdout.

PyAV's decoder holds the GIL, so camhub never decodes in its own process: it starts
this script (``python decode_worker.py``; it imports nothing from camhub, so it starts
in the time PyAV, numpy and simplejpeg take to import) only while someone needs
pixels, and feeds it the access units its packet hub already has.

Messages both ways are a 1-byte kind, a 4-byte big-endian length and the payload:

=====  ===========================  ====================================================
kind   payload                      meaning
=====  ===========================  ====================================================
``C``  JSON ``{fps, quality,        (parent) configure (again at any time);
       keyframes}``                 ``keyframes``: decode keyframes only
``P``  Annex-B SPS + PPS            (parent) parameter sets for the next keyframe
``U``  int64 pts, uint8 key, data   (parent) one access unit (Annex-B)
``F``  (none)                       (parent) drain the decoder, answer ``D``
``J``  int64 pts, JPEG              (worker) a picture
``D``  (none)                       (worker) drained
``E``  UTF-8 text                   (worker) a unit could not be decoded
=====  ===========================  ====================================================

A picture is encoded (straight from the decoder's YUV planes, no RGB conversion) at
most ``fps`` times per second of stream time, and only when no newer unit is already
waiting: a worker that falls behind, or is handed a whole GOP at once, decodes every
unit (P-frames need their references) but encodes only the newest picture.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import struct
import sys
import time
from typing import Any

import av
import numpy as np
import simplejpeg

HEADER = struct.Struct(">cI")
UNIT = struct.Struct(">qB")
PTS = struct.Struct(">q")
MAX_MESSAGE = 64 * 2**20
FORCE_AFTER = 1.0  # seconds: encode a picture at least this often even when behind


def message(kind: bytes, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


class Worker:
    def __init__(self) -> None:
        self.inbuf = bytearray()
        self.fps: float | None = None
        self.quality = 85
        self.keyframes = False
        self.params = b""
        self.ctx = self._decoder()
        self.last_pts: int | None = None
        self.last_wall = 0.0
        self.errors = 0

    def _decoder(self) -> Any:
        ctx = av.CodecContext.create("h264", "r")
        ctx.thread_type = "SLICE"  # frame threads would delay every picture
        if self.keyframes:
            ctx.skip_frame = "NONKEY"
        return ctx

    # input -----------------------------------------------------------------------
    def _complete(self) -> bool:
        if len(self.inbuf) < HEADER.size:
            return False
        size: int = HEADER.unpack_from(self.inbuf)[1]
        return len(self.inbuf) >= HEADER.size + size

    def pending(self) -> bool:
        """A newer message is waiting (buffered, or readable on stdin)."""
        if self._complete():
            return True
        readable, _, _ = select.select([0], [], [], 0)
        return bool(readable)

    def next_message(self) -> tuple[bytes, bytes] | None:
        while not self._complete():
            chunk = os.read(0, 1 << 20)
            if not chunk:
                return None
            self.inbuf += chunk
            if len(self.inbuf) >= HEADER.size and HEADER.unpack_from(self.inbuf)[1] > MAX_MESSAGE:
                return None
        kind, size = HEADER.unpack_from(self.inbuf)
        payload = bytes(self.inbuf[HEADER.size : HEADER.size + size])
        del self.inbuf[: HEADER.size + size]
        return kind, payload

    # output ----------------------------------------------------------------------
    def send(self, kind: bytes, payload: bytes = b"") -> None:
        out = sys.stdout.buffer
        out.write(message(kind, payload))
        out.flush()

    def jpeg(self, frame: av.VideoFrame) -> bytes:
        if frame.format.name not in ("yuv420p", "yuvj420p") or frame.width % 2 or frame.height % 2:
            frame = frame.reformat(
                width=frame.width // 2 * 2, height=frame.height // 2 * 2, format="yuv420p"
            )
        w, h = frame.width, frame.height
        planes = []
        for plane, (pw, ph) in zip(
            frame.planes, ((w, h), (w // 2, h // 2), (w // 2, h // 2)), strict=True
        ):
            rows = np.frombuffer(memoryview(plane), np.uint8).reshape(-1, plane.line_size)
            planes.append(rows[:ph, :pw])
        return bytes(simplejpeg.encode_jpeg_yuv_planes(*planes, quality=self.quality, fastdct=True))

    def _due(self, pts: int, force: bool) -> bool:
        if force or self.keyframes or self.last_pts is None:
            return True
        if time.monotonic() - self.last_wall > FORCE_AFTER:
            return True
        if self.pending():
            return False
        if self.fps is None:
            return True
        return not 0 <= pts - self.last_pts < 90000 / self.fps * 0.9

    def emit(self, frame: av.VideoFrame, force: bool = False) -> None:
        pts = frame.pts if frame.pts is not None else 0
        if not self._due(pts, force):
            return
        self.last_pts, self.last_wall = pts, time.monotonic()
        self.send(b"J", PTS.pack(pts) + self.jpeg(frame))

    # decoding --------------------------------------------------------------------
    def decode(self, payload: bytes) -> None:
        pts, key = UNIT.unpack_from(payload)
        data = payload[UNIT.size :]
        if key and self.params:
            data = self.params + data  # harmless when the unit repeats them
        packet = av.Packet(data)
        packet.pts = pts
        try:
            frames = self.ctx.decode(packet)
        except (av.error.FFmpegError, ValueError) as exc:
            self.errors += 1
            if self.errors in (1, 10, 100) or self.errors % 1000 == 0:
                self.send(b"E", f"{type(exc).__name__} ({self.errors} so far)".encode())
            return
        for frame in frames:
            self.emit(frame)

    def drain(self) -> None:
        try:
            for frame in self.ctx.decode(None):
                self.emit(frame, force=True)
        except (av.error.FFmpegError, ValueError):
            self.errors += 1
        self.ctx = self._decoder()
        self.send(b"D")

    def run(self) -> None:
        while (msg := self.next_message()) is not None:
            kind, payload = msg
            if kind == b"U":
                self.decode(payload)
            elif kind == b"P":
                self.params = payload
            elif kind == b"C":
                config = json.loads(payload)
                self.fps = config.get("fps")
                self.quality = int(config.get("quality") or 85)
                keyframes = bool(config.get("keyframes"))
                if keyframes != self.keyframes:
                    self.keyframes = keyframes
                    self.ctx = self._decoder()
            elif kind == b"F":
                self.drain()


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        Worker().run()
