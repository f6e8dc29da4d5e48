"""A time range of one camera as one MP4 (``GET /api/recordings/export``), and as an
HLS VOD playlist over the recorded files (``recordings.m3u8``).

The export remuxes, never transcodes: it starts at the keyframe at or before
``since``, takes every file of the range in order (a gap between files stays a gap in
time), with their sound (the recordings' AAC) when the first file has one, stops after
``until``, and streams a fragmented MP4 as it goes: memory stays
at a few chunks whatever the length. The remuxing runs in a worker thread; the client
leaving stops it.

The playlist gives each recording as one HLS segment: ``EXT-X-MAP`` is the file's
``ftyp``+``moov`` and the segment its fragments, by byte range, with a discontinuity
between files (each one's timestamps start at zero).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from camhub.recordings import mp4

CHUNK_QUEUE = 16
PUT_TIMEOUT = 0.5


@dataclass(frozen=True, slots=True)
class Piece:
    """One recording in an export or playlist."""

    path: Path
    start_ms: int
    end_ms: int
    url: str = ""


class _Pipe:
    """The file object PyAV writes the export into: each chunk goes to the event loop,
    at most :data:`CHUNK_QUEUE` of them waiting there."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, chunks: asyncio.Queue[bytes | None]
    ) -> None:
        self.loop, self.chunks = loop, chunks
        self.space = threading.Semaphore(CHUNK_QUEUE)
        self.stop = threading.Event()

    def write(self, data: bytes) -> int:
        while not self.space.acquire(timeout=PUT_TIMEOUT):
            if self.stop.is_set():
                raise BrokenPipeError("the client left")
        if self.stop.is_set():
            raise BrokenPipeError("the client left")
        self.loop.call_soon_threadsafe(self.chunks.put_nowait, bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def end(self) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens
            self.loop.call_soon_threadsafe(self.chunks.put_nowait, None)


Sound = tuple[str, int, int]  # codec, rate, channels


def _sound_of(stream: Any) -> Sound:
    return stream.codec_context.name, stream.rate, stream.codec_context.channels


def _add_streams(out: Any, pieces: Sequence[Piece]) -> tuple[Any, Any, Sound | None] | None:
    """The export's video stream, and its sound's, made like the first readable
    piece's; None when no piece can be read."""
    for piece in pieces:
        try:
            inp = av.open(str(piece.path))
        except (av.FFmpegError, OSError):
            continue
        with inp:
            if not inp.streams.video:
                continue
            vout = out.add_stream_from_template(inp.streams.video[0])
            vout.time_base = mp4.TB
            if not inp.streams.audio:
                return vout, None, None
            ain = inp.streams.audio[0]
            return vout, out.add_stream_from_template(ain), _sound_of(ain)
    return None


def _remux(pieces: Sequence[Piece], since: int, until: int, pipe: _Pipe) -> None:
    out = av.open(pipe, "w", format="mp4", options=mp4.FMP4)
    made = _add_streams(out, pieces)
    if made is None:
        with contextlib.suppress(av.FFmpegError, OSError, BrokenPipeError, ValueError):
            out.close()
        return
    vout, aout, sound_of_export = made
    origin: int | None = None  # ms of the first picture exported
    head: list[tuple[Any, int, Fraction, int]] = []  # the GOP holding ``since``

    def put(p: Any, start_ms: int, tb: Fraction) -> None:
        assert origin is not None and p.pts is not None
        offset = int(Fraction(start_ms - origin, 1000) / tb)
        p.pts += offset
        p.dts = p.pts if p.dts is None else p.dts + offset
        p.stream = vout if p.stream.type == "video" else aout
        out.mux(p)

    try:
        for piece in pieces:
            if pipe.stop.is_set():
                return
            try:
                inp = av.open(str(piece.path))
            except (av.FFmpegError, OSError):
                continue  # deleted meanwhile: its time stays a gap
            with inp:
                if not inp.streams.video:
                    continue
                vin = inp.streams.video[0]
                ain = inp.streams.audio[0] if inp.streams.audio else None
                if ain is not None and _sound_of(ain) != sound_of_export:
                    ain = None  # a sound the export's track cannot carry
                tb = vin.time_base or mp4.TB
                if since > piece.start_ms:
                    with contextlib.suppress(av.FFmpegError):
                        inp.seek(int((since - piece.start_ms) / 1000 / tb), stream=vin)
                try:
                    for p in inp.demux((vin,) if ain is None else (vin, ain)):
                        if p.pts is None or p.is_corrupt:
                            continue
                        p_tb = p.time_base or tb
                        at = piece.start_ms + int(p.pts * p_tb * 1000)
                        sound = p.stream.type == "audio"
                        if at > until:
                            if sound:
                                continue
                            break
                        if origin is None:  # start at the keyframe at or before since
                            if sound:
                                if head:
                                    head.append((p, piece.start_ms, p_tb, at))
                                continue
                            if p.is_keyframe and (at <= since or not head):
                                head.clear()
                            if p.is_keyframe or head:
                                head.append((p, piece.start_ms, p_tb, at))
                            if at < since or not head:
                                continue
                            origin = head[0][3]
                            for q, start_ms, q_tb, q_at in head:
                                if q_at >= origin:
                                    put(q, start_ms, q_tb)
                            head.clear()
                            continue
                        if sound and at < origin:
                            continue
                        put(p, piece.start_ms, p_tb)
                except av.FFmpegError:
                    continue  # a damaged file: keep what came out of it
    finally:
        with contextlib.suppress(av.FFmpegError, OSError, BrokenPipeError, ValueError):
            out.close()


async def export(pieces: Sequence[Piece], since: int, until: int) -> AsyncIterator[bytes]:
    """The fragmented MP4 of ``[since, until]`` over ``pieces``, chunk by chunk.

    The remuxing runs on its own thread (not the shared executor, which a slow client
    could otherwise tie up); leaving the iterator early stops it."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
    pipe = _Pipe(loop, chunks)
    done = loop.create_future()

    def work() -> None:
        try:
            _remux(pieces, since, until, pipe)
        except (av.FFmpegError, OSError):
            pass
        finally:
            pipe.end()
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(done.set_result, None)

    threading.Thread(target=work, name="camhub-export", daemon=True).start()
    try:
        while (chunk := await chunks.get()) is not None:
            pipe.space.release()
            yield chunk
    finally:
        pipe.stop.set()
        await done


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def playlist(pieces: Sequence[Piece]) -> str:
    """An HLS VOD playlist (version 7, fMP4) with one segment per recording."""
    lines: list[str] = []
    longest = 1
    for i, piece in enumerate(pieces):
        ranges = mp4.fmp4_ranges(piece.path)
        if ranges is None:
            continue
        init_end, media_end, _size = ranges
        seconds = max(0.001, (piece.end_ms - piece.start_ms) / 1000)
        longest = max(longest, math.ceil(seconds))
        if i and lines:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [
            f"#EXT-X-PROGRAM-DATE-TIME:{_iso(piece.start_ms)}",
            f'#EXT-X-MAP:URI="{piece.url}",BYTERANGE="{init_end}@0"',
            f"#EXTINF:{seconds:.3f},",
            f"#EXT-X-BYTERANGE:{media_end - init_end}@{init_end}",
            piece.url,
        ]
    head = [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{longest}",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    return "\n".join([*head, *lines, "#EXT-X-ENDLIST", ""])
