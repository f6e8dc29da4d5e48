"""Sound over RTP: G.711 (RFC 3551) and AAC (RFC 3640), their SDP, AAC's config.

- **G.711** A-law (``PCMA``, static payload type 8) and mu-law (``PCMU``, type 0), 8 kHz:
  the payload is the coded bytes, one per sample; the RTP clock is the sample rate;
  the marker bit stays clear (it marks a talk spurt's start, which a camera that
  sends continuously never has).
- **AAC** ``MPEG4-GENERIC`` in ``AAC-hbr`` mode (``sizelength=13;indexlength=3``):
  one raw AAC frame per packet after a 16-bit AU-headers-length (16) and one
  AU-header (the frame's size in 13 bits, index 0); marker set (a whole access unit);
  the stream's AudioSpecificConfig in the SDP's ``config=``, in hex.

:func:`audio_payloads` cuts one unit into RTP payloads, :func:`audio_media` gives its
SDP media section, :func:`aac_frames` reads AAC-hbr payloads back (tests, diagnostics)
and :func:`parse_asc` reads an AudioSpecificConfig (ISO 14496-3 section 1.6.2.1).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from camhub.media.types import AudioInfo, AudioUnit

PCMA, PCMU = 8, 0  # static payload types (RFC 3551 table 4)
AAC_PAYLOAD_TYPE = 97  # dynamic; 96 is the video's
MAX_AAC_FRAME = (1 << 13) - 1  # what a 13-bit AU size can say
G711_PACKET = 1400  # bytes of G.711 per packet at most (the video's MTU budget)

_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)


def payload_type(info: AudioInfo) -> int:
    if info.codec == "pcm_alaw":
        return PCMA
    if info.codec == "pcm_mulaw":
        return PCMU
    if info.codec == "aac":
        return AAC_PAYLOAD_TYPE
    raise ValueError(f"no RTP mapping for {info.codec}")


def audio_payloads(unit: AudioUnit) -> list[bytes]:
    """RTP payloads for one unit, in order (G.711 longer than a packet is split)."""
    data = unit.data
    if unit.info.codec == "aac":
        if not 0 < len(data) <= MAX_AAC_FRAME:
            raise ValueError(f"AAC frame of {len(data)} bytes")
        return [struct.pack(">HH", 16, len(data) << 3) + data]
    return [data[at : at + G711_PACKET] for at in range(0, len(data), G711_PACKET)] or [b""]


def aac_frames(payload: bytes) -> list[bytes]:
    """The AAC frames of one AAC-hbr payload (sizelength 13, indexlength 3)."""
    if len(payload) < 2:
        raise ValueError("short AAC payload")
    header_bits = struct.unpack(">H", payload[:2])[0]
    header_bytes = (header_bits + 7) // 8
    headers, body = payload[2 : 2 + header_bytes], payload[2 + header_bytes :]
    frames: list[bytes] = []
    for at in range(0, header_bits // 16 * 2, 2):
        size = struct.unpack(">H", headers[at : at + 2])[0] >> 3
        frames.append(body[:size])
        body = body[size:]
    return frames


def audio_media(info: AudioInfo, control: str) -> list[str]:
    """The SDP lines of one audio track (``m=`` to ``a=control``)."""
    pt = payload_type(info)
    if info.codec == "aac":
        fmtp = (
            "streamtype=5;profile-level-id=15;mode=AAC-hbr;sizelength=13;indexlength=3;"
            f"indexdeltalength=3;config={info.config.hex()}"
        )
        return [
            f"m=audio 0 RTP/AVP {pt}",
            f"a=rtpmap:{pt} MPEG4-GENERIC/{info.rate}/{info.channels}",
            f"a=fmtp:{pt} {fmtp}",
            "a=recvonly",
            f"a=control:{control}",
        ]
    name = "PCMA" if pt == PCMA else "PCMU"
    channels = f"/{info.channels}" if info.channels != 1 else ""
    return [
        f"m=audio 0 RTP/AVP {pt}",
        f"b=AS:{info.rate * 8 * info.channels // 1000}",
        f"a=rtpmap:{pt} {name}/{info.rate}{channels}",
        "a=recvonly",
        f"a=control:{control}",
    ]


@dataclass(frozen=True, slots=True)
class Asc:
    """What an AudioSpecificConfig says."""

    object_type: int  # 2: AAC-LC, 5: SBR (HE-AAC), 29: PS
    rate: int
    channels: int


def parse_asc(config: bytes) -> Asc:
    """Object type, sample rate and channel count; ValueError when it is not one."""
    bits = int.from_bytes(config, "big")
    total = len(config) * 8
    at = 0

    def take(n: int) -> int:
        nonlocal at
        if at + n > total:
            raise ValueError("AudioSpecificConfig too short")
        at += n
        return (bits >> (total - at)) & ((1 << n) - 1)

    kind = take(5)
    if kind == 31:
        kind = 32 + take(6)
    index = take(4)
    rate = take(24) if index == 15 else (_RATES[index] if index < len(_RATES) else 0)
    channels = take(4)
    if kind == 0 or rate == 0:
        raise ValueError("not an AudioSpecificConfig")
    return Asc(kind, rate, channels)


def aac_lc_config(rate: int, channels: int) -> bytes:
    """The 2-byte AudioSpecificConfig of AAC-LC at a standard rate."""
    index = _RATES.index(rate)
    return struct.pack(">H", (2 << 11) | (index << 7) | (channels << 3))
