"""A frame as it travels from one camera to many viewers.

A :class:`Frame` is what the upstream reader received. Each (size, quality) a viewer
asks for is a :class:`Variant` of it, made once; each variant builds its MJPEG part and
its WebSocket message once too, so every viewer is sent the very same ``bytes``.
"""

from __future__ import annotations

import asyncio
import json
import struct
from dataclasses import dataclass, field

from camhub.drivers.multipart import BOUNDARY, build_part
from camhub.streams.transcode import VariantKey


class Variant:
    """One rendition of a frame; the byte strings sent on the wire are built lazily, once."""

    __slots__ = ("_part", "_ws", "jpeg", "timestamp")

    def __init__(self, jpeg: bytes, timestamp: int) -> None:
        self.jpeg = jpeg
        self.timestamp = timestamp
        self._part: bytes | None = None
        self._ws: bytes | None = None

    @property
    def part(self) -> bytes:
        """The ``multipart/x-mixed-replace`` part (boundary :data:`BOUNDARY`)."""
        if self._part is None:
            self._part = build_part(self.jpeg, BOUNDARY)
        return self._part

    def ws_message(self, device: str) -> bytes:
        """The binary WebSocket message, see :mod:`camhub.api.ws_media`."""
        if self._ws is None:
            self._ws = ws_frame(device, self.timestamp, self.jpeg)
        return self._ws


def ws_frame(device: str, timestamp: int, jpeg: bytes) -> bytes:
    """2-byte big-endian header length, the JSON header, then the JPEG."""
    header = json.dumps({"device": device, "timestamp": timestamp}, separators=(",", ":"))
    raw = header.encode()
    return b"".join((struct.pack(">H", len(raw)), raw, jpeg))


@dataclass(eq=False)
class Frame:
    seq: int
    jpeg: bytes
    timestamp: int  # ms since the epoch, when camhub received it
    variants: dict[VariantKey, Variant] = field(default_factory=dict)
    pending: dict[VariantKey, asyncio.Future[Variant]] = field(default_factory=dict)
