"""The packet hub carries a camera's sound beside its video, over the one connection:
listeners get it, video consumers never see it (nor pay for it while nobody listens),
and a sound track that floods or lies is turned off while the pictures play on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from camhub.demo import EmulatorThread
from camhub.media.rtsp_server import RtspServer
from camhub.media.types import AccessUnit, AudioInfo, AudioUnit, Feed
from camhub.sim.audio import AvFeed, SoundFeed, SoundSource
from camhub.sim.video import VideoSource
from camhub.streams.audio_gate import MAX_AHEAD, MAX_BAD, MAX_UNIT, AudioGate
from camhub.streams.feeds import PacketFeed
from tests.media.conftest import ClipFeed, make_clip
from tests.video.conftest import VideoRig
from tests.video.test_packets import units

PCMA = AudioInfo("pcm_alaw", 8000, 1)


class Camera:
    """What ``rtsp_device`` needs of a camera: its URL."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.username: str | None = None
        self.password: str | None = None

    def url(self, path: str) -> str:
        return f"rtsp://127.0.0.1:{self.port}/{path}"


class FloodingSound:
    """A sound track that sends 40 ms packets 50 times faster than real time."""

    def __init__(self, video: Feed) -> None:
        self.video = video
        self.sent = 0

    async def video_info(self) -> Any:
        return await self.video.video_info()

    def subscribe(self) -> AsyncIterator[AccessUnit]:
        return self.video.subscribe()

    async def audio_info(self) -> AudioInfo:
        return PCMA

    async def subscribe_audio(self) -> AsyncIterator[AudioUnit]:
        while True:
            for _ in range(20):
                yield AudioUnit(bytes(320), self.sent * 320, PCMA)
                self.sent += 1
            await asyncio.sleep(0.016)


@contextlib.asynccontextmanager
async def camera(rig: VideoRig, feed: Any) -> AsyncIterator[None]:
    """``feed`` served on its own thread and loop, as a camera is another machine."""
    emus = EmulatorThread()
    server = RtspServer({"/stream1": feed}.get)
    try:
        emus.run(server.start())
        rig.add_rtsp("cam", Camera(server.port), sub=False)  # type: ignore[arg-type]
        yield
    finally:
        emus.run(server.stop())
        emus.stop()


@pytest.fixture(scope="module")
def clip() -> list[AccessUnit]:
    return make_clip(frames=30, gop=15)


async def test_listeners_hear_the_camera_and_video_consumers_never_do(
    rig: VideoRig, clip: list[AccessUnit]
) -> None:
    sound = SoundFeed(SoundSource(VideoSource(scene="motion")))
    async with camera(rig, AvFeed(ClipFeed(clip), sound)):
        packets = rig.hub.packets
        viewer = await packets.subscribe("cam")
        got = await units(viewer, 20)
        assert all(isinstance(u, AccessUnit) for _, u in got)
        source = packets.sources[("cam", "main")]
        assert got[-1][0].audio == PCMA, "the stream's description names its sound"
        assert source.audio.units == 0, "nobody listens: the sound stays in the reader"
        feed = PacketFeed(packets, "cam")
        assert await feed.audio_info() == PCMA
        heard: list[AudioUnit] = []
        async with contextlib.aclosing(feed.subscribe_audio()) as listen:
            async for unit in listen:
                heard.append(unit)
                if len(heard) == 25:
                    break
        pts = [u.pts for u in heard]
        assert pts == sorted(pts) and all(u.info == PCMA and len(u.data) == 320 for u in heard)
        assert await units(viewer, 10), "the pictures went on all along"
        viewer.close()


async def test_a_flooding_sound_is_turned_off_and_the_pictures_play_on(
    rig: VideoRig, clip: list[AccessUnit], caplog: pytest.LogCaptureFixture
) -> None:
    flood = FloodingSound(ClipFeed(clip))
    caplog.set_level(logging.WARNING, "camhub.streams.audio")
    async with camera(rig, flood):
        packets = rig.hub.packets
        viewer = await packets.subscribe("cam")
        await units(viewer, 2)
        listener = PacketFeed(packets, "cam").subscribe_audio()
        pull = asyncio.create_task(anext(listener))
        got = await units(viewer, 30)  # two seconds of pictures at their pace
        assert len(got) == 30
        source = packets.sources[("cam", "main")]
        assert "the camera's sound is ignored from now on" in caplog.text
        assert flood.sent > 2 * source.audio.units, "the flood went on; camhub let it go"
        assert source.audio.units * 320 / 8000 <= MAX_AHEAD + 3
        pull.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pull
        await listener.aclose()
        viewer.close()


def test_the_gate_drops_what_lies_and_turns_off_what_floods() -> None:
    gate = AudioGate("cam", PCMA)
    assert gate.admit(bytes(320), 0, 100.0) is not None
    assert gate.admit(bytes(320), 320, 100.04) is not None
    assert gate.admit(bytes(320), 0, 100.08) is None, "from the past"
    assert gate.admit(bytes(MAX_UNIT + 1), 640, 100.1) is None, "too big"
    assert gate.admit(b"", 640, 100.1) is None
    assert gate.off is None and gate.dropped == 3
    assert gate.admit(bytes(320), 640, 100.12) is not None
    for i in range(MAX_BAD):
        gate.admit(bytes(320), 0, 100.2 + i / 1000)
    assert gate.off is not None and "out-of-order" in gate.off
    assert gate.admit(bytes(320), 10_000, 101.0) is None, "off for the rest of the connection"
    fast = AudioGate("cam", PCMA)
    at = 0
    while fast.off is None and at < 10_000:
        fast.admit(bytes(8000), at * 8000, 200.0 + at * 0.01)  # 1 s of sound every 10 ms
        at += 1
    assert fast.off == "sound faster than real time" and fast.admitted <= MAX_AHEAD + 1
