"""The sound track of a recording: AAC in the MP4, whatever the camera sends.

Browsers play AAC in MP4, not G.711, so:

- **AAC-LC** from the camera (an Android app's MediaCodec, many IP cameras) is
  remuxed as it is: its frames go into the file untouched;
- **G.711** (Tapo cameras and most others) and any other AAC (HE-AAC) are
  transcoded: decoded, mixed to mono, and encoded with FFmpeg's AAC encoder at the
  camera's own rate (8 kHz G.711 becomes 24 kbit/s AAC-LC). Sound only: the video is
  never transcoded. The cost is in ``docs/performance.md`` (``bench/recording.py``).

Timing: a file's sound starts at the first unit that reaches its first picture (one
that ended before it is the previous file's; one that straddles it starts the file,
less than a unit early), placed by the recorder's clock (the same anchor as the
pictures); from there each unit keeps the camera's own sample count, so the spacing
is exact. A unit from the past (behind what was written) is dropped; a gap up to
:data:`MAX_FILL_S` is filled with silence when transcoding (a longer one restarts the
encoder), and left as a gap when remuxing.

Everything here blocks (PyAV): it runs on the recorder's writer thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeAlias

import av
import numpy as np
from av.audio.codeccontext import AudioCodecContext
from av.container import OutputContainer

from camhub.media.aac import PcmDecoder, aac_encoder, encodable
from camhub.media.audio import parse_asc
from camhub.media.types import AAC_FRAME, AudioInfo, AudioUnit

log = logging.getLogger("camhub.recordings")
Packet: TypeAlias = "av.Packet[Any]"  # generic in PyAV's stubs only

MAX_FILL_S = 2.0  # seconds of silence put in a gap of the camera's sound at most


@dataclass(frozen=True, slots=True)
class AudioSample:
    """One unit of the camera's sound and where it goes: ``t`` on the recorder's
    90 kHz clock (the pictures' clock)."""

    t: int
    unit: AudioUnit

    @property
    def nbytes(self) -> int:
        return len(self.unit.data)


def remuxable(info: AudioInfo) -> bool:
    """AAC-LC goes in as it is; everything else is transcoded."""
    if info.codec != "aac" or not encodable(info):
        return False
    try:
        asc = parse_asc(info.config)
    except ValueError:
        return False
    return asc.object_type == 2 and asc.rate == info.rate and asc.channels == info.channels


class AudioOut:
    """The sound stream of one MP4 being written (see the module docstring)."""

    def __init__(self, out: OutputContainer, info: AudioInfo) -> None:
        self.info = info
        self.remux = remuxable(info)
        stereo = self.remux and info.channels == 2
        self.stream = out.add_stream("aac", rate=info.rate, layout="stereo" if stereo else "mono")
        if not self.remux:
            self.stream.codec_context.bit_rate = 24_000 if info.rate <= 16_000 else 48_000
        self.tb = Fraction(1, info.rate)
        self._decoder: PcmDecoder | None = None
        self._encoder: AudioCodecContext | None = None
        self._enc_start = 0  # the first sample the current encoder was given
        self._origin: tuple[int, int] | None = None  # (file sample, camera sample)
        self.next = 0  # the file's sample the next unit should start at
        self.dropped = 0

    def packets(self, sample: AudioSample, origin_90k: int) -> list[Packet]:
        """Packets (stream time) for one unit; ``origin_90k`` is the file's start."""
        unit = sample.unit
        if unit.info != self.info:
            self.dropped += 1
            return []
        if self._origin is None:
            rel = sample.t - origin_90k
            if rel + unit.samples * 90_000 // self.info.rate <= 0:
                self.dropped += 1  # it ended before the file's first picture
                return []
            first = max(0, rel * self.info.rate // 90_000)
            self._origin = (first, unit.pts)
            self.next = first
        at = self._origin[0] + unit.pts - self._origin[1]
        if at < self.next:
            self.dropped += 1  # behind what was written: from the past, or a repeat
            return []
        if self.remux:
            self.next = at + AAC_FRAME
            return [self._packet(unit.data, at, AAC_FRAME)]
        return self._transcode(unit, at)

    def flush(self) -> list[Packet]:
        """What the encoder still holds (at the end of the file)."""
        if self._encoder is None:
            return []
        encoder, self._encoder = self._encoder, None
        return self._wrap(encoder.encode(None))

    # transcoding -----------------------------------------------------------------------
    def _packet(self, data: bytes, pts: int, duration: int) -> Packet:
        p = av.Packet(data)
        p.stream = self.stream
        p.time_base = self.tb
        p.pts = p.dts = pts
        p.duration = duration
        return p

    def _wrap(self, encoded: list[Packet]) -> list[Packet]:
        out = []
        for p in encoded:
            if p.pts is None or p.pts < self._enc_start:
                continue  # the encoder's priming frame: before the first sample
            out.append(self._packet(bytes(p), p.pts, p.duration or AAC_FRAME))
        return out

    def _transcode(self, unit: AudioUnit, at: int) -> list[Packet]:
        if self._decoder is None:
            self._decoder = PcmDecoder(unit.info)
        pcm = self._decoder.decode(unit)
        out: list[Packet] = []
        gap = at - self.next
        if self._encoder is not None and gap > MAX_FILL_S * self.info.rate:
            out += self.flush()  # a long silence of the camera: start afresh
        if self._encoder is None:
            self._encoder = aac_encoder(self.info.rate)
            self._enc_start = self.next = at
        elif gap > 0:
            pcm = np.concatenate([np.zeros(gap, np.float32), pcm])
        if not len(pcm):
            return out
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="fltp", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = self.info.rate, self.next, self.tb
        self.next += len(pcm)
        return out + self._wrap(self._encoder.encode(frame))
