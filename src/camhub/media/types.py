"""Media types shared by readers, the packet hub and RTSP servers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AccessUnit:
    """One H.264 access unit (a frame): Annex-B bytes with start codes."""

    data: bytes
    pts_90k: int
    keyframe: bool


@dataclass(frozen=True, slots=True)
class StreamInfo:
    codec: str  # "h264"
    width: int
    height: int
    sps: bytes
    pps: bytes
    fps: float | None = None
