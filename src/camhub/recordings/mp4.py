"""MP4 files of recordings: write (remux, never transcode), probe, repair, thumbnail.

Every recording is a *fragmented* MP4 (``movflags=empty_moov+default_base_moof``,
``frag_duration`` of 1 us): ``ftyp`` and ``moov`` first, then one ``moof``+``mdat``
per picture (with the sound since the last one), and an ``mfra`` index of the
keyframes at the end. Chromium and ffmpeg play
and seek it; HLS serves it by byte ranges (``EXT-X-MAP`` = ``ftyp``+``moov``); and a
file cut by a crash or a full disk still holds every picture written before the cut,
which :func:`salvage` copies out.

H.264 access units arrive in Annex-B form; FFmpeg's MP4 muxer turns them into
length-prefixed samples and builds ``avcC`` from the first keyframe's SPS/PPS (PyAV
extracts the extradata before the header is written). Timestamps are 90 kHz. The
camera's sound, when it has one, is a second track in AAC (see
:mod:`camhub.recordings.audio`), muxed in time order with the pictures.

Everything here blocks (file I/O, PyAV): callers run it in a worker thread.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
import simplejpeg
from av.video.codeccontext import VideoCodecContext

from camhub.media import h264
from camhub.media.aac import encodable
from camhub.media.types import AudioInfo
from camhub.recordings.audio import AudioOut, AudioSample

TB = Fraction(1, 90000)
# A fragment per picture, handed to the OS at once (flush_packets): a crash loses at
# most the picture being written. Per GOP, FFmpeg would write each GOP when the next
# keyframe comes and the last one in av_write_trailer, which PyAV calls holding the
# GIL: a whole GOP's disk write stalling the event loop (bench/recording.py).
# ``frag_every_frame`` would do the same for video alone, but with a second track FFmpeg
# (8.1) then writes fragments whose pictures read back with repeated timestamps; a
# 1 us ``frag_duration`` cuts a fragment at every picture and keeps them right.
# With sound, the muxer waits for both tracks to pass a time before writing it; at most
# 0.5 s, so a camera whose sound stops does not hold the pictures back.
FMP4 = {
    "movflags": "empty_moov+default_base_moof",
    "frag_duration": "1",
    "flush_packets": "1",
    "max_interleave_delta": "500000",
}
THUMB_WIDTH = 640
MAX_BOX_SCAN = 1 << 17  # top-level boxes walked in a file without mfra


@dataclass(frozen=True, slots=True)
class Sample:
    """One coded picture on the recording clock (90 kHz), with its duration."""

    data: bytes
    pts: int
    duration: int
    keyframe: bool


@dataclass(frozen=True, slots=True)
class Probe:
    """What a finished file holds."""

    duration_ms: int
    packets: int
    keyframe_first: bool
    width: int
    height: int


class SegmentWriter:
    """One fragmented MP4 being written; ``write`` GOPs, then ``close``."""

    def __init__(self, path: Path, width: int, height: int, audio: AudioInfo | None = None) -> None:
        self.path = path
        self._out = av.open(str(path), "w", format="mp4", options=FMP4)
        self._video = self._out.add_mux_stream("h264", width=width, height=height)
        self._video.time_base = TB
        self.audio = AudioOut(self._out, audio) if audio and encodable(audio) else None
        self._origin: int | None = None
        self.last_end = 0  # pts (relative) where the last sample written ends
        self.samples = 0

    def write(self, samples: Sequence[Sample], audio: Sequence[AudioSample] = ()) -> None:
        """Pictures (and sound) in time order; the file starts at the first picture."""
        if self._origin is None and samples:
            self._origin = samples[0].pts
        sound = iter(audio if self.audio is not None else ())
        pending = next(sound, None)
        for s in samples:
            while pending is not None and pending.t < s.pts:
                self._sound(pending)
                pending = next(sound, None)
            pts = s.pts - (self._origin or 0)
            packet = av.Packet(s.data)
            packet.stream = self._video
            packet.time_base = TB
            packet.pts = packet.dts = pts
            packet.duration = max(1, s.duration)
            packet.is_keyframe = s.keyframe
            self._out.mux(packet)
            self.last_end = pts + max(1, s.duration)
            self.samples += 1
        while pending is not None:
            self._sound(pending)
            pending = next(sound, None)

    def _sound(self, sample: AudioSample) -> None:
        if self.audio is not None and self._origin is not None:
            self._out.mux(self.audio.packets(sample, self._origin))

    def close(self) -> int:
        """Finish the file (last fragment and ``mfra``); its size in bytes."""
        if self.audio is not None:
            self._out.mux(self.audio.flush())
        self._out.close()
        return self.path.stat().st_size

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._out.close()


def probe(path: Path) -> Probe | None:
    """Duration and shape of a readable file; None when nothing in it is playable."""
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError):
        return None
    with container:
        if not container.streams.video:
            return None
        stream = container.streams.video[0]
        first = last = None
        keyframe_first = False
        n = 0
        try:
            for p in container.demux(stream):
                if p.pts is None or p.is_corrupt:
                    if p.is_corrupt:
                        break
                    continue
                if first is None:
                    first, keyframe_first = p, p.is_keyframe
                last = p
                n += 1
        except av.FFmpegError:
            pass
        if first is None or last is None or first.pts is None or last.pts is None:
            return None
        tb = stream.time_base or TB
        end = last.pts + (last.duration or 0)
        duration_ms = int((end - first.pts) * tb * 1000)
        return Probe(duration_ms, n, keyframe_first, stream.width, stream.height)


def salvage(src: Path, dst: Path) -> Probe | None:
    """Copy every intact sample of ``src`` (from its first keyframe, and its sound
    from there) into a new fragmented MP4 ``dst``; None (and no ``dst``) when nothing
    could be kept."""
    # FFmpeg refuses a whole file whose last box is cut (a crash lands in a ``moof``
    # head about one time in three): it reads only up to the end of the last fragment.
    ranges = fmp4_ranges(src)
    try:
        if ranges is not None and ranges[1] < ranges[2]:
            inp = av.open(_Prefix(src.open("rb"), ranges[1]), "r", format="mp4")
        else:
            inp = av.open(str(src))
    except (av.FFmpegError, OSError):
        return None
    kept = 0
    try:
        with inp:
            if not inp.streams.video:
                return None
            vin = inp.streams.video[0]
            ain = inp.streams.audio[0] if inp.streams.audio else None
            out = av.open(str(dst), "w", format="mp4", options=FMP4)
            try:
                vout = out.add_stream_from_template(vin)
                aout = out.add_stream_from_template(ain) if ain is not None else None
                streams = (vin,) if ain is None else (vin, ain)
                try:
                    for p in inp.demux(streams):
                        if p.is_corrupt:
                            break
                        if p.dts is None:
                            continue
                        if aout is not None and p.stream is ain:
                            if kept:  # the sound from the first picture kept on
                                p.stream = aout
                                out.mux(p)
                            continue
                        if kept == 0 and not p.is_keyframe:
                            continue
                        p.stream = vout
                        out.mux(p)
                        kept += 1
                except av.FFmpegError:
                    pass  # the cut: keep what came before
            finally:
                with contextlib.suppress(av.FFmpegError, OSError):
                    out.close()
    except (av.FFmpegError, OSError):
        kept = 0
    if kept == 0:
        with contextlib.suppress(OSError):
            dst.unlink()
        return None
    return probe(dst)


class _Prefix(io.RawIOBase):
    """The first ``length`` bytes of a file, for FFmpeg to read as the whole file."""

    def __init__(self, f: BinaryIO, length: int) -> None:
        self.f = f
        self.length = length

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        left = max(0, self.length - self.f.tell())
        return self.f.read(left if size < 0 else min(size, left))

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            offset, whence = self.length + offset, io.SEEK_SET
        return self.f.seek(offset, whence)

    def tell(self) -> int:
        return self.f.tell()

    def close(self) -> None:
        self.f.close()
        super().close()


def _box(f: BinaryIO, pos: int, size: int) -> tuple[int, bytes] | None:
    """(size, type) of the box at ``pos``, or None past the end or when it is cut."""
    if pos + 8 > size:
        return None
    f.seek(pos)
    head = f.read(16)
    box_size, kind = struct.unpack(">I4s", head[:8])
    if box_size == 1 and len(head) == 16:
        box_size = struct.unpack(">Q", head[8:16])[0]
    elif box_size == 0:
        box_size = size - pos
    if box_size < 8 or pos + box_size > size:
        return None
    return box_size, kind


def fmp4_ranges(path: Path) -> tuple[int, int, int] | None:
    """(end of ``ftyp``+``moov``, end of the last fragment, file size) of a fragmented
    MP4; None when the file is not one. The end of the fragments comes from the
    ``mfro`` box closing the file (the size of ``mfra``), so a file of thousands of
    fragments costs three reads; without one the top-level boxes are walked."""
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            pos = init_end = 0
            for _ in range(2):  # ftyp, moov
                box = _box(f, pos, size)
                if box is None:
                    return None
                pos += box[0]
                if box[1] == b"moov":
                    init_end = pos
            if not init_end:
                return None
            f.seek(max(0, size - 16))
            tail = f.read(16)
            if len(tail) == 16 and tail[4:8] == b"mfro":
                end = size - struct.unpack(">I", tail[12:16])[0]
                found = _box(f, end, size)
                if end > init_end and found is not None and found[1] == b"mfra":
                    return init_end, end, size
            media_end = 0
            for _ in range(MAX_BOX_SCAN):
                box = _box(f, pos, size)
                if box is None:
                    break
                pos += box[0]
                if box[1] == b"mdat":
                    media_end = pos
    except OSError:
        return None
    if media_end <= init_end:
        return None
    return init_end, media_end, size


def _jpeg(frame: av.VideoFrame, max_width: int) -> bytes:
    width = min(max_width, frame.width) // 2 * 2
    height = max(2, round(frame.height * width / frame.width) // 2 * 2)
    rgb = frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
    jpeg: bytes = simplejpeg.encode_jpeg(rgb, quality=80, colorsubsampling="420")
    return jpeg


def thumbnail(keyframe: bytes, max_width: int = THUMB_WIDTH) -> bytes | None:
    """A JPEG of one Annex-B keyframe (it carries its SPS/PPS); None if undecodable."""
    ctx = av.CodecContext.create("h264", "r")
    assert isinstance(ctx, VideoCodecContext)
    try:
        frames = [*ctx.decode(av.Packet(keyframe)), *ctx.decode(None)]
    except av.FFmpegError:
        return None
    return _jpeg(frames[0], max_width) if frames else None


def thumbnail_of_file(path: Path, max_width: int = THUMB_WIDTH) -> bytes | None:
    """A JPEG of a file's first picture."""
    try:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                return _jpeg(frame, max_width)
    except (av.FFmpegError, OSError):
        return None
    return None


def keyframe_info(au: bytes) -> tuple[bytes, int, int] | None:
    """(SPS, width, height) of a keyframe access unit, or None without a usable SPS."""
    found = h264.parameter_sets(au)
    if found is None:
        return None
    try:
        width, height = h264.sps_size(found[0])
    except ValueError:
        return None
    return found[0], width, height
