"""A camera's sound made AAC-LC, the codec browsers play in MP4 (PyAV, blocking).

:class:`PcmDecoder` turns any sound camhub reads (G.711, AAC, a WAV's PCM) into mono
float samples; :func:`aac_encoder` encodes mono AAC-LC at the camera's own rate
(24 kbit/s up to 16 kHz, else 48). Recordings (``recordings/audio.py``) and the live
fMP4 (``streams/live_sound.py``) both use them.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
from av.audio.codeccontext import AudioCodecContext

from camhub.media.types import AudioInfo, AudioUnit

AAC_RATES = frozenset({96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000,
                       11025, 8000, 7350})  # fmt: skip


def encodable(info: AudioInfo) -> bool:
    """Whether this sound can be made AAC-LC at its own rate."""
    return info.rate in AAC_RATES and info.channels in (1, 2)


def aac_encoder(rate: int) -> AudioCodecContext:
    ctx = av.CodecContext.create("aac", "w")
    assert isinstance(ctx, AudioCodecContext)
    ctx.sample_rate, ctx.layout, ctx.format = rate, "mono", "fltp"
    ctx.time_base = Fraction(1, rate)
    ctx.bit_rate = 24_000 if rate <= 16_000 else 48_000
    ctx.open()
    return ctx


class PcmDecoder:
    """Units of one sound (``info``) decoded to mono float32 samples."""

    def __init__(self, info: AudioInfo) -> None:
        ctx = av.CodecContext.create(info.codec, "r")
        assert isinstance(ctx, AudioCodecContext)
        ctx.sample_rate = info.rate
        ctx.layout = "stereo" if info.channels == 2 else "mono"
        if info.config:
            ctx.extradata = info.config
        self._ctx = ctx

    def decode(self, unit: AudioUnit) -> np.ndarray:
        parts = []
        for frame in self._ctx.decode(av.Packet(unit.data)):
            pcm = frame.to_ndarray()
            if frame.format.name.startswith("s16"):
                pcm = pcm.astype(np.float32) / 32768
            if not frame.format.is_planar and len(frame.layout.channels) > 1:
                pcm = pcm.reshape(-1, len(frame.layout.channels)).T
            parts.append(pcm.astype(np.float32).mean(axis=0))
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)
