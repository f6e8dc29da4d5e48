"""Real players for interop tests: ffprobe, PyAV (FFmpeg's RTSP client), GStreamer, VLC.

Each helper skips the calling test, saying what to install, when its tool is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import av
import numpy as np

from tests.helpers.tools import as_nobody, need, run


async def ffprobe(url: str, tcp: bool = True) -> tuple[dict[str, Any] | None, str]:
    """(the first stream's description, stderr) as ffprobe reads ``url``."""
    tool = need("ffprobe")
    transport = ["-rtsp_transport", "tcp"] if tcp else []
    code, out, err = await run(
        tool, "-v", "error", *transport, "-show_streams", "-of", "json", url, timeout=30
    )
    streams = json.loads(out or b"{}").get("streams", []) if code == 0 else []
    return (streams[0] if streams else None), err.decode(errors="replace")


async def ffprobe_all(url: str) -> tuple[list[dict[str, Any]], str]:
    """(every stream's description, stderr) as ffprobe reads ``url`` over TCP."""
    tool = need("ffprobe")
    code, out, err = await run(
        tool, "-v", "error", "-rtsp_transport", "tcp", "-show_streams", "-of", "json", url,
        timeout=30,
    )  # fmt: skip
    streams = json.loads(out or b"{}").get("streams", []) if code == 0 else []
    return streams, err.decode(errors="replace")


def onsets(url: str, seconds: float, skip_rows: int = 24) -> tuple[list[float], list[float]]:
    """When the picture starts moving and when the sound gets loud, on the timeline
    PyAV (libavformat's RTSP client, synchronised by RTCP) gives both tracks: the
    synthetic scene's block and its tone start together at the camera. Pictures are
    compared below ``skip_rows`` (the burned-in clock changes every frame)."""
    moving: list[tuple[float, bool]] = []
    loud: list[tuple[float, bool]] = []
    with av.open(url, options={"rtsp_transport": "tcp"}, timeout=10) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        previous: np.ndarray | None = None
        end: float | None = None
        for packet in container.demux(video, audio):
            for frame in packet.decode():
                if frame.pts is None or frame.time_base is None:
                    continue
                t = float(frame.pts * frame.time_base)
                end = t + seconds if end is None else end
                if isinstance(frame, av.VideoFrame):
                    grey = frame.to_ndarray(format="gray")[skip_rows:].astype(np.int16)
                    if previous is not None:
                        moving.append((t, float(np.abs(grey - previous).mean()) > 0.5))
                    previous = grey
                else:
                    pcm = frame.to_ndarray().astype(np.float64).ravel()
                    scale = 1.0 if frame.format.name.startswith("flt") else 32768.0
                    loud.append((t, float(np.sqrt((pcm**2).mean())) / scale > 0.1))
            if end is not None and moving and moving[-1][0] > end:
                break
    return _rises(moving), _rises(loud)


def _rises(series: list[tuple[float, bool]]) -> list[float]:
    """Times a signal turns on after being off for at least three samples."""
    out, off = [], 0
    for t, on in series:
        if on and off >= 3:
            out.append(t)
        off = 0 if on else off + 1
    return out


def decode(url: str, frames: int = 20) -> list[np.ndarray]:
    """``frames`` decoded pictures (grey) as PyAV (libavformat's RTSP client) reads them."""
    pictures: list[np.ndarray] = []
    with av.open(url, options={"rtsp_transport": "tcp"}, timeout=10) as container:
        for frame in container.decode(video=0):
            pictures.append(frame.to_ndarray(format="gray"))
            if len(pictures) >= frames:
                break
    return pictures


def changed(pictures: list[np.ndarray]) -> float:
    """Mean absolute difference between the first and last picture."""
    return float(np.abs(pictures[0].astype(int) - pictures[-1].astype(int)).mean())


def vlc_rtsp_problem() -> str | None:
    """Why this machine's VLC cannot play RTSP, or None when it can."""
    cvlc = shutil.which("cvlc")
    if cvlc is None:
        return "VLC is not installed (apt-get install -y vlc-bin vlc-plugin-base)"
    prefix = as_nobody()
    listing = subprocess.run(
        [*prefix, cvlc, "-I", "dummy", "--list"], capture_output=True, timeout=30, check=False
    )
    if b"live555" not in listing.stdout:
        return (
            "this VLC build has no RTSP client: Debian builds VLC with --disable-live555, "
            "and its only rtsp:// modules are SAT>IP and RealRTSP"
        )
    return None
