"""The MJPEG reader copes with what real cameras send; the writer's output reads back."""

from __future__ import annotations

import time

import pytest

from camhub.drivers.multipart import (
    BOUNDARY,
    MultipartParser,
    boundary_from_content_type,
    build_part,
    content_type,
)
from camhub.sim.video import VideoSource

SRC = VideoSource(64, 48, fps=10, scene="motion")
FRAMES = [SRC.frame(t=SRC.t0 + i / 10, quality=70) for i in range(4)]


def feed_all(parser: MultipartParser, data: bytes, chunk: int) -> list[bytes]:
    out: list[bytes] = []
    for i in range(0, len(data), chunk):
        out += parser.feed(data[i : i + chunk])
    return out


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("multipart/x-mixed-replace; boundary=myboundary", b"myboundary"),
        ('multipart/x-mixed-replace; boundary="quoted"', b"quoted"),
        ("multipart/x-mixed-replace;boundary=--dashed", b"dashed"),
        ("multipart/x-mixed-replace; Boundary=ipcam; charset=x", b"ipcam"),
        ("multipart/x-mixed-replace", None),
    ],
)
def test_boundary_from_header(header: str, expected: bytes | None) -> None:
    assert boundary_from_content_type(header) == expected


@pytest.mark.parametrize("chunk", [1, 7, 4096, 1 << 20])
def test_writer_output_reads_back_in_any_chunking(chunk: int) -> None:
    stream = b"".join(build_part(f) for f in FRAMES)
    parser = MultipartParser(boundary_from_content_type(content_type()))
    assert feed_all(parser, stream, chunk) == FRAMES


def test_part_is_one_bytes_object_with_exact_length() -> None:
    part = build_part(FRAMES[0])
    assert part.startswith(b"--" + BOUNDARY + b"\r\n")
    assert f"Content-Length: {len(FRAMES[0])}".encode() in part


def test_no_content_length_no_leading_dashes_and_garbage_between_parts() -> None:
    parts = []
    for f in FRAMES:
        parts.append(b"\r\nnoise that is not a part\r\n")
        parts.append(b"cam\r\nContent-Type: image/jpeg\r\n\r\n" + f + b"\r\n")
    parser = MultipartParser(b"--cam")  # announced with dashes, used without
    assert feed_all(parser, b"".join(parts) + b"cam\r\n", 13) == FRAMES


def test_wrong_content_length_falls_back_to_the_boundary() -> None:
    data = b"".join(
        b"--b\r\nContent-Type: image/jpeg\r\nContent-Length: 10\r\n\r\n" + f + b"\r\n"
        for f in FRAMES
    )
    assert feed_all(MultipartParser(b"b"), data + b"--b\r\n", 100) == FRAMES


def test_truncated_frame_is_dropped_and_the_stream_resyncs() -> None:
    cut = FRAMES[1][: len(FRAMES[1]) // 2]
    data = (
        b"--b\r\n\r\n" + FRAMES[0] + b"\r\n"
        b"--b\r\n\r\n" + cut + b"\r\n"  # the camera lost half a frame
        b"--b\r\n\r\n" + FRAMES[2] + b"\r\n--b\r\n"
    )
    parser = MultipartParser(b"b")
    assert feed_all(parser, data, 512) == [FRAMES[0], FRAMES[2]]
    assert parser.dropped == 1


def test_parts_without_headers_and_lf_only_lines() -> None:
    data = b"".join(b"--frame\n" + f + b"\n" for f in FRAMES) + b"--frame\n"
    assert feed_all(MultipartParser(b"frame"), data, 999) == FRAMES


def test_boundary_learned_from_the_body_when_the_header_has_none() -> None:
    data = b"".join(
        b"--ipcamera\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n%b\r\n" % (len(f), f)
        for f in FRAMES
    )
    assert feed_all(MultipartParser(None), data, 333) == FRAMES


def test_endless_garbage_is_bounded() -> None:
    parser = MultipartParser(b"b", max_frame=10_000)
    for _ in range(50):
        assert parser.feed(b"\x00" * 1000) == []
    assert len(parser._buf) < 10_000
    assert parser.feed(b"\r\n--b\r\n\r\n" + FRAMES[0] + b"\r\n--b\r\n") == [FRAMES[0]]


HOSTILE = {
    # the boundary is unknown and never comes: a "--" line that never ends
    "no boundary": (None, b"--" + b"x" * 4094),
    # the boundary is unknown and the body holds no "--" at all
    "garbage": (None, bytes(4096)),
    # a part starts and never ends
    "endless part": (b"cam", b"y" * 4096),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_streams_cost_linear_cpu_and_bounded_memory(case: str) -> None:
    """8 MiB in 4 KiB reads. The parser used to rescan its whole buffer on each read
    while nothing came of it: about 7 s of CPU for this (quadratic), ~10 ms now.
    The bound below is 100x either way, so it is a bound check, not a timing test."""
    boundary, chunk = HOSTILE[case]
    parser = MultipartParser(boundary, max_frame=4 * 1024 * 1024)
    parser.feed(b"--cam\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8" if boundary else b"")
    started = time.process_time()
    peak = 0
    for _ in range(2048):
        assert parser.feed(chunk) == []
        peak = max(peak, parser.buffered)
    assert time.process_time() - started < 1.0
    assert peak <= parser.max_frame + len(chunk)
    assert parser.overflows >= 1  # 8 MiB without a picture: over the 4 MiB limit
    # and a good part afterwards still comes through
    tail = b"\r\n--cam\r\nContent-Type: image/jpeg\r\n\r\n" + FRAMES[0] + b"\r\n--cam\r\n"
    assert parser.feed(tail) == [FRAMES[0]]
