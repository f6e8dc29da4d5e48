"""H.264 passthrough outputs: fMP4 for MSE and ``stream.mp4``, and HLS.

No video decoding anywhere here (the camera's sound, if any, is made AAC once per
feed by :mod:`camhub.streams.live_sound` and rides in the same messages). One
:class:`Fmp4Feed` per camera stream muxes each access unit once
(:mod:`camhub.streams.fmp4`) and hands the very same fragment bytes to every viewer:
WebSocket (MSE) viewers, ``stream.mp4`` downloads and the HLS segmenter
(:mod:`camhub.streams.hls`). A feed is one consumer of the packet hub; it starts with
its first viewer and stops with its last (the packet hub's grace period
keeps the camera connection, and its GOP, for a viewer who comes right back).

A viewer starts on a keyframe (at once with the current GOP when the stream runs);
a slow viewer skips to the next keyframe (its decode timeline then jumps, which MSE
in ``sequence`` mode and players take in their stride). When the camera changes its
parameter sets (a new resolution), fragments carry a new :class:`Init`.
"""

from __future__ import annotations

import asyncio

from camhub.errors import CamhubError
from camhub.media.aac import encodable
from camhub.media.types import AccessUnit, StreamInfo
from camhub.streams.fanout import Consumer, Fanout
from camhub.streams.fmp4 import SOUND_CODECS, Fmp4Writer, Fragment, Init
from camhub.streams.hls import HlsStream
from camhub.streams.live_sound import LiveSound
from camhub.streams.nal import codecs_string
from camhub.streams.packets import PacketHub, Profile, Unit


class Fmp4Feed:
    """One camera stream as fMP4 fragments, muxed once for every viewer."""

    def __init__(self, outputs: VideoOutputs, name: str, profile: Profile) -> None:
        self.outputs = outputs
        self.name = name
        self.profile = profile
        self.source = outputs.packets.source(name, profile)
        self.fanout: Fanout[Fragment] = Fanout(on_empty=self._empty)
        self.init: Init | None = None
        self.fragments = 0
        self._writer: Fmp4Writer | None = None
        self._consumer: Consumer[Unit] = self.source.subscribe()
        self._sound: LiveSound | None = None
        self._sound_offset: int | None = None  # a sound unit's pts -> track time
        self._task = asyncio.create_task(self._run(), name=f"camhub-fmp4-{name}")
        self._sound_task = asyncio.create_task(self._listen(), name=f"camhub-fmp4-sound-{name}")

    @property
    def running(self) -> bool:
        return not self._task.done()

    def subscribe(self) -> Consumer[Fragment]:
        return self.fanout.subscribe()

    def known_codecs(self) -> str | None:
        """The MSE codecs string, when the stream's description is known already (the
        camera answered, or was seen before); else None."""
        info = self.source.info or self.outputs.packets.known.get((self.name, self.profile))
        if info is None:
            return None
        return codecs_string(info.sps) + (SOUND_CODECS if _has_sound(info) else "")

    def _empty(self) -> None:
        self.stop()

    def stop(self) -> None:
        self._task.cancel()
        self._sound_task.cancel()
        self._consumer.close()
        self.outputs._forget(self)

    async def _run(self) -> None:
        try:
            while True:
                try:
                    info, unit = await self._consumer.get()
                except CamhubError as exc:
                    self.fanout.fail(exc, final=self._consumer.final)
                    if self._consumer.final:
                        return
                    continue
                self.fanout.publish(self._mux(info, unit), unit.keyframe)
        finally:
            self._consumer.close()
            self._sound_task.cancel()

    def _mux(self, info: StreamInfo, unit: AccessUnit) -> Fragment:
        writer = self._writer
        if writer is None or writer.info != info:
            start = writer.next_decode_time if writer is not None else 0
            sound = self._sound = LiveSound(info.audio) if _has_sound(info) and info.audio else None
            track = sound.track if sound is not None else None
            writer = self._writer = Fmp4Writer(info, decode_time=start, sound=track)
            self.init = Init(writer.init, writer.codecs, info)
        assert self.init is not None
        data = writer.fragment(unit)
        sound = self._sound
        if sound is not None:  # the sound up to this picture (less the latency)
            rate = sound.rate
            self._sound_offset = (writer.decode_time - unit.pts_90k) * rate // 90_000
            at, frames = sound.pull(writer.decode_time * rate // 90_000)
            if frames:
                data += writer.sound_fragment(at, frames)
        self.fragments += 1
        return Fragment(data, unit.keyframe, writer.decode_time, self.init)

    async def _listen(self) -> None:
        """The camera's sound, into the track of the fMP4 being written."""
        consumer = self.source.audio.subscribe()
        try:
            while True:
                try:
                    unit = await consumer.get()
                except CamhubError:
                    if consumer.final:
                        return
                    continue
                sound, offset = self._sound, self._sound_offset
                if sound is not None and offset is not None:
                    sound.add(unit, offset)
        finally:
            consumer.close()


def _has_sound(info: StreamInfo) -> bool:
    """Whether the fMP4 of this stream carries a sound track (AAC made of its sound)."""
    return info.audio is not None and encodable(info.audio)


class VideoOutputs:
    """The fMP4 feeds and HLS streams of every camera stream being watched."""

    def __init__(self, packets: PacketHub) -> None:
        self.packets = packets
        self.feeds: dict[tuple[str, Profile], Fmp4Feed] = {}
        self.hls: dict[tuple[str, Profile], HlsStream] = {}

    async def subscribe(
        self, name: str, profile: Profile = "main"
    ) -> tuple[Fmp4Feed, Consumer[Fragment]]:
        """A viewer of ``name``'s fMP4; Unsupported (422) when it has no H.264."""
        profile = await self.packets.check(name, profile)
        feed = self.feed(name, profile)
        return feed, feed.subscribe()

    def feed(self, name: str, profile: Profile) -> Fmp4Feed:
        feed = self.feeds.get((name, profile))
        if feed is None or not feed.running:
            feed = self.feeds[(name, profile)] = Fmp4Feed(self, name, profile)
        return feed

    async def hls_stream(self, name: str, profile: Profile = "main") -> HlsStream:
        """The HLS window of ``name`` (started now if nobody was watching)."""
        profile = await self.packets.check(name, profile)
        stream = self.hls.get((name, profile))
        if stream is None or not stream.running:
            feed = self.feed(name, profile)
            stream = self.hls[(name, profile)] = HlsStream(
                feed.subscribe(), self._forget, name, profile
            )
        stream.touch()
        return stream

    def _forget(self, item: Fmp4Feed | HlsStream) -> None:
        table: dict[tuple[str, Profile], Fmp4Feed] | dict[tuple[str, Profile], HlsStream]
        table = self.feeds if isinstance(item, Fmp4Feed) else self.hls
        key = (item.name, item.profile)
        if table.get(key) is item:
            del table[key]

    def viewer_count(self, name: str) -> int:
        """fMP4 viewers (WebSocket, stream.mp4) and HLS players of ``name``."""
        # an HLS stream is one consumer of its feed: it counts as one viewer
        return sum(len(f.fanout.consumers) for (n, _), f in self.feeds.items() if n == name)

    async def close(self) -> None:
        for stream in list(self.hls.values()):
            await stream.close()
        for feed in list(self.feeds.values()):
            feed.stop()
            await asyncio.gather(feed._task, feed._sound_task, return_exceptions=True)
