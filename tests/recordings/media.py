"""Real H.264 for recorder tests: libx264 (PyAV) pictures of the emulators' scene.

:func:`clip` encodes ``seconds`` of the synthetic scene once per shape and caches it;
:func:`sound` encodes the emulators' microphone over the same seconds (G.711 or AAC,
pts from 0 on the same timeline);
:class:`FakeClock` lets a test play those access units into a recorder as if they
arrived live, without waiting for them.
"""

from __future__ import annotations

import functools
import json
import subprocess
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from camhub.media import h264
from camhub.media.types import AccessUnit, AudioUnit
from camhub.sim.audio import TONE_HZ, SoundFeed, SoundSource, open_audio_encoder
from camhub.sim.h264 import EncoderSettings, open_encoder
from camhub.sim.video import VideoSource

# ms: where fake-clock recordings start, an hour ago (retention keeps a week)
T0 = (time.time_ns() // 1_000_000_000 - 3600) * 1000


@functools.cache
def clip(
    seconds: float,
    fps: int = 15,
    width: int = 320,
    height: int = 180,
    gop_seconds: float = 1.0,
    crf: int = 26,
) -> tuple[AccessUnit, ...]:
    """Access units of a ``seconds`` long scene, pts from 0 at 90 kHz, keyframe first."""
    settings = EncoderSettings(width, height, fps=fps, gop_seconds=gop_seconds, crf=crf)
    ctx = open_encoder(settings)
    video = VideoSource(width, height, fps, scene="motion")
    out: list[AccessUnit] = []
    frames = int(seconds * fps)
    for i in [*range(frames), None]:
        if i is None:
            packets = ctx.encode(None)
        else:
            frame = av.VideoFrame.from_ndarray(
                video.render_yuv420(video.t0 + i / fps, width, height), format="yuv420p"
            )
            frame.pts = round(i * 90_000 / fps)
            frame.time_base = Fraction(1, 90_000)
            packets = ctx.encode(frame)
        for p in packets:
            data = bytes(p)
            assert p.pts is not None
            out.append(AccessUnit(data, int(p.pts), h264.is_keyframe(data)))
    assert out[0].keyframe
    return tuple(out)


@functools.cache
def sound(seconds: float, codec: str = "pcm_alaw", rate: int = 8000) -> tuple[AudioUnit, ...]:
    """The emulators' microphone (scene ``motion``: the tone all along) for ``seconds``,
    encoded as the emulated cameras send it, pts from 0 (samples at ``rate``)."""
    feed = SoundFeed(SoundSource(VideoSource(scene="motion")), codec, rate)
    ctx = open_audio_encoder(codec, rate)
    units: list[AudioUnit] = []
    for first in range(0, int(seconds * rate), feed.chunk):
        units += feed._encode(ctx, first)
    return tuple(units)


@dataclass
class FakeClock:
    now: int = T0

    def __call__(self) -> int:
        return self.now


def ffprobe(path: Path) -> dict[str, Any]:
    """ffprobe's view of a file: streams, format, and every video packet's flags."""
    done = subprocess.run(
        [
            "ffprobe", "-v", "error", "-show_streams", "-show_format", "-show_packets",
            "-select_streams", "v:0", "-of", "json", str(path),
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def duration_s(info: dict[str, Any]) -> float:
    return float(info["format"]["duration"])


def probe_all(path: Path) -> dict[str, Any]:
    """ffprobe's view of every stream (duration, codec, rate) of a file."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def streams_of(info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{codec_type: stream} of a :func:`probe_all` answer."""
    return {s["codec_type"]: s for s in info["streams"]}


def check_av(path: Path, rate: int) -> dict[str, dict[str, object]]:
    """h264 + aac whose durations agree within 0.5 s, the aac at ``rate``, mono."""
    info = probe_all(path)
    streams = streams_of(info)
    assert set(streams) == {"video", "audio"}, info["streams"]
    video, audio = streams["video"], streams["audio"]
    assert video["codec_name"] == "h264" and audio["codec_name"] == "aac"
    assert (int(audio["sample_rate"]), audio["channels"]) == (rate, 1)
    assert float(audio["duration"]) == pytest.approx(float(video["duration"]), abs=0.5)
    return streams


def tone_share(path: Path, hz: float = TONE_HZ) -> float:
    """How much of the file's decoded sound is a tone of ``hz`` (the emulators' scene:
    660 Hz), from 0 to 1."""
    with av.open(str(path)) as container:
        rate = container.streams.audio[0].rate
        pcm = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    spectrum = np.abs(np.fft.rfft(pcm)) ** 2
    freqs = np.fft.rfftfreq(len(pcm), 1 / rate)
    band = (freqs > hz - 20) & (freqs < hz + 20)
    return float(spectrum[band].sum() / spectrum.sum())
