"""The emulator's MPEG-TS, read by FFmpeg and checked against the rules pytapo needs:
every PES sized (a picture past 64 KiB split into several), tables and CRCs FFmpeg
accepts, the audio under TP-Link's stream type 0x90."""

from __future__ import annotations

import io
import json
import subprocess
from fractions import Fraction

import av
import numpy as np

from camhub.sim.tapo_camera.mpegts import PACKET, VIDEO_PID, TsMuxer, tone
from tests.helpers.tools import need


def noisy_units(count: int) -> list[tuple[bytes, int, bool]]:
    """Access units of random pictures: keyframes far larger than one PES can hold."""
    rng = np.random.default_rng(7)
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = 640, 480, "yuv420p"
    ctx.time_base = Fraction(1, 90000)
    ctx.options = {"preset": "ultrafast", "tune": "zerolatency", "crf": "8", "g": "5"}
    units = []
    for i in range(count):
        picture = rng.integers(0, 255, (480 * 3 // 2, 640), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(picture, format="yuv420p")
        frame.pts = i * 6000
        for packet in ctx.encode(frame):
            units.append((bytes(packet), int(packet.pts or 0), bool(packet.is_keyframe)))
    return units


def pes_lengths(ts: bytes, pid: int) -> list[int]:
    lengths = []
    for at in range(0, len(ts), PACKET):
        packet = ts[at : at + PACKET]
        assert packet[0] == 0x47
        if ((packet[1] & 0x1F) << 8 | packet[2]) != pid or not packet[1] & 0x40:
            continue
        start = 4 + (1 + packet[4] if packet[3] & 0x20 else 0)
        assert packet[start : start + 3] == b"\x00\x00\x01"
        lengths.append(int.from_bytes(packet[start + 4 : start + 6], "big"))
    return lengths


def test_large_pictures_travel_in_several_sized_pes_and_decode() -> None:
    units = noisy_units(10)
    assert max(len(u[0]) for u in units) > 3 * 65535
    mux = TsMuxer(audio=True)
    ts = b"".join(
        mux.video(data, pts, key) + mux.sound(tone(i * 533, 533), pts)
        for i, (data, pts, key) in enumerate(units)
    )
    assert len(ts) % PACKET == 0
    lengths = pes_lengths(ts, VIDEO_PID)
    assert len(lengths) > len(units)  # the big pictures were split
    assert 0 not in lengths
    with av.open(io.BytesIO(ts), format="mpegts") as container:
        video = container.streams.video[0]
        pictures = list(container.decode(video))
    assert len(pictures) == len(units)
    assert (pictures[0].width, pictures[0].height) == (640, 480)
    probe = subprocess.run(
        [need("ffprobe"), "-v", "error", "-show_streams", "-of", "json", "-"],
        input=ts, capture_output=True, timeout=30, check=True,
    )  # fmt: skip
    streams = json.loads(probe.stdout)["streams"]
    # as ffprobe shows a real Tapo recording: H.264 on 0x44, "Unknown" 0x0090 on 0x45
    assert [(s["id"], s["codec_tag"]) for s in streams] == [("0x44", "0x001b"), ("0x45", "0x0090")]
