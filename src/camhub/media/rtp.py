"""RTP packetization of H.264 (RFC 6184, packetization-mode=1) and RTSP interleaving.

:func:`payloads` cuts one access unit into RTP payloads: a NAL unit that fits the
payload budget travels alone (single NAL unit packet), a bigger one is split into
FU-A fragments (start bit on the first, end bit on the last). Access unit
delimiters are left out. The payloads depend only on the access unit and the
budget, so a server computes them once and shares them between its clients.

:class:`Packetizer` is one RTP stream (one client): its own SSRC, random initial
sequence number and timestamp (RFC 3550 section 5.1), the marker bit on the last
packet of an access unit, the 90 kHz timestamp of the access unit on every packet.
:meth:`Packetizer.interleaved` frames them for RTSP over TCP (RFC 2326 section
10.12: ``$``, channel, 16-bit length, packet).
"""

from __future__ import annotations

import secrets
import struct

from camhub.media.h264 import NAL_AUD, split_annexb

RTP_VERSION = 2
PAYLOAD_TYPE = 96
DEFAULT_MTU_PAYLOAD = 1400  # bytes of RTP payload per packet (Sercomm's rtp_size default)
FU_A = 28

NTP_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01

_HEADER = struct.Struct(">BBHII")
_SENDER_REPORT = struct.Struct(">BBHIIIIII")
_INTERLEAVED = struct.Struct(">cBH")


def payloads(data: bytes, budget: int = DEFAULT_MTU_PAYLOAD) -> list[bytes]:
    """RTP payloads for one Annex-B access unit, in order."""
    if budget < 3:
        raise ValueError("payload budget too small for FU-A")
    out: list[bytes] = []
    for nal in split_annexb(data):
        header = nal[0]
        if header & 0x1F == NAL_AUD:
            continue
        if len(nal) <= budget:
            out.append(nal)
            continue
        indicator = bytes([(header & 0xE0) | FU_A])
        kind = header & 0x1F
        body = memoryview(nal)[1:]
        step = budget - 2
        last = len(body) - 1
        for at in range(0, len(body), step):
            start = 0x80 if at == 0 else 0
            end = 0x40 if at + step > last else 0
            out.append(b"".join((indicator, bytes([start | end | kind]), body[at : at + step])))
    return out


def depacketize(packets: list[bytes]) -> bytes:
    """Rebuild an Annex-B access unit from RTP packets (single NAL and FU-A only).

    The inverse of :func:`payloads`; used by tests and diagnostics.
    """
    nals: list[bytes] = []
    fragment = bytearray()
    for packet in packets:
        cc = packet[0] & 0x0F
        body = packet[12 + 4 * cc :]
        kind = body[0] & 0x1F
        if kind == FU_A:
            if body[1] & 0x80:
                fragment = bytearray([(body[0] & 0xE0) | (body[1] & 0x1F)])
            fragment += body[2:]
            if body[1] & 0x40:
                nals.append(bytes(fragment))
        else:
            nals.append(body)
    return b"".join(b"\x00\x00\x00\x01" + n for n in nals)


class Packetizer:
    """One outgoing RTP stream: SSRC, sequence numbers, timestamps."""

    def __init__(self, payload_type: int = PAYLOAD_TYPE, ssrc: int | None = None) -> None:
        self.payload_type = payload_type
        self.ssrc = secrets.randbits(32) if ssrc is None else ssrc
        self.seq = secrets.randbits(16)
        self.rtptime = secrets.randbits(32)  # RTP timestamp of the first access unit
        self._origin: int | None = None
        self.packets_sent = 0
        self.octets_sent = 0

    def timestamp(self, pts_90k: int) -> int:
        """RTP timestamp for a presentation time: offset from the first one sent."""
        if self._origin is None:
            self._origin = pts_90k
        return (self.rtptime + pts_90k - self._origin) & 0xFFFFFFFF

    def packets(self, parts: list[bytes], pts_90k: int, marker: bool = True) -> list[bytes]:
        """RTP packets of one access unit given its :func:`payloads` (the marker bit
        on the last one unless ``marker`` is False: G.711 never sets it). ``pts_90k``
        is on the stream's RTP clock (90 kHz for video, the sample rate for sound)."""
        ts = self.timestamp(pts_90k)
        out = []
        last = len(parts) - 1 if marker else -1
        for i, part in enumerate(parts):
            marker_bit = 0x80 if i == last else 0
            header = _HEADER.pack(RTP_VERSION << 6, marker_bit | self.payload_type, self.seq, ts,
                                  self.ssrc)  # fmt: skip
            self.seq = (self.seq + 1) & 0xFFFF
            out.append(header + part)
            self.octets_sent += len(part)
        self.packets_sent += len(out)
        return out

    def interleaved(
        self, parts: list[bytes], pts_90k: int, channel: int = 0, marker: bool = True
    ) -> bytes:
        """The packets of one access unit framed for RTSP interleaving, as one write."""
        return b"".join(
            _INTERLEAVED.pack(b"$", channel, len(packet)) + packet
            for packet in self.packets(parts, pts_90k, marker)
        )


def sender_report(p: Packetizer, wallclock: float, rtp_timestamp: int) -> bytes:
    """An RTCP sender report (RFC 3550 section 6.4.1) tying ``rtp_timestamp`` to wall time."""
    seconds = wallclock + NTP_EPOCH_OFFSET
    whole = int(seconds)
    fraction = int((seconds - whole) * (1 << 32)) & 0xFFFFFFFF
    return _SENDER_REPORT.pack(
        (RTP_VERSION << 6), 200, 6, p.ssrc, whole & 0xFFFFFFFF, fraction,
        rtp_timestamp & 0xFFFFFFFF, p.packets_sent & 0xFFFFFFFF, p.octets_sent & 0xFFFFFFFF,
    )  # fmt: skip


def interleave(channel: int, packet: bytes) -> bytes:
    """One ``$``-framed packet (RFC 2326 section 10.12)."""
    if len(packet) > 0xFFFF:
        raise ValueError("packet too big to interleave")
    return _INTERLEAVED.pack(b"$", channel, len(packet)) + packet
