"""The packet hub: one connection per camera stream, H.264 to any number of consumers.

    consumer = await hub.packets.subscribe("porch")          # or profile="sub"
    info, unit = await consumer.get()                         # StreamInfo, AccessUnit
    consumer.close()

A :class:`PacketSource` exists per (camera, ``main`` | ``sub``). The first consumer
starts it; ``grace`` seconds after the last one leaves, it lets the camera go. Its
reader (:mod:`camhub.streams.rtsp_reader`: RTSP, or the MPEG-TS of a driver's own
client such as the Tapo port-8800 stream) runs in a thread and only demuxes:
passthrough consumers (fMP4, HLS, an RTSP server) cost no decoding at all.

Each connection publishes from its first keyframe on; a new consumer gets the current
GOP at once (so a picture can be shown without waiting for the next keyframe), each
consumer has a bounded queue and a slow one skips to the next keyframe
(:mod:`camhub.streams.fanout`). When the camera fails, consumers hear the error once
and stay; the source reconnects with backoff. A camera that sends no keyframe for
``keyframe_timeout`` seconds (garbage, a wedged encoder) counts as failed, so a
stream can never hang silently. New parameter sets (a resolution change) give a new
:class:`StreamInfo`, which consumers see with the first unit it describes. The
camera's sound, if any, is beside the video (:attr:`PacketSource.audio`, see
:mod:`camhub.streams.audio_track`): video consumers never see it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterable
from typing import Literal

from camhub.capabilities import (
    H264_SOURCES,
    Capability,
    MediaSource,
    MpegTsSource,
    RtspSource,
    StreamDriver,
)
from camhub.drivers.base import Device
from camhub.errors import CamhubError, DeviceError, NotFound, Unsupported
from camhub.media.types import AccessUnit, AudioInfo, StreamInfo
from camhub.streams.audio_track import AudioTrack
from camhub.streams.fanout import Consumer, Fanout
from camhub.streams.nal import Sps, parameter_sets, parse_sps, pps_id, valid_idr
from camhub.streams.rtsp_reader import Item, RtspReader, info_from
from camhub.streams.source_life import SourceLife

log = logging.getLogger("camhub.streams.packets")

Profile = Literal["main", "sub"]
Unit = tuple[StreamInfo, AccessUnit]

STALL_TIMEOUT = 10.0  # no packet for this long: the camera is gone
KEYFRAME_TIMEOUT = 20.0  # no keyframe for this long: nothing decodable comes


async def source_of(device: Device, profile: Profile) -> MediaSource | None:
    """Where ``device`` streams ``profile``; None for a sub-stream it does not have."""
    if profile == "sub":
        sub = getattr(device, "substream_source", None)
        if sub is None:
            return None
        found: MediaSource | None = await sub()
        return found
    return await device.need(Capability.STREAM, StreamDriver).stream_source()


class PacketSource(SourceLife["PacketHub"]):
    """One camera stream, read once for every consumer.

    Its life (started by the first consumer, let go after the grace period, reconnected
    with backoff) is :mod:`camhub.streams.source_life`'s.
    """

    task_name = "camhub-packets"
    log = log  # the module's logger

    def __init__(self, hub: PacketHub, name: str, profile: Profile) -> None:
        super().__init__(hub, name)
        self.profile = profile
        self.fanout: Fanout[Unit] = Fanout(on_empty=self._left)
        self.audio = AudioTrack(name)
        self.info: StreamInfo | None = None
        self.device: Device | None = None
        self.connects = 0
        self.units = 0
        self.rejected = 0  # "keyframes" that were not real IDR pictures (garbage)
        self._sps: tuple[Sps, int] | None = None  # parsed SPS and PPS id of ``info``
        self.opened_in: float | None = None  # seconds the last open took
        self._reader: RtspReader | None = None
        self._ended: asyncio.Future[CamhubError | None] | None = None
        self._keyed = False  # this connection sent its first keyframe
        self._last_key = 0.0
        self.described = asyncio.Event()  # set once ``info`` is known

    @property
    def latest_keyframe(self) -> Unit | None:
        gop = self.fanout.gop
        return gop[0] if gop else None

    # consumers ----------------------------------------------------------------------
    def subscribe(self, prime: bool = True) -> Consumer[Unit]:
        consumer = self.fanout.subscribe(prime=prime)
        self._start()
        return consumer

    def _in_use(self) -> bool:
        return bool(self.fanout.consumers)

    def reconnect(self) -> None:
        """Let go of the camera and connect again (the device was reconfigured)."""
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(None)

    def _close_for_good(self, reason: CamhubError) -> None:
        self.fanout.fail(reason, final=True)
        self.audio.fail(reason)

    # the connection -------------------------------------------------------------------
    async def _connect(self) -> None:
        device = self.hub.get_device(self.name)
        self.device = device
        source = await source_of(device, self.profile)
        if not isinstance(source, H264_SOURCES):
            raise Unsupported(f"{self.name} has no H.264 stream", device=self.name)
        self.connects += 1
        await self._read(source, device.config.timeout)
        self._backoff.reset()  # a reconnect was asked for: no error, no wait

    def _progress(self) -> int:
        return self.units

    def _gave_up(self, error: CamhubError) -> None:
        self.fanout.fail(error, final=True)

    def _lost(self, error: CamhubError) -> None:
        self.fanout.fail(error)

    def _let_go(self) -> None:
        self._drop_reader()
        self.device = None
        self.fanout.gop = []  # never replay old pictures to the next viewer

    def _drop_reader(self) -> None:
        if self._reader is not None:
            self._reader.stop()
            self._reader = None
        self._ended = None

    async def _read(self, source: RtspSource | MpegTsSource, open_timeout: float) -> None:
        """Read until the connection fails (raise) or a reconnect is asked (return)."""
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[CamhubError | None] = loop.create_future()
        started = loop.time()
        reader: RtspReader

        def post(item: Item) -> None:  # runs in the reader thread
            loop.call_soon_threadsafe(self._on_item, reader, item, started)

        reader = RtspReader(
            self.name,
            source,
            post,
            open_timeout=open_timeout,
            stall_timeout=self.hub.stall_timeout,
            wants_audio=self.audio.wanted,
        )
        self.audio.reset()
        self._reader, self._ended = reader, ended
        self._keyed = False
        self._last_key = started + open_timeout  # the open has its own timeout
        reader.start()
        try:
            while True:
                wait = self._last_key + self.hub.keyframe_timeout - loop.time()
                if wait <= 0:
                    msg = (
                        f"{self.name}: no picture (no H.264 keyframe in "
                        f"{self.hub.keyframe_timeout:g} s)"
                    )
                    raise DeviceError(msg, device=self.name)
                # look again at least every second; asyncio.wait, not wait_for: on 3.11
                # wait_for swallows a cancel that comes as ``ended`` completes, and the
                # source then never stops (close() waited for ever); and the error is
                # raised outside any wait: a DeviceTimeout is a TimeoutError too, and
                # must end this connection, not be taken for the wait's own timeout
                done, _ = await asyncio.wait((ended,), timeout=min(wait, 1.0))
                if done:
                    error = ended.result()
                    if error is None:
                        return
                    raise error
        finally:
            self._drop_reader()

    def _on_item(self, reader: RtspReader, item: Item, started: float) -> None:
        if reader is not self._reader or self._ended is None:
            return  # from a connection already let go
        if isinstance(item, AccessUnit):
            self._unit(item)
        elif isinstance(item, tuple):
            self.audio.publish(item)
        elif isinstance(item, AudioInfo):
            self.audio.describe(item)
        elif isinstance(item, CamhubError):
            if not self._ended.done():
                self._ended.set_result(item)
        else:
            self.opened_in = asyncio.get_running_loop().time() - started
            log.debug("%s: %s stream open in %.3f s", self.name, self.profile, self.opened_in)
            if item is not None:
                self._set_info(item)

    def _set_info(self, info: StreamInfo) -> None:
        info = dataclasses.replace(info, audio=self.audio.info)
        if info != self.info:
            if self.info is not None:
                log.info(
                    "%s: %s stream is now %dx%d", self.name, self.profile, info.width, info.height
                )
            self.info = info
            self._sps = None
            self.hub.known[(self.name, self.profile)] = info
            self.described.set()

    def _valid_keyframe(self, unit: AccessUnit) -> bool:
        if self.info is None:
            return False
        if self._sps is None:
            try:
                self._sps = (parse_sps(self.info.sps), pps_id(self.info.pps))
            except ValueError:
                return False
        return valid_idr(unit.data, *self._sps)

    def _unit(self, unit: AccessUnit) -> None:
        if unit.keyframe:
            sps, pps = parameter_sets(unit.data)
            if sps is not None and pps is not None:
                current = self.info
                if current is None or current.sps != sps or current.pps != pps:
                    try:
                        self._set_info(info_from(sps, pps, current.fps if current else None))
                    except ValueError:
                        log.info("%s: unreadable SPS ignored", self.name)
            if not self._valid_keyframe(unit):
                self.rejected += 1
                return  # garbage that looked like a keyframe: drop it
            self._keyed = True
            self._last_key = asyncio.get_running_loop().time()
        if not self._keyed or self.info is None:
            return  # nothing before a connection's first keyframe can be decoded
        self.error = None
        self.units += 1
        self.fanout.publish((self.info, unit), unit.keyframe)


class PacketHub:
    """Every :class:`PacketSource`, keyed by camera and profile."""

    def __init__(
        self,
        get_device: Callable[[str], Device],
        *,
        grace: float = 3.0,
        stall_timeout: float = STALL_TIMEOUT,
        keyframe_timeout: float = KEYFRAME_TIMEOUT,
    ) -> None:
        self.get_device = get_device
        self.grace = grace
        self.stall_timeout = stall_timeout
        self.keyframe_timeout = keyframe_timeout
        self.sources: dict[tuple[str, Profile], PacketSource] = {}
        # the last description seen per stream, kept after it stops (to pick sub or main)
        self.known: dict[tuple[str, Profile], StreamInfo] = {}

    async def resolve(self, device: Device, profile: Profile) -> Profile:
        """``sub`` when the device has a sub-stream, else ``main``."""
        if profile == "sub" and await source_of(device, "sub") is None:
            return "main"
        return profile

    async def check(self, name: str, profile: Profile = "main") -> Profile:
        """The profile ``name`` will stream; Unsupported (422) when it has no H.264."""
        device = self.get_device(name)
        if Capability.STREAM not in device.capabilities:
            raise Unsupported(f"{name} does not support stream", device=name)
        profile = await self.resolve(device, profile)
        if not isinstance(await source_of(device, profile), H264_SOURCES):
            raise Unsupported(f"{name} has no H.264 stream", device=name)
        return profile

    async def subscribe(self, name: str, profile: Profile = "main") -> Consumer[Unit]:
        """A consumer of ``name``'s H.264 stream; Unsupported (422) when it has none."""
        profile = await self.check(name, profile)
        return self.source(name, profile).subscribe()

    def source(self, name: str, profile: Profile) -> PacketSource:
        ps = self.sources.get((name, profile))
        if ps is None:
            ps = self.sources[(name, profile)] = PacketSource(self, name, profile)
        return ps

    def running(self, name: str) -> list[PacketSource]:
        return [ps for (n, _), ps in self.sources.items() if n == name and ps.running]

    @property
    def connection_count(self) -> int:
        """Camera stream connections held (or being retried) right now."""
        return sum(1 for ps in self.sources.values() if ps.running)

    async def sync_devices(self, devices: Iterable[Device]) -> None:
        current = {d.name: d for d in devices}
        for key, ps in list(self.sources.items()):
            device = current.get(key[0])
            if device is None:
                del self.sources[key]
                self.known.pop(key, None)
                await ps.close(NotFound(f"device {key[0]} was removed", device=key[0]))
            elif ps.device is not None and ps.device is not device:
                ps.reconnect()

    async def close(self) -> None:
        for key, ps in list(self.sources.items()):
            del self.sources[key]
            await ps.close(NotFound(f"{key[0]}: streaming stopped", device=key[0]))
