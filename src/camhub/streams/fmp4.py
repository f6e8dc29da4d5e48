"""Fragmented MP4 (ISO/IEC 14496-12, -15) for one H.264 track, written by hand (and,
when the camera has sound, an AAC track beside it: :func:`sound_fragment`).

An init segment (``ftyp`` + ``moov`` with an empty sample table and ``mvex``) per
stream description, then one ``moof`` + ``mdat`` fragment per access unit: the
lowest latency MSE allows, and the same bytes serve WebSocket viewers,
``stream.mp4`` and (joined per GOP) HLS segments.

Why not PyAV's mp4 muxer (``movflags=frag_every_frame+empty_moov+default_base_moof``,
writing to a Python file object)? Not for its cost: ``bench/video.py`` measured 12 us
per 1080p frame there against 17 us here, both nothing at 15 fps. But FFmpeg writes a
frame's fragment only when the *next* packet arrives (it needs the duration): one
frame of added latency, 67 ms at 15 fps. And its writes come in its own buffer's
pieces, so fragments would have to be found again by parsing the boxes, to send one
WebSocket message per frame and to cut HLS segments at keyframes. Here a fragment is
one ``struct.pack`` and one ``b"".join`` (the frame's bytes copied once), out the
moment its access unit is in.

Timing: timescale 90 kHz (RTP's clock). A fragment is written as soon as its access
unit arrives, before the next one says how long it lasts, so each sample is given the
previous interval as its duration; the next fragment's ``tfdt`` is exact anyway.
Decode time is kept continuous: a jump in the camera's clock (a reconnect) counts as
one frame, so players see no hole and no step back. No B-frames (cameras send none):
decode order is presentation order.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from camhub.media.types import AAC_FRAME, AccessUnit, StreamInfo
from camhub.streams.nal import avcc_parts, codecs_string, parse_sps

TIMESCALE = 90000
SOUND_CODECS = ",mp4a.40.2"  # what the MSE codecs add for the AAC-LC track
MAX_GAP = 5 * TIMESCALE  # a longer (or negative) step of the camera's clock is a jump
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
_KEY_FLAGS = 0x02000000  # sample_depends_on = 2 (an I frame)
_DELTA_FLAGS = 0x01010000  # depends on others, not a sync sample
# moof (mfhd; traf: tfhd with default-base-is-moof, tfdt v1, trun with one sample's
# duration, size and flags) and the mdat header: 100 + 8 bytes, one pack per frame
_FRAGMENT = struct.Struct(">" + "I4s" + "I4sII" + "I4s" + "I4sII" + "I4sIQ" + "I4sIIiIII" + "I4s")


def box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I", 8 + len(body)) + kind + body


def full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def _avcc(info: StreamInfo) -> bytes:
    sps, pps = info.sps, info.pps
    parts = [
        bytes((1, sps[1], sps[2], sps[3], 0xFF, 0xE1)),
        struct.pack(">H", len(sps)),
        sps,
        b"\x01",
        struct.pack(">H", len(pps)),
        pps,
    ]
    if sps[1] in (100, 110, 122, 144):  # 14496-15 5.3.3.1.2: high profiles say more
        p = parse_sps(sps)
        parts.append(
            bytes(
                (
                    0xFC | p.chroma_format,
                    0xF8 | (p.bit_depth_luma - 8),
                    0xF8 | (p.bit_depth_chroma - 8),
                    0,
                )
            )
        )
    return box(b"avcC", *parts)


@dataclass(frozen=True, slots=True)
class AacTrack:
    """The sound track beside the video: AAC-LC frames of 1024 samples at ``rate``
    (its timescale), described by ``asc`` (the AudioSpecificConfig)."""

    rate: int
    channels: int
    asc: bytes


def _descriptor(tag: int, body: bytes) -> bytes:
    assert len(body) < 128  # one length byte (14496-1 8.3.3)
    return bytes((tag, len(body))) + body


def _esds(track: AacTrack) -> bytes:
    decoder = _descriptor(
        4,
        bytes((0x40, 0x15)) + bytes(3) + struct.pack(">II", 0, 0)  # AAC, audio stream
        + _descriptor(5, track.asc),
    )  # fmt: skip
    es = _descriptor(3, struct.pack(">HB", 2, 0) + decoder + _descriptor(6, b"\x02"))
    return full_box(b"esds", 0, 0, es)


def _sound_trak(track: AacTrack) -> bytes:
    tkhd = full_box(
        b"tkhd", 0, 3,
        struct.pack(">IIIII", 0, 0, 2, 0, 0), bytes(8), struct.pack(">hhhH", 0, 1, 0x100, 0),
        _MATRIX, struct.pack(">II", 0, 0),
    )  # fmt: skip
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, track.rate, 0, 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, 0, bytes(4), b"soun", bytes(12), b"camhub sound\x00")
    mp4a = box(
        b"mp4a",
        bytes(6), struct.pack(">H", 1), bytes(8),
        struct.pack(">HHHHI", track.channels, 16, 0, 0, track.rate << 16), _esds(track),
    )  # fmt: skip
    minf = box(b"minf", full_box(b"smhd", 0, 0, bytes(4)), _dinf(), _stbl(mp4a))
    return box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, minf))


def _dinf() -> bytes:
    return box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1)))


def _stbl(entry: bytes) -> bytes:
    """A sample table with one sample entry and no samples (they come in fragments)."""
    return box(
        b"stbl",
        full_box(b"stsd", 0, 0, struct.pack(">I", 1), entry),
        full_box(b"stts", 0, 0, bytes(4)),
        full_box(b"stsc", 0, 0, bytes(4)),
        full_box(b"stsz", 0, 0, bytes(8)),
        full_box(b"stco", 0, 0, bytes(4)),
    )


def init_segment(info: StreamInfo, sound: AacTrack | None = None) -> bytes:
    """``ftyp`` + ``moov`` describing one H.264 track of ``info``'s size (track 1) and,
    with ``sound``, an AAC track (track 2)."""
    w, h = info.width, info.height
    ftyp = box(b"ftyp", b"iso5", struct.pack(">I", 512), b"iso5iso6mp41avc1")
    mvhd = full_box(
        b"mvhd", 0, 0,
        struct.pack(">IIIIIH", 0, 0, 1000, 0, 0x10000, 0x100), bytes(10), _MATRIX, bytes(24),
        struct.pack(">I", 3 if sound else 2),
    )  # fmt: skip
    tkhd = full_box(
        b"tkhd", 0, 3,
        struct.pack(">IIIII", 0, 0, 1, 0, 0), bytes(8), struct.pack(">hhhH", 0, 0, 0, 0),
        _MATRIX, struct.pack(">II", w << 16, h << 16),
    )  # fmt: skip
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, TIMESCALE, 0, 0x55C4, 0))
    hdlr = full_box(b"hdlr", 0, 0, bytes(4), b"vide", bytes(12), b"camhub video\x00")
    avc1 = box(
        b"avc1",
        bytes(6), struct.pack(">H", 1), bytes(16), struct.pack(">HH", w, h),
        struct.pack(">II", 0x480000, 0x480000), bytes(4), struct.pack(">H", 1), bytes(32),
        struct.pack(">Hh", 0x18, -1), _avcc(info),
    )  # fmt: skip
    minf = box(b"minf", full_box(b"vmhd", 0, 1, bytes(8)), _dinf(), _stbl(avc1))
    traks = [box(b"trak", tkhd, box(b"mdia", mdhd, hdlr, minf))]
    trex = [full_box(b"trex", 0, 0, struct.pack(">IIIII", 1, 1, 0, 0, 0))]
    if sound is not None:
        traks.append(_sound_trak(sound))
        trex.append(full_box(b"trex", 0, 0, struct.pack(">IIIII", 2, 1, AAC_FRAME, 0, 0)))
    return ftyp + box(b"moov", mvhd, *traks, box(b"mvex", *trex))


def sound_fragment(sequence: int, decode_time: int, frames: list[bytes]) -> bytes:
    """``moof`` + ``mdat`` of AAC ``frames`` (track 2, 1024 samples each, the first
    at ``decode_time`` in the track's timescale)."""
    n = len(frames)
    trun_size = 20 + 4 * n
    traf_size = 8 + 20 + 20 + trun_size
    moof_size = 8 + 16 + traf_size
    head = struct.pack(
        ">I4s" "I4sII" "I4s" "I4sIII" "I4sIQ" "I4sIIi",
        moof_size, b"moof", 16, b"mfhd", 0, sequence & 0xFFFFFFFF, traf_size, b"traf",
        20, b"tfhd", 0x020008, 2, AAC_FRAME,  # default-base-is-moof, default duration
        20, b"tfdt", 0x01000000, decode_time,
        trun_size, b"trun", 0x000201, n, moof_size + 8,  # data offset, sample sizes
    )  # fmt: skip
    sizes = struct.pack(f">{n}I", *(len(f) for f in frames))
    body = b"".join(frames)
    return b"".join((head, sizes, struct.pack(">I4s", 8 + len(body), b"mdat"), body))


@dataclass
class Fmp4Writer:
    """Fragments for one stream description; keeps the decode timeline continuous."""

    info: StreamInfo
    decode_time: int = 0  # of the next sample
    sequence: int = 0
    sound: AacTrack | None = None  # an AAC track beside the video (:meth:`sound_fragment`)
    init: bytes = field(init=False, repr=False)
    codecs: str = field(init=False)
    _last_pts: int | None = field(default=None, init=False)
    _duration: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.init = init_segment(self.info, self.sound)
        self.codecs = codecs_string(self.info.sps) + (SOUND_CODECS if self.sound else "")
        fps = self.info.fps if self.info.fps and 1 <= self.info.fps <= 120 else 15.0
        self._duration = round(TIMESCALE / fps)

    @property
    def next_decode_time(self) -> int:
        """Where a writer taking over from this one starts (a new description)."""
        return self.decode_time + self._duration if self._last_pts is not None else self.decode_time

    def fragment(self, unit: AccessUnit) -> bytes:
        """``moof`` + ``mdat`` holding ``unit`` as one sample."""
        if self._last_pts is not None:
            step = unit.pts_90k - self._last_pts
            if 0 < step <= MAX_GAP:
                self._duration = step
            self.decode_time += self._duration
        self._last_pts = unit.pts_90k
        self.sequence += 1
        parts, size = avcc_parts(unit.data)
        flags = _KEY_FLAGS if unit.keyframe else _DELTA_FLAGS
        head = _FRAGMENT.pack(
            *(100, b"moof", 16, b"mfhd", 0, self.sequence & 0xFFFFFFFF, 76, b"traf"),
            *(16, b"tfhd", 0x020000, 1, 20, b"tfdt", 0x01000000, self.decode_time),
            *(32, b"trun", 0x000701, 1, _FRAGMENT.size, self._duration, size, flags),
            *(8 + size, b"mdat"),
        )
        return b"".join((head, *parts))  # the frame's bytes are copied once, here

    def sound_fragment(self, decode_time: int, frames: list[bytes]) -> bytes:
        """``moof`` + ``mdat`` of AAC frames for the sound track (``decode_time`` in
        its timescale): written after a picture's fragment, in the same message."""
        self.sequence += 1
        return sound_fragment(self.sequence, decode_time, frames)


@dataclass(frozen=True, slots=True, eq=False)
class Init:
    """The init segment of one stream description."""

    data: bytes
    codecs: str  # for MSE: avc1.PPCCLL
    info: StreamInfo


@dataclass(frozen=True, slots=True, eq=False)
class Fragment:
    data: bytes  # moof + mdat
    keyframe: bool
    decode_time: int  # 90 kHz, on the feed's continuous timeline
    init: Init
