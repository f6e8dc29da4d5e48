"""H.264 bitstream helpers: NAL units, SPS dimensions, the MSE codecs string.

Only what the packet hub and the fMP4 writer need, written from ITU-T H.264 section
7.3.2.1.1 (sequence parameter set syntax) and ISO/IEC 14496-15 (AVC file format).
A malformed SPS raises :class:`ValueError`; callers turn it into a device error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

START = b"\x00\x00\x01"
LONG_START = b"\x00\x00\x00\x01"

NAL_IDR = 5
NAL_SEI = 6
NAL_SPS = 7
NAL_PPS = 8
NAL_AUD = 9

# profiles whose SPS carries chroma format, bit depths and scaling lists
_HIGH_PROFILES = frozenset({100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135})


def iter_nals(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) offsets of the NAL units of Annex-B ``data`` (3- or 4-byte codes)."""
    start = -1
    i = data.find(START)
    while i >= 0:
        if start >= 0:
            end = i - 1 if data[i - 1] == 0 else i
            if end > start:
                yield start, end
        start = i + 3
        i = data.find(START, start)
    if 0 <= start < len(data):
        yield start, len(data)


def split_annexb(data: bytes) -> list[bytes]:
    """The NAL units of Annex-B ``data``, without start codes."""
    return [data[a:b] for a, b in iter_nals(data)]


def nal_type(nal: bytes) -> int:
    return nal[0] & 0x1F if nal else 0


def parameter_sets(data: bytes) -> tuple[bytes | None, bytes | None]:
    """The first SPS and PPS before the first slice of Annex-B ``data``.

    Stops at the first slice: parameter sets precede the picture they describe, so a
    keyframe of hundreds of kilobytes costs a few ``find`` calls.
    """
    sps = pps = None
    for a, b in iter_nals(data):
        kind = data[a] & 0x1F
        if kind == NAL_SPS and sps is None:
            sps = data[a:b]
        elif kind == NAL_PPS and pps is None:
            pps = data[a:b]
        elif 1 <= kind <= NAL_IDR:
            break
    return sps, pps


def first_slice_type(data: bytes) -> int:
    """The NAL type of the first slice in Annex-B ``data`` (5: IDR), 0 when none."""
    for a, _ in iter_nals(data):
        kind = data[a] & 0x1F
        if 1 <= kind <= NAL_IDR:
            return kind
    return 0


def avcc_parts(data: bytes) -> tuple[list[bytes | memoryview], int]:
    """An Annex-B access unit as MP4 sample pieces: 4-byte lengths and views of the
    NAL units (no copy), without AUD/SPS/PPS; and the sample's size in bytes.

    Parameter sets live in the ``avcC`` box of the init segment instead.
    """
    view = memoryview(data)
    parts: list[bytes | memoryview] = []
    size = 0
    for a, b in iter_nals(data):
        if data[a] & 0x1F in (NAL_AUD, NAL_SPS, NAL_PPS):
            continue
        parts += ((b - a).to_bytes(4, "big"), view[a:b])
        size += 4 + b - a
    return parts, size


def to_avcc(data: bytes) -> bytes:
    """An Annex-B access unit as one MP4 sample (see :func:`avcc_parts`)."""
    return b"".join(avcc_parts(data)[0])


def annexb(*nals: bytes) -> bytes:
    return b"".join(LONG_START + n for n in nals)


def codecs_string(sps: bytes) -> str:
    """RFC 6381 ``avc1.PPCCLL`` (profile, constraint flags, level) for MSE."""
    if len(sps) < 4:
        raise ValueError("SPS too short")
    return f"avc1.{sps[1]:02X}{sps[2]:02X}{sps[3]:02X}"


class _Bits:
    """Reads an RBSP (emulation prevention bytes removed) bit by bit."""

    def __init__(self, nal: bytes) -> None:
        self.data = nal.replace(b"\x00\x00\x03", b"\x00\x00")
        self.pos = 0

    def u(self, n: int) -> int:
        value = 0
        for _ in range(n):
            byte = self.pos >> 3
            if byte >= len(self.data):
                raise ValueError("SPS ends early")
            value = (value << 1) | ((self.data[byte] >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("bad Exp-Golomb code in SPS")
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)


@dataclass(frozen=True)
class Sps:
    width: int
    height: int
    profile: int
    level: int
    chroma_format: int = 1
    bit_depth_luma: int = 8
    bit_depth_chroma: int = 8
    log2_max_frame_num: int = 4


def parse_sps(nal: bytes) -> Sps:
    """Picture size (after cropping), profile and level of an SPS NAL unit."""
    if nal_type(nal) != NAL_SPS:
        raise ValueError("not an SPS")
    r = _Bits(nal[1:])
    profile = r.u(8)
    r.u(8)  # constraint flags
    level = r.u(8)
    r.ue()  # seq_parameter_set_id
    chroma, depth_luma, depth_chroma = 1, 8, 8
    if profile in _HIGH_PROFILES:
        chroma = r.ue()
        if chroma == 3:
            r.u(1)  # separate_colour_plane_flag
        depth_luma = r.ue() + 8
        depth_chroma = r.ue() + 8
        r.u(1)  # qpprime_y_zero_transform_bypass_flag
        if r.u(1):  # seq_scaling_matrix_present_flag
            for i in range(8 if chroma != 3 else 12):
                if r.u(1):
                    _skip_scaling_list(r, 16 if i < 6 else 64)
    log2_max_frame_num = r.ue() + 4
    poc_type = r.ue()
    if poc_type == 0:
        r.ue()
    elif poc_type == 1:
        r.u(1)
        r.se()
        r.se()
        for _ in range(min(r.ue(), 255)):
            r.se()
    r.ue()  # max_num_ref_frames
    r.u(1)  # gaps_in_frame_num_value_allowed_flag
    width_mbs = r.ue() + 1
    height_units = r.ue() + 1
    frame_mbs_only = r.u(1)
    if not frame_mbs_only:
        r.u(1)  # mb_adaptive_frame_field_flag
    r.u(1)  # direct_8x8_inference_flag
    width = width_mbs * 16
    height = (2 - frame_mbs_only) * height_units * 16
    if r.u(1):  # frame_cropping_flag
        left, right, top, bottom = r.ue(), r.ue(), r.ue(), r.ue()
        unit_x = 2 if chroma in (1, 2) else 1
        unit_y = (2 if chroma == 1 else 1) * (2 - frame_mbs_only)
        width -= unit_x * (left + right)
        height -= unit_y * (top + bottom)
    if not (0 < width <= 16384 and 0 < height <= 16384) or chroma > 3:
        raise ValueError("SPS picture size out of range")
    if log2_max_frame_num > 16:
        raise ValueError("SPS frame_num size out of range")
    return Sps(width, height, profile, level, chroma, depth_luma, depth_chroma, log2_max_frame_num)


def pps_id(pps: bytes) -> int:
    """The ``pic_parameter_set_id`` of a PPS NAL unit."""
    return _Bits(pps[1:16]).ue()


def valid_idr(data: bytes, sps: Sps, pps: int) -> bool:
    """True when the first slice of ``data`` is the start of a real IDR picture.

    Checks what every IDR slice header starts with (7.3.3): a reference NAL unit,
    ``first_mb_in_slice`` 0, an I slice, the stream's PPS and ``frame_num`` 0. Random
    bytes pass all that about once in 40 000 units (an hour of garbage at 15 fps), so
    a camera sending garbage cannot pass for one sending pictures.
    """
    for a, _ in iter_nals(data):
        header = data[a]
        kind = header & 0x1F
        if not 1 <= kind <= NAL_IDR:
            continue
        if kind != NAL_IDR or header & 0x80 or not header & 0x60:
            return False
        try:
            r = _Bits(data[a + 1 : a + 24])
            return (
                r.ue() == 0
                and r.ue() in (2, 7)
                and r.ue() == pps
                and r.u(sps.log2_max_frame_num) == 0
            )
        except ValueError:
            return False
    return False


def _skip_scaling_list(r: _Bits, size: int) -> None:
    last = nxt = 8
    for _ in range(size):
        if nxt != 0:
            nxt = (last + r.se() + 256) % 256
        last = nxt if nxt != 0 else last
