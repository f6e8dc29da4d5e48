"""GOPs: the unit a recorder buffers, cuts at and writes.

A :class:`Gop` is a keyframe and the pictures up to the next keyframe, on the
recorder's clock (90 kHz ticks since the epoch: wall-clock ms x 90, anchored once per
source and advanced by the camera's own timestamps). It is complete only when the next
keyframe (or a discontinuity) is known, so every picture has an exact duration and a
file cut before a keyframe ends exactly where the next one starts.

The camera's sound travels with the GOP it arrived during (:attr:`Gop.audio`): a file
holds the sound of the GOPs it holds, placed by its own time (a unit that arrived a
little late or early is still put where it belongs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from camhub.media.types import AudioInfo
from camhub.recordings.audio import AudioSample
from camhub.recordings.mp4 import Sample

DEFAULT_FRAME = 90_000 // 15  # a picture's duration when nothing tells it


@dataclass(frozen=True, slots=True)
class Gop:
    samples: tuple[Sample, ...]
    start: int  # 90 kHz recorder clock
    end: int
    sps: bytes
    width: int
    height: int
    nbytes: int
    audio: tuple[AudioSample, ...] = ()

    @property
    def keyframe(self) -> bytes:
        return self.samples[0].data

    @property
    def audio_info(self) -> AudioInfo | None:
        return self.audio[0].unit.info if self.audio else None


@dataclass(slots=True)
class GopBuilder:
    """Collects one GOP's pictures; :meth:`build` once its end is known."""

    start: int
    sps: bytes
    width: int
    height: int
    data: list[bytes] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    nbytes: int = 0
    audio: list[AudioSample] = field(default_factory=list)

    def add(self, data: bytes, t: int) -> None:
        self.data.append(data)
        self.times.append(t)
        self.nbytes += len(data)

    def add_audio(self, sample: AudioSample) -> None:
        self.audio.append(sample)
        self.nbytes += sample.nbytes

    @property
    def last(self) -> int:
        return self.times[-1]

    def frame_duration(self) -> int:
        if len(self.times) >= 2:
            return max(1, (self.times[-1] - self.times[0]) // (len(self.times) - 1))
        return DEFAULT_FRAME

    def build(self, end: int | None = None) -> Gop:
        """The finished GOP; ``end`` is the next keyframe's time (None: one more
        picture's duration after the last)."""
        if end is None or end <= self.last:
            end = self.last + self.frame_duration()
        bounds = [*self.times[1:], end]
        samples = tuple(
            Sample(d, t, nxt - t, i == 0)
            for i, (d, t, nxt) in enumerate(zip(self.data, self.times, bounds, strict=True))
        )
        audio = tuple(sorted(self.audio, key=lambda a: a.t))
        return Gop(samples, self.start, end, self.sps, self.width, self.height, self.nbytes, audio)
