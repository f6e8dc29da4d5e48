"""The one connection camhub holds to a camera, however many viewers it has.

An :class:`Upstream` runs while it has viewers (plus a short grace period after the
last one leaves, so a page reload does not reconnect to the camera). It reads the
camera's MJPEG stream -- or, for a camera with stills only, polls its snapshot -- and
publishes each frame as the *latest frame*: viewers await the next one, and a viewer
that is busy simply finds a newer frame when it comes back. Nothing is queued.

For an H.264 camera (an :class:`RtspSource` or :class:`MpegTsSource`) the upstream is
one consumer of the camera's packet hub stream (:mod:`camhub.streams.packets`) and
feeds a decoder process (:mod:`camhub.streams.decoders`) that hands back JPEGs at the
rate its viewers want: the decoder lives exactly as long as the upstream, so while
nobody needs pixels, nothing decodes. An upstream reads the camera's ``main`` stream,
or its ``sub`` stream when its viewers need no more than that.

When the camera drops, the reader reconnects with backoff; viewers keep waiting on the
same upstream and resume without noticing more than a pause. A device that wants to know
how its stream goes (:class:`StreamObserver`) hears of every change: a camera that serves
one client can then answer ``poll`` from the stream instead of a second connection.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from camhub.capabilities import (
    H264_SOURCES,
    Capability,
    HttpSource,
    SnapshotDriver,
    StreamDriver,
)
from camhub.clock import now_ms
from camhub.drivers.base import Device
from camhub.drivers.http import STILL_LIMIT, Body, open_source, status_error
from camhub.drivers.multipart import SOI, read_frames
from camhub.errors import (
    CamhubError,
    DeviceError,
    DeviceUnreachable,
    Unsupported,
)
from camhub.streams.frames import Frame
from camhub.streams.packets import Profile, source_of
from camhub.streams.ports import UpstreamHost
from camhub.streams.source_life import SourceLife

if TYPE_CHECKING:
    from camhub.streams.decoders import DecodeWorker

log = logging.getLogger("camhub.streams")

STALL_TIMEOUT = 15.0  # no complete frame for this long: the camera is gone, reconnect
SNAPSHOT_POLL_FPS = 2.0
DECODE_QUALITY = 85  # of the JPEGs a decoder makes (viewers may ask for their own)


@runtime_checkable
class StreamObserver(Protocol):
    """A device that hears how the stream hub's connection to it goes.

    Called with ``running=True`` when the hub starts (or retries) the connection, again
    once frames flow (``error`` None) and after each failure (``error`` set); with
    ``running=False`` when the hub lets go. Drivers implement it by defining the method.
    """

    def stream_status(self, running: bool, error: CamhubError | None) -> None: ...


class Upstream(SourceLife[UpstreamHost]):
    """One camera's frames for its viewers (its life: :mod:`camhub.streams.source_life`)."""

    task_name = "camhub-upstream"
    log = log  # the module's logger

    def __init__(self, name: str, hub: UpstreamHost, profile: Profile = "main") -> None:
        super().__init__(hub, name)
        self.profile: Profile = profile
        self.viewers = 0
        self.via_packets = False  # an H.264 camera: frames come from a decoder process
        self._rates: dict[float | None, int] = {}  # fps asked by viewers -> how many
        self.latest: Frame | None = None
        self.closed: CamhubError | None = None  # set for good when the device goes away
        self.device: Device | None = None  # the object the reader connected with
        self.connects = 0
        self._seq = 0
        self._event = asyncio.Event()
        self._restart = False
        self._flowing = False  # a frame came since the last (re)connect
        self._body: Body | None = None  # the camera's reply being read

    # viewers -----------------------------------------------------------------------
    @property
    def wanted_fps(self) -> float | None:
        """The highest rate a viewer asked for; None when one wants every frame."""
        if not self._rates or None in self._rates:
            return None
        return max(r for r in self._rates if r is not None)

    def attach(self, fps: float | None = None) -> None:
        self.viewers += 1
        self._rates[fps] = self._rates.get(fps, 0) + 1
        if not self.running:
            self.error = None
        self._start()

    def detach(self, fps: float | None = None) -> None:
        self.viewers -= 1
        left = self._rates.get(fps, 0) - 1
        if left > 0:
            self._rates[fps] = left
        else:
            self._rates.pop(fps, None)
        if self.viewers <= 0:
            self._left()

    def _in_use(self) -> bool:
        return self.viewers > 0

    async def wait_next(self, after_seq: int) -> Frame:
        """The latest frame if newer than ``after_seq``, else the next one."""
        while True:
            if self.closed is not None:
                raise self.closed
            frame = self.latest
            if frame is not None and frame.seq > after_seq:
                return frame
            await self._event.wait()

    def _wake(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    def publish(self, jpeg: bytes) -> None:
        self._seq += 1
        self.latest = Frame(self._seq, jpeg, now_ms())
        self.error = None
        if not self._flowing:
            self._flowing = True
            self._tell(self.device, True, None)
        self._wake()

    def _tell(self, device: Device | None, running: bool, error: CamhubError | None) -> None:
        if isinstance(device, StreamObserver):
            try:
                device.stream_status(running, error)
            except Exception:  # a driver bug must not stop the video
                log.exception("%s: stream_status failed", self.name)

    # lifecycle ---------------------------------------------------------------------
    def reconnect(self) -> None:
        """Drop the camera connection and open a new one (the device was replaced)."""
        self._restart = True
        if self._body is not None:
            self._body.close()

    def _close_for_good(self, reason: CamhubError) -> None:
        self.closed = reason
        self._wake()

    # the reader ----------------------------------------------------------------------
    async def _connect(self) -> None:
        self._restart = False
        device = self.hub.get_device(self.name)
        if self.device is not device:
            self._tell(self.device, False, None)  # replaced by a reload
        self.device = device
        self._flowing = False
        self._tell(device, True, self.error)
        self.connects += 1
        if Capability.STREAM in device.capabilities:
            source = await source_of(device, self.profile)
            if source is None:
                streams = device.need(Capability.STREAM, StreamDriver)
                source = await streams.stream_source()
            if isinstance(source, H264_SOURCES):
                await self._read_h264()
            elif await self._read_stream(device, source):
                return  # a still, not a stream: read it again (paced)
        elif Capability.SNAPSHOT in device.capabilities:
            await self._poll_snapshots(device)
        else:
            raise Unsupported(f"{self.name} has no stream or snapshot")
        raise DeviceUnreachable(f"{self.name}: the stream ended", device=self.name)

    def _progress(self) -> int:
        return self._seq

    def _gave_up(self, error: CamhubError) -> None:
        self._wake()

    def _lost(self, error: CamhubError) -> None:
        self._tell(self.device, True, error)
        self._wake()

    def _let_go(self) -> None:
        self._tell(self.device, False, None)
        self.latest = None
        self.device = None

    async def _read_stream(self, device: Device, source: HttpSource) -> bool:
        """Publish the frames of ``source``; True when it was a still, read in full.

        Through the one bounded reader (:mod:`camhub.drivers.http`): a still is read
        whole within the device timeout and :data:`STILL_LIMIT`; a stream must bring a
        complete frame every :data:`STALL_TIMEOUT` seconds (or the device timeout, if
        longer), with at most one frame's worth of bytes buffered.
        """
        timeout = device.config.timeout
        async with open_source(self.hub.http, source, device=self.name, timeout=timeout) as body:
            self._body = body
            try:
                if body.status != 200:
                    raise status_error(body.status, self.name)
                if body.content_type.startswith("image/"):
                    jpeg = await body.read(STILL_LIMIT, within=timeout)
                    if jpeg[:2] != SOI:
                        msg = f"{self.name}: the camera sent no JPEG"
                        raise DeviceError(msg, device=self.name)
                    self.publish(jpeg)
                else:
                    async for jpeg in read_frames(body, within=max(STALL_TIMEOUT, timeout)):
                        self.publish(jpeg)
                    return False
            finally:
                self._body = None
        await asyncio.sleep(1.0 / SNAPSHOT_POLL_FPS)  # a still URL: poll it
        return True

    async def _read_h264(self) -> None:
        """Decode the camera's H.264 in a worker process; publish its JPEGs."""
        consumer = await self.hub.packets.subscribe(self.name, self.profile)
        self.via_packets = True
        worker = await self.hub.decoders.spawn()
        pump = asyncio.create_task(self._pump(worker), name=f"camhub-decode-{self.name}")
        try:
            fps = self.wanted_fps
            await worker.configure(fps, DECODE_QUALITY)
            while True:
                try:
                    info, unit = await consumer.get()
                except CamhubError as exc:
                    if consumer.final:
                        raise
                    self._failed(exc)  # the packet hub reconnects; keep waiting
                    continue
                if pump.done():
                    pump.result()  # the decoder process died: raise why
                if self.wanted_fps != fps:
                    fps = self.wanted_fps
                    await worker.configure(fps, DECODE_QUALITY)
                await worker.feed(info, unit)
        finally:
            pump.cancel()
            consumer.close()
            self.via_packets = False
            await self.hub.decoders.stop(worker)

    async def _pump(self, worker: DecodeWorker) -> None:
        while True:
            _, jpeg = await worker.next_jpeg()
            self.publish(jpeg)

    def _failed(self, exc: CamhubError) -> None:
        self.error = exc
        self._flowing = False
        self._tell(self.device, True, exc)
        self._wake()

    async def _poll_snapshots(self, device: Device) -> None:
        interval = 1.0 / SNAPSHOT_POLL_FPS
        loop = asyncio.get_running_loop()
        while not self._restart:
            started = loop.time()
            jpeg = await device.need(Capability.SNAPSHOT, SnapshotDriver).snapshot()
            if jpeg[:2] == SOI:
                self.publish(jpeg)
            await asyncio.sleep(max(0.0, interval - (loop.time() - started)))
