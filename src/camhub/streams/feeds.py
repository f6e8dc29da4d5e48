"""A camera stream of the packet hub as a *feed* (:mod:`camhub.media.types`): what
camhub's RTSP server and the recorder read, over the same single upstream as every
other viewer of the camera. No decoding happens here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from camhub.errors import CamhubError, Unsupported
from camhub.media.types import AccessUnit, VideoInfo
from camhub.streams.packets import PacketHub, Profile


class PacketFeed:
    def __init__(
        self,
        packets: PacketHub,
        name: str,
        profile: Profile = "main",
        fallback: Callable[[], AsyncIterator[AccessUnit]] | None = None,
    ) -> None:
        """``fallback``: access units to give instead when the camera has no H.264
        (an MJPEG camera, encoded); without one such a feed is empty (LookupError)."""
        self.packets = packets
        self.name = name
        self.profile: Profile = profile
        self.fallback = fallback

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
