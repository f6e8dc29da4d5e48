"""H.264 bitstream helpers (ITU-T H.264 Annex B, RFC 6184 SDP parameters).

- :func:`split_annexb` cuts an Annex-B byte string into NAL units (start codes off);
  :func:`annexb` joins NAL units back.
- :func:`parameter_sets` finds the SPS and PPS of an access unit;
  :func:`sps_size` reads the picture size from an SPS.
- :func:`sprop_parameter_sets` and :func:`profile_level_id` are the SDP ``fmtp``
  values of RFC 6184 section 8.1.
- :func:`timestamp_sei` / :func:`sei_timestamp`: a "user data unregistered" SEI
  carrying the capture time in ms (``camhub-ts=<ms>``, as the synthetic JPEGs carry
  in a COM segment), so that a viewer can measure latency from H.264 too. Decoders
  ignore SEI they do not know.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

START_CODE = b"\x00\x00\x00\x01"

# nal_unit_type values (Table 7-1)
NAL_SLICE = 1
NAL_IDR = 5
NAL_SEI = 6
NAL_SPS = 7
NAL_PPS = 8
NAL_AUD = 9

# 16-byte UUID of camhub's timestamp SEI (no zero byte, so no emulation prevention).
TIMESTAMP_UUID = bytes.fromhex("63616d6875622d74732d8e4bd7a1c55f")
_TS_PREFIX = b"camhub-ts="
_EMULATION = re.compile(b"\x00\x00\x03")


def split_annexb(data: bytes) -> list[bytes]:
    """The NAL units of an Annex-B byte string, without start codes (empty ones dropped)."""
    nals: list[bytes] = []
    start = data.find(b"\x00\x00\x01")
    while start >= 0:
        begin = start + 3
        end = data.find(b"\x00\x00\x01", begin)
        nal = data[begin:] if end < 0 else data[begin:end]
        nal = nal.rstrip(b"\x00")  # the next 4-byte start code's leading zero, trailing zeros
        if nal:
            nals.append(nal)
        start = end
    return nals


def annexb(nals: Iterable[bytes]) -> bytes:
    """Join NAL units with 4-byte start codes."""
    return b"".join(START_CODE + nal for nal in nals)


def nal_type(nal: bytes) -> int:
    return nal[0] & 0x1F


def is_keyframe(data: bytes) -> bool:
    """Whether an Annex-B access unit holds an IDR slice."""
    return any(nal_type(n) == NAL_IDR for n in split_annexb(data))


def parameter_sets(data: bytes) -> tuple[bytes, bytes] | None:
    """(SPS, PPS) of an Annex-B access unit, or None when it lacks either."""
    sps = pps = None
    for nal in split_annexb(data):
        kind = nal_type(nal)
        if kind == NAL_SPS and sps is None:
            sps = nal
        elif kind == NAL_PPS and pps is None:
            pps = nal
    return (sps, pps) if sps is not None and pps is not None else None


def sprop_parameter_sets(sps: bytes, pps: bytes) -> str:
    """``sprop-parameter-sets``: base64 SPS and PPS, comma-separated."""
    return f"{base64.b64encode(sps).decode()},{base64.b64encode(pps).decode()}"


def profile_level_id(sps: bytes) -> str:
    """``profile-level-id``: profile_idc, constraint flags and level_idc, in hex."""
    if len(sps) < 4:
        raise ValueError("SPS too short")
    return sps[1:4].hex().upper()


def unescape(nal: bytes) -> bytes:
    """The RBSP of a NAL unit: emulation prevention bytes (00 00 03) removed."""
    return _EMULATION.sub(b"\x00\x00", nal)


def escape(rbsp: bytes) -> bytes:
    """Insert emulation prevention bytes where the RBSP would contain a start code."""
    out = bytearray()
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


class _Bits:
    """Exp-Golomb bit reader over an RBSP."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def bit(self) -> int:
        if self.pos >= len(self.data) * 8:
            raise ValueError("SPS truncated")
        byte = self.data[self.pos >> 3]
        self.pos += 1
        return (byte >> (7 - ((self.pos - 1) & 7))) & 1

    def bits(self, n: int) -> int:
        value = 0
        for _ in range(n):
            value = (value << 1) | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("bad Exp-Golomb code in SPS")
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


_HIGH_PROFILES = {100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135}


def sps_size(sps: bytes) -> tuple[int, int]:
    """(width, height) in pixels from an SPS NAL unit (cropping applied).

    Raises ValueError on a truncated or malformed SPS.
    """
    if not sps or nal_type(sps) != NAL_SPS:
        raise ValueError("not an SPS")
    r = _Bits(unescape(sps[1:]))
    profile = r.bits(8)
    r.bits(16)  # constraint flags, level
    r.ue()  # seq_parameter_set_id
    chroma_format = 1
    if profile in _HIGH_PROFILES:
        chroma_format = r.ue()
        if chroma_format == 3:
            r.bit()  # separate_colour_plane_flag
        r.ue()  # bit_depth_luma_minus8
        r.ue()  # bit_depth_chroma_minus8
        r.bit()  # qpprime_y_zero_transform_bypass_flag
        if r.bit():  # seq_scaling_matrix_present_flag
            for i in range(8 if chroma_format != 3 else 12):
                if r.bit():
                    last = nxt = 8
                    for _ in range(16 if i < 6 else 64):
                        if nxt:
                            nxt = (last + r.se()) % 256
                        last = nxt or last
    r.ue()  # log2_max_frame_num_minus4
    poc_type = r.ue()
    if poc_type == 0:
        r.ue()
    elif poc_type == 1:
        r.bit()
        r.se()
        r.se()
        for _ in range(r.ue()):
            r.se()
    r.ue()  # max_num_ref_frames
    r.bit()  # gaps_in_frame_num_value_allowed_flag
    width_mbs = r.ue() + 1
    height_map_units = r.ue() + 1
    frame_mbs_only = r.bit()
    if not frame_mbs_only:
        r.bit()  # mb_adaptive_frame_field_flag
    r.bit()  # direct_8x8_inference_flag
    width = width_mbs * 16
    height = (2 - frame_mbs_only) * height_map_units * 16
    if r.bit():  # frame_cropping_flag
        left, right, top, bottom = r.ue(), r.ue(), r.ue(), r.ue()
        sub_w = 2 if chroma_format in (1, 2) else 1
        sub_h = 2 if chroma_format == 1 else 1
        width -= (left + right) * sub_w
        height -= (top + bottom) * sub_h * (2 - frame_mbs_only)
    if width <= 0 or height <= 0:
        raise ValueError("SPS gives an empty picture")
    return width, height


def timestamp_sei(ms: int) -> bytes:
    """An SEI NAL unit (user data unregistered) carrying ``camhub-ts=<ms>``."""
    payload = TIMESTAMP_UUID + _TS_PREFIX + str(ms).encode()
    size = len(payload)
    header = b""
    while size >= 255:
        header += b"\xff"
        size -= 255
    rbsp = b"\x05" + header + bytes([size]) + payload + b"\x80"
    return bytes([NAL_SEI]) + escape(rbsp)


def sei_timestamp(data: bytes) -> int | None:
    """The capture time (ms) a ``timestamp_sei`` in this access unit carries, or None."""
    for nal in split_annexb(data):
        if nal_type(nal) != NAL_SEI:
            continue
        body = unescape(nal[1:])
        at = body.find(TIMESTAMP_UUID + _TS_PREFIX)
        if at < 0:
            continue
        digits = body[at + len(TIMESTAMP_UUID) + len(_TS_PREFIX) :].split(b"\x80", 1)[0]
        if digits.isdigit():
            return int(digits)
    return None
