"""A camera stream of the packet hub as a *feed* (:mod:`camhub.media.types`): what
camhub's RTSP server and the recorder read, over the same single upstream as every
other viewer of the camera. No decoding happens here.

It is an :class:`~camhub.media.types.AudioFeed` too: the camera's sound, when the
connection carries one, for whoever also reads its video (listening alone does not
hold the camera)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from camhub.errors import CamhubError, Unsupported
from camhub.media.types import AccessUnit, AudioInfo, AudioUnit, VideoInfo
from camhub.streams.packets import PacketHub, Profile


class PacketFeed:
    def __init__(
        self,
        packets: PacketHub,
        name: str,
        profile: Profile = "main",
        fallback: Callable[[], AsyncIterator[AccessUnit]] | None = None,
        fallback_audio: Callable[[], AsyncIterator[AudioUnit]] | None = None,
    ) -> None:
        """``fallback``: access units to give instead when the camera has no H.264
        (an MJPEG camera, encoded); without one such a feed is empty (LookupError).
        ``fallback_audio``: the sound of such a camera (its WAV), if it has one."""
        self.packets = packets
        self.name = name
        self.profile: Profile = profile
        self.fallback = fallback
        self.fallback_audio = fallback_audio

    async def video_info(self) -> VideoInfo:
        try:
            consumer = await self.packets.subscribe(self.name, self.profile)
        except CamhubError as exc:
            raise LookupError(exc.message) from None
        try:
            info, _ = await consumer.get()
        except CamhubError as exc:
            raise LookupError(exc.message) from None
        finally:
            consumer.close()  # the packet hub keeps the camera a grace period
        return info.video

    async def subscribe(self) -> AsyncIterator[AccessUnit]:
        try:
            consumer = await self.packets.subscribe(self.name, self.profile)
        except Unsupported:
            if self.fallback is None:
                raise
            async for unit in self.fallback():
                yield unit
            return
        try:
            while True:
                try:
                    _, unit = await consumer.get()
                except CamhubError:
                    if consumer.final:
                        return
                    continue  # the packet hub reconnects to the camera
                yield unit
        finally:
            consumer.close()

    async def audio_info(self) -> AudioInfo | None:
        """The sound of the connection now open (None without one, or with no
        connection: ask after :meth:`video_info`)."""
        try:
            profile = await self.packets.check(self.name, self.profile)
        except CamhubError:
            return None
        source = self.packets.sources.get((self.name, profile))
        return source.audio.info if source is not None else None

    async def subscribe_audio(self) -> AsyncIterator[AudioUnit]:
        """The camera's sound as it comes; ends when the stream ends for good (or
        at once for a camera without H.264, unless it has ``fallback_audio``)."""
        try:
            profile = await self.packets.check(self.name, self.profile)
        except Unsupported:
            if self.fallback_audio is not None:
                async for unit in self.fallback_audio():
                    yield unit
            return
        except CamhubError:
            return
        consumer = self.packets.source(self.name, profile).audio.subscribe()
        try:
            while True:
                try:
                    yield await consumer.get()
                except CamhubError:
                    if consumer.final:
                        return
        finally:
            consumer.close()
