"""What camhub accepts of a camera's sound, checked in the reader thread.

A camera's audio rides on the same connection as its video, so a broken or hostile
sound track must never cost the video anything: the RTSP reader passes every audio
packet through an :class:`AudioGate` before it reaches the event loop, and the gate
turns the sound off for the rest of the connection (one log line) rather than let it
flood. Per connection:

- **codec**: G.711 (``pcm_alaw``, ``pcm_mulaw``) or AAC at 8-96 kHz, 1 or 2 channels;
  anything else is left out at open (the video plays on);
- **a unit**: at most :data:`MAX_UNIT` bytes and its timestamp not behind the last
  unit's (a packet from the past is dropped; :data:`MAX_BAD` of them in a row and the
  sound is off);
- **the pace**: the sound may not run ahead of the wall clock by more than
  :data:`MAX_AHEAD` seconds (counted in samples: what each unit says it holds), nor
  bring more than :data:`MAX_UNITS_PER_S` units a second; past that it is a flood and
  the sound is off.

Everything the gate keeps is bounded by the pace: a few KB/s for G.711, at most the
AAC frame limit times the units per second.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from camhub.media.types import G711, AudioInfo, AudioUnit

log = logging.getLogger("camhub.streams.audio")

CODECS = G711 | {"aac"}
MAX_UNIT = 8192  # bytes: an AAC frame's size field holds 13 bits; G.711 packets are ~320
MAX_AHEAD = 5.0  # seconds of sound beyond the wall clock since the first unit
MAX_UNITS_PER_S = 200  # 5 ms packets; AAC at 96 kHz is 94 a second
MAX_BAD = 50


def audio_info(codec: str, rate: int, channels: int, extradata: bytes) -> AudioInfo | None:
    """The track's description when camhub can carry it, else None."""
    if codec not in CODECS or not 8000 <= rate <= 96000 or channels not in (1, 2):
        return None
    if codec == "aac" and not extradata:
        return None  # without its AudioSpecificConfig nobody can decode it
    return AudioInfo(codec, rate, channels, extradata if codec == "aac" else b"")


@dataclass
class AudioGate:
    """Admits a connection's audio units until they break the rules (module docstring)."""

    name: str
    info: AudioInfo
    off: str | None = None  # why the sound was turned off
    admitted: int = 0
    dropped: int = 0
    _start: float | None = None  # wall clock of the first unit
    _samples: int = 0
    _last_pts: int | None = None
    _bad_run: int = 0
    _second: float = 0.0
    _in_second: int = 0

    def admit(self, data: bytes, pts: int, now: float) -> AudioUnit | None:
        """The unit when it passes, else None (and maybe the sound goes off)."""
        if self.off is not None:
            return None
        if now - self._second >= 1.0:
            self._second, self._in_second = now, 0
        self._in_second += 1
        if self._in_second > MAX_UNITS_PER_S:
            self._turn_off(f"more than {MAX_UNITS_PER_S} packets a second")
            return None
        if not 0 < len(data) <= MAX_UNIT or (self._last_pts is not None and pts < self._last_pts):
            self._bad()
            return None
        unit = AudioUnit(data, pts, self.info)
        if self._start is None:
            self._start = now
        self._samples += unit.samples
        if self._samples / self.info.rate > now - self._start + MAX_AHEAD:
            self._turn_off("sound faster than real time")
            return None
        self._last_pts = pts
        self._bad_run = 0
        self.admitted += 1
        return unit

    def _bad(self) -> None:
        self.dropped += 1
        self._bad_run += 1
        if self._bad_run >= MAX_BAD:
            self._turn_off(f"{MAX_BAD} malformed or out-of-order packets in a row")

    def _turn_off(self, reason: str) -> None:
        self.off = reason
        log.warning("%s: the camera's sound is ignored from now on (%s)", self.name, reason)
