"""StreamHub: live video from every camera to any number of viewers.

    async with hub.subscribe("porch", width=640, height=360, fps=5) as viewer:
        async for jpeg in viewer:
            ...

- one :class:`~camhub.streams.upstream.Upstream` per camera, started by the first
  viewer and stopped ``grace`` seconds after the last;
- each frame is transcoded at most once per (size, quality), in a worker thread, and
  the result shared by every viewer that asked for it; sizes are never upscaled, and
  the renditions per camera and streams per user are bounded (``streams.limits``);
- a viewer that is slow skips to the newest frame; it never queues and never slows
  another viewer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from types import TracebackType

import aiohttp

from camhub.capabilities import Capability, SnapshotDriver
from camhub.drivers.base import Device, EventIn
from camhub.errors import DeviceTimeout, NotFound, Unsupported
from camhub.streams.frames import Frame, Variant
from camhub.streams.limits import StreamLimits
from camhub.streams.transcode import (
    Transcoder,
    VariantKey,
    check_quality,
    check_size,
    fit,
    frame_size,
)
from camhub.streams.upstream import Upstream

log = logging.getLogger("camhub.streams")

FRESH_FOR = 5.0  # seconds a running stream's latest frame serves as a snapshot
FPS_SLACK = 0.01  # wake this early so a viewer at the camera's own rate skips nothing


class Viewer:
    """One consumer of one camera. Use as ``async with``; iterate for JPEG bytes.

    ``owner`` (a username; None for camhub's own viewers) is counted against the
    limits of :mod:`camhub.streams.limits` while the viewer is open.
    """

    def __init__(
        self,
        hub: StreamHub,
        name: str,
        key: VariantKey,
        fps: float | None,
        owner: str | None = None,
    ) -> None:
        self.hub = hub
        self.name = name
        self.key = key
        self.fps = fps
        self.owner = owner
        self.frames = 0  # delivered so far
        self._up: Upstream | None = None
        self._seq = 0
        self._last: float | None = None
        self._made: VariantKey | None = None  # the rendition admitted for this camera

    async def open(self) -> Viewer:
        device = self.hub.get_device(self.name)
        if not {Capability.STREAM, Capability.SNAPSHOT} & device.capabilities:
            raise Unsupported(f"{self.name} does not support stream", device=self.name)
        self.hub.limits.claim_stream(self.owner)
        self._up = self.hub._attach(self.name)
        return self

    def close(self) -> None:
        up, self._up = self._up, None
        if up is not None:
            up.detach()
            self.hub.limits.release_stream(self.owner)
        made, self._made = self._made, None
        if made is not None:
            self.hub.limits.release(self.name, made)

    async def __aenter__(self) -> Viewer:
        return await self.open()

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def upstream(self) -> Upstream:
        if self._up is None:
            raise RuntimeError("viewer is not open")
        return self._up

    async def next_frame(self) -> Frame:
        """The next raw frame, paced to ``fps``."""
        up = self.upstream
        if self.fps and self._last is not None:
            loop = asyncio.get_running_loop()
            delay = self._last + 1.0 / self.fps - loop.time() - FPS_SLACK
            if delay > 0:
                await asyncio.sleep(delay)
        if self.frames == 0 and up.latest is None and up.error is not None:
            raise up.error
        frame = await up.wait_next(self._seq)
        self._seq = frame.seq
        self._last = asyncio.get_running_loop().time()
        self.frames += 1
        return frame

    async def next_variant(self) -> Variant:
        frame = await self.next_frame()
        if self._made is None:  # the first frame tells the camera's size
            self._made = self.hub.limits.admit(self.name, self.key, frame.jpeg)
        return await self.hub.variant(frame, self._made)

    async def first(self, within: float) -> Variant:
        """The first frame, or the camera's error: call before committing a response."""
        up = self.upstream
        try:
            async with asyncio.timeout(within):
                while up.latest is None and up.error is None and up.closed is None:
                    await up._event.wait()
        except TimeoutError:
            msg = f"{self.name}: no video in {within:g} s"
            raise DeviceTimeout(msg, device=self.name) from None
        return await self.next_variant()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[bytes]:
        while True:
            yield (await self.next_variant()).jpeg


class StreamHub:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        get_device: Callable[[str], Device],
        emit: Callable[[str, EventIn], None],
        data_dir: Path,
        *,
        grace: float = 3.0,
    ) -> None:
        self.http = http
        self.get_device = get_device
        self.emit = emit
        self.data_dir = data_dir
        self.grace = grace
        self.transcoder = Transcoder()
        self.limits = StreamLimits()
        self._upstreams: dict[str, Upstream] = {}
        self._jobs: set[asyncio.Task[Variant]] = set()
        from camhub.streams.motion import MotionWatchers

        self.motion = MotionWatchers(self)

    # viewers ---------------------------------------------------------------------
    def subscribe(
        self,
        name: str,
        width: int | None = None,
        height: int | None = None,
        quality: int | None = None,
        fps: float | None = None,
        owner: str | None = None,
    ) -> Viewer:
        check_size(width, height)
        check_quality(quality)
        if fps is not None and fps <= 0:
            fps = None
        return Viewer(self, name, VariantKey(width, height, quality), fps, owner)

    def _attach(self, name: str) -> Upstream:
        up = self._upstreams.get(name)
        if up is None or up.closed is not None:
            up = self._upstreams[name] = Upstream(name, self)
        up.attach()
        return up

    @property
    def upstream_count(self) -> int:
        """Camera connections held (or being retried) right now."""
        return sum(1 for up in self._upstreams.values() if up.running)

    def viewer_count(self, name: str) -> int:
        up = self._upstreams.get(name)
        return up.viewers if up is not None else 0

    # frames ------------------------------------------------------------------------
    async def variant(self, frame: Frame, key: VariantKey) -> Variant:
        """``frame`` at ``key``'s size and quality; computed once, shared by all."""
        v = frame.variants.get(key)
        if v is not None:
            return v
        if key.is_native:
            v = frame.variants[key] = Variant(frame.jpeg, frame.timestamp)
            return v
        job = frame.pending.get(key)
        if job is None:
            task = asyncio.create_task(self._transcode(frame, key))
            self._jobs.add(task)
            task.add_done_callback(self._jobs.discard)
            frame.pending[key] = job = task
        return await asyncio.shield(job)

    async def _transcode(self, frame: Frame, key: VariantKey) -> Variant:
        try:
            jpeg = await asyncio.to_thread(self.transcoder.transcode, frame.jpeg, key)
            v = frame.variants[key] = Variant(jpeg, frame.timestamp)
            return v
        finally:
            frame.pending.pop(key, None)

    async def snapshot(
        self,
        name: str,
        width: int | None = None,
        height: int | None = None,
        quality: int | None = None,
        owner: str | None = None,
    ) -> bytes:
        """A JPEG now: the live frame when a stream runs, else a fresh device still.

        Counted against ``owner``'s streams while it is made; never larger than the
        camera's picture."""
        check_size(width, height)
        check_quality(quality)
        key = VariantKey(width, height, quality)
        device = self.get_device(name)
        self.limits.claim_stream(owner)
        try:
            up = self._upstreams.get(name)
            if up is not None and up.running and up.latest is not None:
                frame = up.latest
                if time.time() * 1000 - frame.timestamp < FRESH_FOR * 1000:
                    return (await self.variant(frame, self._fitted(frame.jpeg, key))).jpeg
            if Capability.SNAPSHOT in device.capabilities:
                jpeg = await device.need(Capability.SNAPSHOT, SnapshotDriver).snapshot()
                frame = Frame(0, jpeg, int(time.time() * 1000))
                return (await self.variant(frame, self._fitted(jpeg, key))).jpeg
            if Capability.STREAM not in device.capabilities:
                raise Unsupported(f"{name} does not support snapshot", device=name)
            async with self.subscribe(name, width, height, quality) as viewer:
                return (await viewer.first(device.config.timeout)).jpeg
        finally:
            self.limits.release_stream(owner)

    @staticmethod
    def _fitted(jpeg: bytes, key: VariantKey) -> VariantKey:
        size = frame_size(jpeg)
        return key if size is None else fit(key, *size)

    # lifecycle ---------------------------------------------------------------------
    async def sync_devices(self, devices: Iterable[Device]) -> None:
        """Follow the hub's device list: motion watchers on/off, drop removed cameras."""
        current = {d.name: d for d in devices}
        for name, up in list(self._upstreams.items()):
            device = current.get(name)
            if device is None:
                del self._upstreams[name]
                await up.close(NotFound(f"device {name} was removed", device=name))
            elif up.device is not None and up.device is not device:
                up.reconnect()
        await self.motion.sync(current.values())

    async def close(self) -> None:
        await self.motion.close()
        for name, up in list(self._upstreams.items()):
            del self._upstreams[name]
            await up.close(NotFound(f"{name}: streaming stopped", device=name))
        for job in list(self._jobs):
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job
