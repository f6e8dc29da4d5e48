"""MPEG-TS as a Tapo camera writes it on port 8800: H.264 and G.711 A-law, PES lengths set.

The camera's live stream (and its SD card recordings) is one program: H.264 video
(stream type ``0x1b``) on PID ``0x44`` and G.711 A-law audio under TP-Link's private
stream type ``0x90`` on PID ``0x45`` (FFmpeg lists it as "Unknown ... 0x0090"; pytapo
and go2rtc know it as PCMA). Every PES packet carries its exact
``PES_packet_length``: pytapo's reader only takes sized PES packets (a length of 0
followed by an access unit delimiter is the case it raises on). A picture larger
than one PES can hold (65,535 bytes) is carried in several PES packets of the same
PTS; a demuxer with an H.264 parser (FFmpeg) joins them again.

Each access unit starts with an access unit delimiter (H.222.0 requires one for
H.264 in a transport stream); PAT and PMT come before every keyframe, the PCR
with each keyframe's first packet. Section CRCs are CRC-32/MPEG-2.
"""

from __future__ import annotations

import numpy as np

PACKET = 188
PMT_PID = 0x0100
VIDEO_PID = 0x44
AUDIO_PID = 0x45
STREAM_H264 = 0x1B
STREAM_PCMA_TAPO = 0x90
AUD = b"\x00\x00\x00\x01\x09\xf0"  # access unit delimiter, primary_pic_type 7 (any)
PES_MAX_PAYLOAD = 0xFFFF - 8  # the PES length counts 3 header bytes and a 5-byte PTS


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        crc = i << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_CRC = _crc_table()


def crc32_mpeg(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[(crc >> 24) ^ b]
    return crc


def _section(table_id: int, extension: int, body: bytes) -> bytes:
    """A PSI section (version 0, current) with its CRC, after a zero pointer field."""
    length = 5 + len(body) + 4
    head = bytes([table_id, 0xB0 | (length >> 8), length & 0xFF])
    head += extension.to_bytes(2, "big") + b"\xc1\x00\x00"
    section = head + body
    return b"\x00" + section + crc32_mpeg(section).to_bytes(4, "big")


def _timestamp(prefix: int, ts: int) -> bytes:
    ts &= (1 << 33) - 1
    return bytes(
        [
            (prefix << 4) | ((ts >> 29) & 0x0E) | 1,
            (ts >> 22) & 0xFF,
            ((ts >> 14) & 0xFE) | 1,
            (ts >> 7) & 0xFF,
            ((ts << 1) & 0xFE) | 1,
        ]
    )


def pes(stream_id: int, pts: int, payload: bytes) -> bytes:
    """One PES packet with a PTS and its exact length."""
    if len(payload) > PES_MAX_PAYLOAD:
        raise ValueError("PES payload too large")
    header = b"\x80\x80\x05" + _timestamp(0b0010, pts)
    body = header + payload
    return b"\x00\x00\x01" + bytes([stream_id]) + len(body).to_bytes(2, "big") + body


def _pcr(ts_90k: int) -> bytes:
    base = ts_90k & ((1 << 33) - 1)
    return (base << 15 | 0x3F << 9).to_bytes(6, "big")  # base, 6 reserved bits, ext 0


class TsMuxer:
    """Turns access units and audio into 188-byte packets (continuity counted per PID)."""

    def __init__(self, audio: bool) -> None:
        self.audio = audio
        self._cc: dict[int, int] = {}

    def _packets(
        self, pid: int, data: bytes, *, pcr: int | None = None, key: bool = False
    ) -> bytes:
        out = bytearray()
        pos, first = 0, True
        while first or pos < len(data):
            has_field = first and (pcr is not None or key)
            field = bytearray()  # the adaptation field after its length byte
            if has_field:
                field.append((0x40 if key else 0) | (0x10 if pcr is not None else 0))
                if pcr is not None:
                    field += _pcr(pcr)
            room = PACKET - 4 - (1 + len(field) if has_field else 0)
            left = len(data) - pos
            if left < room:  # the last packet: stuff the adaptation field to fill it
                if not has_field:
                    has_field, room = True, room - 1
                short = room - left
                if short > 0 and not field:
                    field.append(0x00)
                    short -= 1
                field += b"\xff" * short
                room = left
            cc = (self._cc.get(pid, 15) + 1) & 0x0F
            self._cc[pid] = cc
            control = (0x30 if has_field else 0x10) | cc
            out += bytes([0x47, (0x40 if first else 0) | (pid >> 8), pid & 0xFF, control])
            if has_field:
                out += bytes([len(field)]) + field
            out += data[pos : pos + room]
            pos += room
            first = False
        return bytes(out)

    def tables(self) -> bytes:
        pat = _section(0x00, 1, (1).to_bytes(2, "big") + (0xE000 | PMT_PID).to_bytes(2, "big"))
        streams = [(STREAM_H264, VIDEO_PID)]
        if self.audio:
            streams.append((STREAM_PCMA_TAPO, AUDIO_PID))
        body = (0xE000 | VIDEO_PID).to_bytes(2, "big") + b"\xf0\x00"
        for kind, pid in streams:
            body += bytes([kind]) + (0xE000 | pid).to_bytes(2, "big") + b"\xf0\x00"
        pmt = _section(0x02, 1, body)
        return self._packets(0, pat) + self._packets(PMT_PID, pmt)

    def video(self, data: bytes, pts: int, keyframe: bool) -> bytes:
        """An Annex-B access unit (AUD prepended), with the tables before a keyframe."""
        es = AUD + data
        out = [self.tables()] if keyframe else []
        for i in range(0, len(es), PES_MAX_PAYLOAD):
            packet = pes(0xE0, pts, es[i : i + PES_MAX_PAYLOAD])
            pcr = pts if i == 0 and keyframe else None
            out.append(self._packets(VIDEO_PID, packet, pcr=pcr, key=i == 0 and keyframe))
        return b"".join(out)

    def sound(self, samples: bytes, pts: int) -> bytes:
        """G.711 A-law samples (8 kHz) as one PES packet."""
        return self._packets(AUDIO_PID, pes(0xC0, pts, samples)) if samples else b""


def alaw(pcm: np.ndarray) -> bytes:
    """16-bit linear PCM to G.711 A-law (ITU-T G.711, segment encoding, even bits inverted)."""
    x = pcm.astype(np.int32)
    sign = np.where(x >= 0, 0x80, 0x00)
    mag = np.where(x >= 0, x, -x - 1) >> 3  # 13-bit magnitude (Sun's g711.c)
    exponent = np.zeros_like(mag)
    for e in range(1, 8):
        exponent = np.where(mag >= (32 << (e - 1)), e, exponent)
    mantissa = np.where(exponent == 0, mag >> 1, mag >> exponent) & 0x0F
    code = sign | (exponent << 4) | mantissa
    encoded: bytes = (code ^ 0x55).astype(np.uint8).tobytes()
    return encoded


def tone(start: int, count: int, freq: float = 440.0, rate: int = 8000) -> bytes:
    """``count`` A-law samples of a quiet sine tone from sample number ``start``."""
    n = np.arange(start, start + count)
    return alaw(np.sin(2 * np.pi * freq * n / rate) * 0.2 * 32767)
