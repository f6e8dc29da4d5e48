"""StreamHub: live video from every camera to any number of viewers.

    async with hub.subscribe("porch", width=640, height=360, fps=5) as viewer:
        async for jpeg in viewer:
            ...

- one :class:`~camhub.streams.upstream.Upstream` per camera stream (``main``, or the
  ``sub`` stream for viewers that need no more), started by the first viewer and
  stopped ``grace`` seconds after the last;
- for H.264 cameras, one RTSP connection per camera stream (:attr:`StreamHub.packets`)
  shared by JPEG upstreams and H.264 passthrough viewers (:attr:`StreamHub.video`),
  and decoder processes only while someone needs pixels (:attr:`StreamHub.decoders`);
- each frame is transcoded at most once per (size, quality), in a worker thread, and
  the result shared by every viewer that asked for it;
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

from camhub.capabilities import H264_SOURCES, Capability, SnapshotDriver
from camhub.drivers.base import Device, EventIn
from camhub.errors import DeviceTimeout, NotFound, Unsupported
from camhub.media.types import AccessUnit
from camhub.streams.decoders import DecoderPool
from camhub.streams.frames import Frame, Variant
from camhub.streams.limits import StreamLimits
from camhub.streams.motion import MotionWatchers
from camhub.streams.packets import (
    KEYFRAME_TIMEOUT,
    STALL_TIMEOUT,
    PacketHub,
    Profile,
    Unit,
    source_of,
)
from camhub.streams.transcode import (
    Transcoder,
    VariantKey,
    check_quality,
    check_size,
    fit,
    frame_size,
)
from camhub.streams.upstream import Upstream
from camhub.streams.video import VideoOutputs

log = logging.getLogger("camhub.streams")

FRESH_FOR = 5.0  # seconds a running stream's latest frame serves as a snapshot
FPS_SLACK = 0.01  # wake this early so a viewer at the camera's own rate skips nothing
SUB_SIZE = (640, 360)  # assumed size of an MJPEG sub-stream
SUB_PROBE_TIMEOUT = 3.0  # seconds to learn an H.264 sub-stream's size from its SDP


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
        small: bool = False,
        owner: str | None = None,
    ) -> None:
        self.hub = hub
        self.name = name
        self.key = key
        self.fps = fps
        self.owner = owner
        self._made: VariantKey | None = None  # the rendition admitted for this camera
        self.small = small  # a small picture will do (motion detection): sub-stream
        self.profile: Profile = "main"
        self.frames = 0  # delivered so far
        self._up: Upstream | None = None
        self._seq = 0
        self._last: float | None = None

    async def open(self) -> Viewer:
        device = self.hub.get_device(self.name)
        if not {Capability.STREAM, Capability.SNAPSHOT} & device.capabilities:
            raise Unsupported(f"{self.name} does not support stream", device=self.name)
        self.hub.limits.claim_stream(self.owner)
        try:
            self.profile = await self.hub.profile_for(device, self.key, self.small)
        except BaseException:
            self.hub.limits.release_stream(self.owner)
            raise
        self._up = self.hub._attach(self.name, self.profile, self.fps)
        return self

    def close(self) -> None:
        up, self._up = self._up, None
        if up is not None:
            up.detach(self.fps)
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
        decoder_idle: float = 5.0,
        stall_timeout: float = STALL_TIMEOUT,
        keyframe_timeout: float = KEYFRAME_TIMEOUT,
    ) -> None:
        self.http = http
        self.get_device = get_device
        self.emit = emit
        self.data_dir = data_dir
        self.grace = grace
        self.transcoder = Transcoder()
        self.limits = StreamLimits()
        self.packets = PacketHub(
            get_device, grace=grace, stall_timeout=stall_timeout, keyframe_timeout=keyframe_timeout
        )
        self.decoders = DecoderPool(idle=decoder_idle)
        self.video = VideoOutputs(self.packets)
        self._upstreams: dict[tuple[str, Profile], Upstream] = {}
        self._jobs: set[asyncio.Task[Variant]] = set()
        self._keyframe_jpegs: dict[str, tuple[AccessUnit, asyncio.Future[bytes]]] = {}
        self.motion = MotionWatchers(self)

    # viewers ---------------------------------------------------------------------
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
    ) -> Viewer:
        """A JPEG viewer. ``small``: a sub-stream picture will do (motion detection);
        ``owner``: whose stream it is, counted against the limits."""
        check_size(width, height)
        check_quality(quality)
        if fps is not None and fps <= 0:
            fps = None
        return Viewer(self, name, VariantKey(width, height, quality), fps, small, owner)

    async def profile_for(self, device: Device, key: VariantKey, small: bool = False) -> Profile:
        """``sub`` when the device has a sub-stream at least as large as asked."""
        if getattr(device, "substream_source", None) is None:
            return "main"
        if not small:
            if key.width is None and key.height is None:
                return "main"
            size = await self._sub_size(device)
            if size is None or (key.width or 0) > size[0] or (key.height or 0) > size[1]:
                return "main"
        return await self.packets.resolve(device, "sub")

    async def _sub_size(self, device: Device) -> tuple[int, int] | None:
        """The sub-stream's size: as last seen, else asked of the camera (its SDP)."""
        known = self.packets.known.get((device.name, "sub"))
        if known is None:
            source = await source_of(device, "sub")
            if source is None:
                return None
            if not isinstance(source, H264_SOURCES):
                return SUB_SIZE  # an MJPEG sub-stream: assume the usual size
            ps = self.packets.source(device.name, "sub")
            probe = ps.subscribe()  # the connection stays for the grace period
            described = asyncio.ensure_future(ps.described.wait())
            failed = asyncio.ensure_future(probe.get())  # a unit, or the camera's error
            try:
                await asyncio.wait({described, failed}, timeout=SUB_PROBE_TIMEOUT,
                                   return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
            finally:
                described.cancel()
                failed.cancel()
                probe.close()
            if failed.done() and not failed.cancelled():
                failed.exception()  # the camera's error: the main stream will say it again
            known = ps.info
        return (known.width, known.height) if known is not None else None

    def _attach(self, name: str, profile: Profile = "main", fps: float | None = None) -> Upstream:
        up = self._upstreams.get((name, profile))
        if up is None or up.closed is not None:
            up = self._upstreams[(name, profile)] = Upstream(name, self, profile)
        up.attach(fps)
        return up

    def upstreams(self, name: str) -> list[Upstream]:
        return [up for (n, _), up in self._upstreams.items() if n == name]

    @property
    def upstream_count(self) -> int:
        """Camera connections held (or being retried) right now."""
        direct = sum(1 for up in self._upstreams.values() if up.running and not up.via_packets)
        return direct + self.packets.connection_count

    def viewer_count(self, name: str) -> int:
        return sum(up.viewers for up in self.upstreams(name)) + self.video.viewer_count(name)

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
        """A JPEG now, the cheapest way there is (counted against ``owner``'s streams
        while it is made; never larger than the camera's picture):

        1. the latest frame of a running JPEG stream;
        2. the last keyframe of a running H.264 stream, decoded (no camera request);
        3. the device's own still (a driver that has none raises Unsupported);
        4. the first keyframe of its H.264 stream (the sub-stream when it suffices),
           decoded alone, or the first frame of its MJPEG stream.
        """
        check_size(width, height)
        check_quality(quality)
        self.limits.claim_stream(owner)
        try:
            return await self._snapshot(name, VariantKey(width, height, quality))
        finally:
            self.limits.release_stream(owner)

    async def _snapshot(self, name: str, key: VariantKey) -> bytes:
        device = self.get_device(name)
        now_ms = time.time() * 1000
        for up in self.upstreams(name):
            frame = up.latest
            if up.running and frame is not None and now_ms - frame.timestamp < FRESH_FOR * 1000:
                return (await self.variant(frame, self._fitted(frame.jpeg, key))).jpeg
        for ps in sorted(self.packets.running(name), key=lambda ps: ps.profile != "main"):
            unit = ps.latest_keyframe
            if unit is not None:
                return await self._keyframe_variant(name, unit, key)
        if Capability.SNAPSHOT in device.capabilities:
            try:
                jpeg = await device.need(Capability.SNAPSHOT, SnapshotDriver).snapshot()
            except Unsupported:
                if Capability.STREAM not in device.capabilities:
                    raise
            else:  # a driver without a still of its own raises Unsupported: use the stream
                frame = Frame(0, jpeg, int(time.time() * 1000))
                return (await self.variant(frame, self._fitted(jpeg, key))).jpeg
        elif Capability.STREAM not in device.capabilities:
            raise Unsupported(f"{name} does not support snapshot", device=name)
        profile = await self.profile_for(device, key)
        source = await source_of(device, profile)
        if isinstance(source, H264_SOURCES):
            unit = await self._first_keyframe(device, profile)
            return await self._keyframe_variant(name, unit, key)
        async with self.subscribe(name, key.width, key.height, key.quality) as viewer:
            return (await viewer.first(device.config.timeout)).jpeg

    @staticmethod
    def _fitted(jpeg: bytes, key: VariantKey) -> VariantKey:
        size = frame_size(jpeg)
        return key if size is None else fit(key, *size)

    async def _first_keyframe(self, device: Device, profile: Profile = "main") -> Unit:
        consumer = await self.packets.subscribe(device.name, profile)
        try:
            async with asyncio.timeout(device.config.timeout):
                return await consumer.get()  # a consumer starts on a keyframe
        except TimeoutError:
            msg = f"{device.name}: no picture in {device.config.timeout:g} s"
            raise DeviceTimeout(msg, device=device.name) from None
        finally:
            consumer.close()

    async def _keyframe_variant(self, name: str, unit: Unit, key: VariantKey) -> bytes:
        """A keyframe decoded once (in a worker process), at ``key``'s size."""
        info, au = unit
        cached = self._keyframe_jpegs.get(name)
        if cached is None or cached[0] is not au:
            job = asyncio.ensure_future(self.decoders.keyframe_jpeg(name, info, au))
            cached = self._keyframe_jpegs[name] = (au, job)
        try:
            jpeg = await asyncio.shield(cached[1])
        except BaseException:
            if self._keyframe_jpegs.get(name) is cached and cached[1].done():
                del self._keyframe_jpegs[name]  # do not keep a failure
            raise
        frame = Frame(0, jpeg, int(time.time() * 1000))
        return (await self.variant(frame, self._fitted(jpeg, key))).jpeg

    # lifecycle ---------------------------------------------------------------------
    async def sync_devices(self, devices: Iterable[Device]) -> None:
        """Follow the hub's device list: motion watchers on/off, drop removed cameras."""
        current = {d.name: d for d in devices}
        for key, up in list(self._upstreams.items()):
            device = current.get(key[0])
            if device is None:
                del self._upstreams[key]
                await up.close(NotFound(f"device {key[0]} was removed", device=key[0]))
            elif up.device is not None and up.device is not device:
                up.reconnect()
        for name in list(self._keyframe_jpegs):
            if name not in current:
                del self._keyframe_jpegs[name]
        await self.packets.sync_devices(current.values())
        await self.motion.sync(current.values())

    async def close(self) -> None:
        await self.motion.close()
        for key, up in list(self._upstreams.items()):
            del self._upstreams[key]
            await up.close(NotFound(f"{key[0]}: streaming stopped", device=key[0]))
        await self.video.close()
        await self.packets.close()
        await self.decoders.close()
        for job in list(self._jobs):
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job
