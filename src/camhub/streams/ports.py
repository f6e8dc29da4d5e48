"""What the stream hub's parts need of it: narrow ports, so an upstream or a motion
watcher never holds (or imports) the hub itself."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

import aiohttp

from camhub.drivers.base import Device, EventIn
from camhub.streams.decoders import DecoderPool
from camhub.streams.frames import Frame
from camhub.streams.packets import PacketHub


class UpstreamHost(Protocol):
    """What an :class:`~camhub.streams.upstream.Upstream` asks of the hub."""

    grace: float
    http: aiohttp.ClientSession
    packets: PacketHub
    decoders: DecoderPool

    def get_device(self, name: str) -> Device: ...


class FrameSource(Protocol):
    """A viewer's raw frames (JPEG bytes with their time), paced to its fps."""

    async def next_frame(self) -> Frame: ...


class MotionHost(Protocol):
    """What camhub's own motion detection asks of the hub: small pictures of a camera,
    a folder for its snapshots, and the event sink."""

    data_dir: Path

    def subscribe(
        self,
        name: str,
        width: int | None = None,
        height: int | None = None,
        quality: int | None = None,
        fps: float | None = None,
        *,
        small: bool = False,
        owner: str | None = None,
    ) -> AbstractAsyncContextManager[FrameSource]: ...

    def emit(self, name: str, event: EventIn) -> None: ...
