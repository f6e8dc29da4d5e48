"""A camera's sound in its live fMP4 (MSE, ``stream.mp4``, HLS): continuous AAC-LC.

Browsers play AAC in MP4, and Media Source Extensions stall when a track they were
promised has a hole, so this track never has one: the camera's units (G.711, AAC, a
WAV's PCM) are decoded, placed on the fMP4's timeline by their timestamps (the same
clock as the pictures'), and encoded to AAC-LC mono at the camera's rate, with silence
wherever no sound came (before the first unit, in a gap, after the packet hub turned a
misbehaving track off). The track is written up to :data:`LATENCY_S` behind the newest
picture, so sound arriving a little after its pictures is still in time.

The work is the recorder's (``media/aac.py``): about 0.25 % of a core per watched
camera with sound (``bench/recording.py``), done in the event loop a unit at a time,
only while someone watches the camera's fMP4.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

from camhub.media.aac import PcmDecoder, aac_encoder
from camhub.media.audio import aac_lc_config
from camhub.media.types import AudioInfo, AudioUnit
from camhub.streams.fmp4 import AacTrack

LATENCY_S = 0.3  # the sound track ends this far behind the newest picture
MAX_AHEAD_S = 2.0  # sound placed further ahead of the track than this is not this moment's


class LiveSound:
    """One camera sound (``info``) as AAC frames on a live fMP4's timeline, in samples
    at ``info.rate`` (the track's timescale)."""

    def __init__(self, info: AudioInfo) -> None:
        self.info = info
        self.rate = info.rate
        self._decoder = PcmDecoder(info)
        self._encoder = aac_encoder(info.rate)
        asc = bytes(self._encoder.extradata or b"") or aac_lc_config(info.rate, 1)
        self.track = AacTrack(info.rate, 1, asc)
        self._tb = Fraction(1, info.rate)
        self._next: int | None = None  # track time of _pending[0]: what is encoded so far
        self._start = 0  # the first sample given to the encoder
        self._pending = np.zeros(0, np.float32)
        self.units = 0
        self.dropped = 0

    def add(self, unit: AudioUnit, offset: int) -> None:
        """One unit of the camera's sound; ``offset`` takes its ``pts`` to track time."""
        if unit.info != self.info or self._next is None:
            self.dropped += 1  # another sound, or before the track began
            return
        at = unit.pts + offset
        end = self._next + len(self._pending)
        pcm = self._decoder.decode(unit)
        if at + len(pcm) <= end or at - self._next > MAX_AHEAD_S * self.rate:
            # written already (late, or a repeat), or this far ahead of the pictures:
            # not this moment's (which also bounds what waits while no picture comes)
            self.dropped += 1
            return
        gap = np.zeros(max(0, at - end), np.float32)  # no sound came there: silence
        pcm = np.concatenate([gap, pcm[max(0, end - at) :]])
        self._pending = np.concatenate([self._pending, pcm])
        self.units += 1

    def pull(self, until: int) -> tuple[int, list[bytes]]:
        """AAC frames that take the track to ``until`` less the latency (track time),
        silence where no sound came: (the first frame's track time, the frames)."""
        target = until - int(LATENCY_S * self.rate)
        if self._next is None:  # the track begins where the pictures are
            self._next = self._start = max(0, target)
            return self._next, []
        n = target - self._next
        if n <= 0:
            return self._next, []
        if len(self._pending) < n:
            self._pending = np.concatenate(
                [self._pending, np.zeros(n - len(self._pending), np.float32)]
            )
        chunk, self._pending = self._pending[:n], self._pending[n:]
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = self.rate, self._next, self._tb
        self._next += n
        packets = [  # not the encoder's priming frame, from before the first sample
            p for p in self._encoder.encode(frame) if p.pts is not None and p.pts >= self._start
        ]
        if not packets:
            return self._next, []
        return int(packets[0].pts or 0), [bytes(p) for p in packets]
