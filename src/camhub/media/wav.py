"""A camera's live WAV (tinyCam's ``receive.wav``, Axis-style ``audio.wav``) as
:class:`~camhub.media.types.AudioUnit` s on the pictures' timeline.

A live WAV never ends, so its sizes are placeholders (``0``, ``0xFFFFFFFF``, or any
number): the header is read up to the ``data`` chunk and the rest is sound for as long
as it comes. PCM 16-bit little-endian and G.711 (A-law, mu-law) are understood; any
other format is refused with :class:`WavError`, as is a header that is not WAV or does
not end within :data:`MAX_HEADER` bytes.

Time: sample ``k`` is placed at ``origin + k``, the origin learnt from the wall clock:
whatever has arrived by ``now`` was captured by then, so ``now * rate - received`` is
a bound on it, the lowest one seen the best. The first :data:`SETTLE_S` of sound is
held while it is learnt (a server that sends a second's sound at once is placed right
from the start); after that the origin moves earlier only by more than
:data:`EARLIER_S` (jitter is no reason to overlap units), and when the sound arrives
later than its count says by more than :data:`LATE_S` (a pause, a camera whose clock
runs slow) it is placed afresh, leaving a gap. A camera that sends sound faster than
it can be captured (:data:`FLOOD_S` ahead of the clock) is refused; at most twice
:data:`SETTLE_S` of sound is held. Plain byte arithmetic: cheap enough for the event
loop.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from camhub.media.types import AudioInfo, AudioUnit

MAX_HEADER = 4096  # bytes of RIFF chunks before ``data`` at most
UNIT_S = 0.05  # seconds of sound per unit (as an RTP packet carries 20-60 ms)
SETTLE_S = 1.0
EARLIER_S = 0.2
LATE_S = 1.0
FLOOD_S = 10.0
FORMATS = {1: "pcm_s16le", 6: "pcm_alaw", 7: "pcm_mulaw"}  # WAVE_FORMAT_* tags
BITS = {"pcm_s16le": 16, "pcm_alaw": 8, "pcm_mulaw": 8}
WAVE_FORMAT_EXTENSIBLE = 0xFFFE


class WavError(ValueError):
    """Not a WAV camhub can read (the message says why)."""


class WavReader:
    """Feed it the bytes as they come; it answers the whole units they complete."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock  # seconds since the epoch
        self._buf = bytearray()
        self.info: AudioInfo | None = None
        self._unit_bytes = 0
        self._frame_bytes = 0
        self._received = 0  # bytes of sound so far
        self._origin: int | None = None  # where sample 0 goes, in samples since the epoch
        self._first = 0  # the first origin learnt
        self._since = 0.0  # when the sound began to arrive
        self._emitted = 0  # samples given out so far
        self.replaced = 0  # times the sound was placed afresh (pauses, a slow clock)

    def feed(self, data: bytes) -> list[AudioUnit]:
        self._buf += data
        if self.info is None:
            self._header()
            if self.info is None:
                return []
            self._received = len(self._buf)
        else:
            self._received += len(data)
        now = self._clock()
        settling = self._place(now)
        if settling:
            return []
        assert self._origin is not None
        units = []
        while len(self._buf) >= self._unit_bytes:
            data = bytes(self._buf[: self._unit_bytes])
            del self._buf[: self._unit_bytes]
            unit = AudioUnit(data, self._origin + self._emitted, self.info)
            self._emitted += unit.samples
            units.append(unit)
        return units

    def _place(self, now: float) -> bool:
        """Learn the origin from what has arrived by ``now``; whether still settling."""
        assert self.info is not None
        rate = self.info.rate
        received = self._received // self._frame_bytes
        if not received:
            return True  # no sound yet: nothing known of its time
        bound = round(now * rate) - received
        if self._origin is None:
            self._origin, self._first, self._since = bound, bound, now
        if bound < self._first - FLOOD_S * rate:
            raise WavError(f"sound arriving faster than it is captured ({rate} Hz)")
        held = len(self._buf) // self._frame_bytes
        settling = now - self._since < SETTLE_S and held < 2 * SETTLE_S * rate
        if settling or bound < self._origin - EARLIER_S * rate:
            self._origin = min(self._origin, bound)
        elif bound > self._origin + LATE_S * rate:
            self._origin = self._first = bound
            self.replaced += 1
        return settling

    def _header(self) -> None:
        buf = self._buf
        if len(buf) >= 12 and (buf[:4] != b"RIFF" or buf[8:12] != b"WAVE"):
            raise WavError("not a WAV stream (no RIFF/WAVE header)")
        pos, fmt = 12, None
        while len(buf) >= pos + 8:
            cid, size = bytes(buf[pos : pos + 4]), struct.unpack_from("<I", buf, pos + 4)[0]
            if cid == b"data":
                if fmt is None:
                    raise WavError("WAV sound before its format (no fmt chunk)")
                self._start(fmt)
                del buf[: pos + 8]
                return
            if size > MAX_HEADER or pos + 8 + size > MAX_HEADER:
                raise WavError(f"WAV header over {MAX_HEADER} bytes")
            if len(buf) < pos + 8 + size:
                return  # the rest of this chunk is still coming
            if cid == b"fmt ":
                fmt = bytes(buf[pos + 8 : pos + 8 + size])
            pos += 8 + size + (size & 1)  # chunks are padded to even sizes
        if len(buf) > MAX_HEADER:
            raise WavError(f"WAV header over {MAX_HEADER} bytes")

    def _start(self, fmt: bytes) -> None:
        if len(fmt) < 16:
            raise WavError("WAV fmt chunk too short")
        tag, channels, rate, _, align, bits = struct.unpack_from("<HHIIHH", fmt)
        if tag == WAVE_FORMAT_EXTENSIBLE and len(fmt) >= 26:
            tag = struct.unpack_from("<H", fmt, 24)[0]  # the sub-format GUID's first field
        codec = FORMATS.get(tag)
        if codec is None or bits != BITS[codec]:
            raise WavError(f"WAV format {tag} with {bits}-bit samples is not supported")
        if not 1 <= channels <= 2 or not 4000 <= rate <= 96000:
            raise WavError(f"WAV with {channels} channels at {rate} Hz is not supported")
        self._frame_bytes = channels * bits // 8
        if align != self._frame_bytes:
            raise WavError(f"WAV block align {align} does not fit {channels}x{bits} bits")
        self.info = AudioInfo(codec, rate, channels)
        self._unit_bytes = max(1, int(rate * UNIT_S)) * self._frame_bytes
