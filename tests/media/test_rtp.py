"""RFC 6184 packetization of real access units, and the queue that lets clients skip."""

from __future__ import annotations

import itertools
import struct

from camhub.media import h264
from camhub.media.queue import KeyframeQueue
from camhub.media.rtp import FU_A, Packetizer, depacketize, interleave, payloads, sender_report
from camhub.media.types import AccessUnit
from tests.media.conftest import make_clip


def test_big_nal_units_become_fu_a_and_come_back_whole() -> None:
    key = make_clip(640, 360, frames=1, noise=True)[0]
    parts = payloads(key.data, 1000)
    assert all(len(p) <= 1000 for p in parts)
    fragments = [p for p in parts if p[0] & 0x1F == FU_A]
    assert fragments, "a noisy IDR slice does not fit one packet"
    assert fragments[0][1] & 0x80 and not fragments[0][1] & 0x40  # start bit
    assert fragments[-1][1] & 0x40  # end bit
    assert all(f[1] & 0x1F == h264.NAL_IDR for f in fragments)
    rebuilt = depacketize(Packetizer().packets(parts, 0))
    assert h264.split_annexb(rebuilt) == h264.split_annexb(key.data)


def test_small_nal_units_travel_alone_and_delimiters_are_left_out() -> None:
    key = make_clip(frames=1)[0]
    with_aud = h264.annexb([b"\x09\xf0", *h264.split_annexb(key.data)])
    parts = payloads(with_aud, 1400)
    assert [p[0] & 0x1F for p in parts][:2] == [h264.NAL_SPS, h264.NAL_PPS]
    assert all(p[0] & 0x1F != h264.NAL_AUD for p in parts)


def test_packet_headers_marker_sequence_and_timestamps() -> None:
    clip = make_clip(640, 360, frames=3, noise=True)
    p = Packetizer(ssrc=0x11223344)
    p.seq = 0xFFFE  # wraps inside the first access unit
    stamps = []
    seqs = []
    for i, au in enumerate(clip):
        packets = p.packets(payloads(au.data), 1000 + i * 6000)
        for n, packet in enumerate(packets):
            v, mpt, seq, ts, ssrc = struct.unpack(">BBHII", packet[:12])
            assert v >> 6 == 2 and ssrc == 0x11223344 and mpt & 0x7F == 96
            assert bool(mpt & 0x80) == (n == len(packets) - 1)  # marker: last of the unit
            seqs.append(seq)
            stamps.append(ts)
    assert all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(seqs))
    first = p.rtptime
    assert sorted({(s - first) & 0xFFFFFFFF for s in stamps}) == [0, 6000, 12000]


def test_interleaved_framing_and_sender_report() -> None:
    p = Packetizer()
    framed = p.interleaved([b"\x65abc"], 0, channel=2)
    assert framed[:2] == b"$\x02" and int.from_bytes(framed[2:4], "big") == len(framed) - 4
    report = sender_report(p, 1_700_000_000.5, 1234)
    assert len(report) == 28 and report[1] == 200
    assert struct.unpack(">I", report[8:12])[0] == 1_700_000_000 + 2_208_988_800
    assert interleave(3, report)[:2] == b"$\x03"


def _au(key: bool, size: int = 10) -> AccessUnit:
    return AccessUnit(b"\x00\x00\x00\x01" + b"\x65" * size, 0, key)


async def test_keyframe_queue_skips_a_lagging_consumer_to_the_next_keyframe() -> None:
    q = KeyframeQueue(maxsize=3)
    assert not q.put(_au(False))  # a consumer starts on a keyframe
    assert q.put(_au(True)) and q.put(_au(False)) and q.put(_au(False))
    assert not q.put(_au(False))  # full: backlog dropped, skipping
    assert len(q) == 0 and q.skips == 1 and q.dropped == 5
    assert not q.put(_au(False))
    assert q.put(_au(True))
    got = await q.get()
    assert got is not None and got.keyframe
    q.close()
    assert await q.get() is None


async def test_keyframe_queue_bounds_bytes_too() -> None:
    q = KeyframeQueue(maxsize=100, max_bytes=100)
    assert q.put(_au(True, 60))
    assert not q.put(_au(False, 60))
    assert q.dropped == 2 and len(q) == 0
