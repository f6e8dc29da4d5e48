"""The H.264 helpers and the fMP4 writer, checked against libx264 and FFmpeg's reader."""

from __future__ import annotations

import itertools
import json
import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from camhub.media.types import AccessUnit, StreamInfo
from camhub.streams.fmp4 import Fmp4Writer
from camhub.streams.nal import (
    annexb,
    codecs_string,
    parameter_sets,
    parse_sps,
    pps_id,
    valid_idr,
)
from tests.helpers.tools import need, run
from tests.video.rtsp_camera import encode_clip


def x264(width: int, height: int, profile: str, frames: int = 30) -> list[tuple[bytes, bool]]:
    """Access units from libx264 with the given profile (High has 8x8 transforms, CABAC)."""
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = Fraction(1, 15)
    ctx.options = {"preset": "veryfast", "profile": profile, "tune": "zerolatency",
                   "x264-params": "keyint=15:scenecut=0:repeat-headers=1"}  # fmt: skip
    out = []
    for i in range(frames):
        img = np.full((height, width, 3), (i * 8) % 256, np.uint8)
        img[:, : (i * 10) % width] = 200
        frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        out += [(bytes(p), bool(p.is_keyframe)) for p in ctx.encode(frame)]
    out += [(bytes(p), bool(p.is_keyframe)) for p in ctx.encode(None)]
    return out


@pytest.mark.parametrize(
    ("size", "profile"),
    [((1920, 1080), "baseline"), ((1280, 720), "high"), ((642, 362), "main"), ((176, 144), "high")],
)
def test_sps_sizes_and_codecs_match_the_encoder(size: tuple[int, int], profile: str) -> None:
    units = x264(*size, profile, frames=2)
    sps, pps = parameter_sets(units[0][0])
    assert sps is not None and pps is not None
    parsed = parse_sps(sps)
    assert (parsed.width, parsed.height) == size  # cropping undone, e.g. 1088 -> 1080
    expected = {"baseline": 66, "main": 77, "high": 100}[profile]
    assert parsed.profile == expected
    assert codecs_string(sps) == f"avc1.{sps[1]:02X}{sps[2]:02X}{sps[3]:02X}"


def test_idr_check_accepts_real_keyframes_and_refuses_random_bytes() -> None:
    units = x264(320, 240, "high")
    sps, pps = parameter_sets(units[0][0])
    assert sps is not None and pps is not None
    params = (parse_sps(sps), pps_id(pps))
    assert [valid_idr(data, *params) for data, _ in units] == [key for _, key in units]
    rng = np.random.default_rng(7)
    garbage = [b"\x00\x00\x00\x01" + rng.bytes(64) for _ in range(20000)]
    assert sum(valid_idr(f, *params) for f in garbage) <= 3  # about 1 in 40000
    # even behind a real IDR NAL header, random slice headers rarely pass
    fakes = [b"\x00\x00\x00\x01\x65" + rng.bytes(64) for _ in range(20000)]
    assert sum(valid_idr(f, *params) for f in fakes) < 20000 / 300


@pytest.mark.parametrize("profile", ["baseline", "high"])
async def test_ffmpeg_decodes_the_fragments_across_a_camera_clock_jump(
    profile: str, tmp_path: Path
) -> None:
    units = x264(640, 360, profile)
    sps, pps = parameter_sets(units[0][0])
    assert sps is not None and pps is not None
    writer = Fmp4Writer(StreamInfo("h264", 640, 360, sps, pps, 15.0))
    out = [writer.init]
    for i, (data, key) in enumerate(units):
        jump = 0 if i < 15 else 10**9  # the camera reconnected with a new clock
        out.append(writer.fragment(AccessUnit(data, i * 6000 + jump, key)))
    path = tmp_path / "out.mp4"
    path.write_bytes(b"".join(out))
    code, stdout, err = await run(
        need("ffprobe"), "-v", "error", "-show_entries", "packet=pts_time,flags",
        "-of", "json", str(path),
    )  # fmt: skip
    assert code == 0, err.decode()
    packets = json.loads(stdout)["packets"]
    times = [float(p["pts_time"]) for p in packets]
    steps = {round(b - a, 4) for a, b in itertools.pairwise(times)}
    assert len(packets) == len(units) and steps == {round(1 / 15, 4)}  # no hole, no step back
    assert [p["flags"].startswith("K") for p in packets] == [key for _, key in units]
    code, _, err = await run(need("ffmpeg"), "-v", "error", "-xerror", "-i", str(path),
                             "-f", "null", os.devnull)  # fmt: skip
    assert code == 0 and not err.strip(), err.decode()


def test_the_test_camera_clip_is_real_h264() -> None:
    clip = encode_clip(320, 240)
    assert (parse_sps(clip.sps).width, parse_sps(clip.sps).height) == (320, 240)
    keys = [k for _, k in clip.units]
    assert keys[0] and sum(keys) == len(keys) // 15  # a GOP per second
    assert annexb(clip.sps).startswith(b"\x00\x00\x00\x01\x67")
