"""H.264 helpers on real libx264 output: NAL units, parameter sets, SDP values, SEI."""

from __future__ import annotations

import base64

import pytest

from camhub.media import h264
from tests.media.conftest import make_clip


@pytest.mark.parametrize(("width", "height"), [(320, 240), (640, 360), (1920, 1080), (720, 1280)])
def test_sps_size_reads_what_x264_wrote(width: int, height: int) -> None:
    key = make_clip(width, height, frames=1)[0]
    found = h264.parameter_sets(key.data)
    assert found is not None
    sps, pps = found
    assert h264.nal_type(sps) == h264.NAL_SPS and h264.nal_type(pps) == h264.NAL_PPS
    # 1080 is not a multiple of 16: the SPS crops 1088 down, and the reader applies it
    assert h264.sps_size(sps) == (width, height)


def test_split_and_join_keep_every_nal() -> None:
    key, delta = make_clip(frames=2)[:2]
    nals = h264.split_annexb(key.data)
    kinds = [h264.nal_type(n) for n in nals]
    assert {h264.NAL_SPS, h264.NAL_PPS, h264.NAL_IDR} <= set(kinds)
    assert h264.split_annexb(h264.annexb(nals)) == nals
    assert h264.is_keyframe(key.data) and not h264.is_keyframe(delta.data)
    assert h264.parameter_sets(delta.data) is None
    # 3-byte start codes split the same way
    three = b"".join(b"\x00\x00\x01" + n for n in nals)
    assert h264.split_annexb(three) == nals


def test_sdp_values() -> None:
    found = h264.parameter_sets(make_clip(frames=1)[0].data)
    assert found is not None
    sps, pps = found
    plid = h264.profile_level_id(sps)
    assert plid[:2] == "42"  # Baseline, as asked
    first, second = h264.sprop_parameter_sets(sps, pps).split(",")
    assert base64.b64decode(first) == sps and base64.b64decode(second) == pps


def test_timestamp_sei_round_trip_and_escaping() -> None:
    nal = h264.timestamp_sei(1_700_000_000_123)
    assert h264.nal_type(nal) == h264.NAL_SEI
    assert b"\x00\x00\x00" not in nal and b"\x00\x00\x01" not in nal
    au = h264.annexb([nal, *h264.split_annexb(make_clip(frames=1)[0].data)])
    assert h264.sei_timestamp(au) == 1_700_000_000_123
    assert h264.sei_timestamp(make_clip(frames=1)[0].data) is None


def test_escape_inserts_emulation_prevention() -> None:
    raw = b"\x00\x00\x01\x00\x00\x00\x00\x00\x03"
    escaped = h264.escape(raw)
    assert escaped == b"\x00\x00\x03\x01\x00\x00\x03\x00\x00\x03\x00\x03"
    assert h264.unescape(escaped) == raw


@pytest.mark.parametrize(
    "bad", [b"", b"\x67", b"\x67\x42\x00", b"\x68\x00\x00\x00", b"\x67" + b"\x00" * 8]
)
def test_malformed_sps_is_a_value_error(bad: bytes) -> None:
    with pytest.raises(ValueError):
        h264.sps_size(bad)
