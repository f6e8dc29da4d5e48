"""The packet hub against a real RTSP camera: one connection, bounded consumers, faults."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from camhub.errors import DeviceAuthError, DeviceError, DeviceTimeout, DeviceUnreachable
from camhub.media.types import AccessUnit, StreamInfo
from camhub.streams.fanout import Consumer
from camhub.streams.nal import parse_sps
from tests.helpers.wait import until
from tests.video.conftest import MAIN, PASSWORD, VideoRig
from tests.video.rtsp_camera import RtspCamera, encode_clip

Unit = tuple[StreamInfo, AccessUnit]


async def units(consumer: Consumer[Unit], n: int, within: float = 10) -> list[Unit]:
    out: list[Unit] = []
    async with asyncio.timeout(within):
        while len(out) < n:
            out.append(await consumer.get())
    return out


async def first_error(consumer: Consumer[Unit], within: float = 10) -> Exception:
    async with asyncio.timeout(within):
        while True:
            try:
                await consumer.get()
            except Exception as exc:
                return exc


@pytest.fixture
async def consumer(rig: VideoRig, camera: RtspCamera) -> AsyncIterator[Consumer[Unit]]:
    """A consumer of ``camera``'s main stream, which the hub knows as ``cam``."""
    rig.add_rtsp("cam", camera)
    consumer = await rig.hub.packets.subscribe("cam")
    yield consumer
    consumer.close()


async def test_many_consumers_share_one_connection_and_start_on_a_keyframe(
    rig: VideoRig, camera: RtspCamera
) -> None:
    rig.add_rtsp("cam", camera)
    packets = rig.hub.packets
    consumers = [await packets.subscribe("cam") for _ in range(30)]
    got = await asyncio.gather(*(units(c, 20) for c in consumers))
    for seq in got:
        info, first = seq[0]
        assert first.keyframe and first.data.startswith(b"\x00\x00\x00\x01")
        assert (info.width, info.height) == MAIN and info.codec == "h264"
        assert (parse_sps(info.sps).width, parse_sps(info.sps).height) == MAIN
        pts = [u.pts_90k for _, u in seq]
        assert pts == sorted(pts) and len(set(pts)) == len(pts)
    assert camera.max_active == 1 and camera.plays == 1
    # a late consumer gets the current GOP at once: a picture without waiting
    late = await packets.subscribe("cam")
    assert late.pending > 0
    ((_, unit),) = await units(late, 1, within=0.5)
    assert unit.keyframe
    for c in [*consumers, late]:
        c.close()
    await until(lambda: camera.active == 0, what="camera released after the grace")
    assert packets.connection_count == 0
    # the next viewer gets live pictures from a new connection, never the old GOP
    again = await packets.subscribe("cam")
    assert again.pending == 0
    ((_, unit),) = await units(again, 1)
    assert unit.keyframe and camera.connects == 2
    again.close()


async def test_a_slow_consumer_skips_to_a_keyframe_and_nobody_waits(
    rig: VideoRig, camera: RtspCamera
) -> None:
    rig.add_rtsp("cam", camera)
    slow = await rig.hub.packets.subscribe("cam")
    fast = await rig.hub.packets.subscribe("cam")
    slow.limit = 5  # a viewer whose socket cannot keep up
    got = await units(fast, 45)  # three seconds: slow reads nothing
    assert fast.drops == 0 and len(got) == 45
    assert slow.drops > 20
    ((_, resumed),) = await units(slow, 1)
    assert resumed.keyframe  # it skipped to a keyframe, never to a broken picture
    slow.close()
    fast.close()


async def test_the_camera_closing_gives_one_error_then_the_stream_resumes(
    camera: RtspCamera, consumer: Consumer[Unit]
) -> None:
    await units(consumer, 3)
    camera.drop_clients()
    error = await first_error(consumer)
    assert isinstance(error, DeviceUnreachable) and "ended the stream" in str(error)
    (_, unit), *_ = await units(consumer, 3)
    assert unit.keyframe and camera.connects == 2


async def test_restarting_the_camera_on_the_same_port_resumes(
    camera: RtspCamera, consumer: Consumer[Unit]
) -> None:
    await units(consumer, 3)
    await camera.stop()
    assert isinstance(await first_error(consumer), DeviceError)
    await camera.start()
    await units(consumer, 5)
    assert camera.max_active == 1


async def test_wrong_credentials_are_a_device_auth_error_without_the_secret(
    rig: VideoRig, camera: RtspCamera
) -> None:
    device = rig.add_rtsp("cam", camera)
    device.ctx.password = "wrong-secret"
    consumer = await rig.hub.packets.subscribe("cam")
    error = await first_error(consumer)
    assert isinstance(error, DeviceAuthError) and error.code == 401
    text = f"{error} {error.payload()} {rig.hub.packets.sources[('cam', 'main')].error!r}"
    assert "wrong-secret" not in text and PASSWORD not in text and "stream1" not in text
    device.ctx.password = PASSWORD  # fixed: the retry succeeds
    await units(consumer, 2)
    consumer.close()


async def test_garbage_from_the_camera_is_an_error_then_recovers(
    camera: RtspCamera, consumer: Consumer[Unit]
) -> None:
    await units(consumer, 3)
    camera.fault = "garbage"
    error = await first_error(consumer)
    assert isinstance(error, DeviceError) and "keyframe" in str(error)
    camera.fault = None
    (_, unit), *_ = await units(consumer, 3)
    assert unit.keyframe


async def test_a_stalled_camera_times_out_then_recovers(
    camera: RtspCamera, consumer: Consumer[Unit]
) -> None:
    await units(consumer, 3)
    camera.fault = "stall"
    error = await first_error(consumer)
    assert isinstance(error, DeviceTimeout | DeviceError)
    camera.fault = None
    await units(consumer, 3)


async def test_a_resolution_change_gives_new_stream_info_at_a_keyframe(
    rig: VideoRig, camera: RtspCamera, consumer: Consumer[Unit]
) -> None:
    (info, _), *_ = await units(consumer, 3)
    camera.set_clip("stream1", encode_clip(480, 272))
    async with asyncio.timeout(10):
        while True:
            new, unit = await consumer.get()
            if new != info:
                break
    assert (new.width, new.height) == (480, 272) and unit.keyframe
    assert rig.hub.packets.known[("cam", "main")] == new


async def test_unreachable_camera_and_unknown_path(rig: VideoRig) -> None:
    async with RtspCamera() as cam:
        port = cam.port
        rig.add_rtsp("missing", cam, sub=False, stream_url=cam.url("nope"))
        consumer = await rig.hub.packets.subscribe("missing")
        error = await first_error(consumer)
        assert isinstance(error, DeviceError) and error.code == 404
        consumer.close()
    rig.add_rtsp("off", cam, sub=False)
    consumer = await rig.hub.packets.subscribe("off")
    error = await first_error(consumer)
    assert isinstance(error, DeviceUnreachable)
    assert str(error) == f"off: cannot reach 127.0.0.1:{port}: connection refused"
    consumer.close()


async def test_the_sub_stream_is_its_own_single_connection(
    rig: VideoRig, camera: RtspCamera
) -> None:
    rig.add_rtsp("cam", camera)
    async with contextlib.AsyncExitStack() as stack:
        subs = [await rig.hub.packets.subscribe("cam", "sub") for _ in range(5)]
        for c in subs:
            stack.callback(c.close)
        ((info, _),) = await units(subs[0], 1)
        assert (info.width, info.height) == (320, 180)
        assert camera.players("stream2") == 1 and camera.players("stream1") == 0
    rig.add_rtsp("nosub", camera, sub=False)
    consumer = await rig.hub.packets.subscribe("nosub", "sub")  # falls back to main
    ((info, _),) = await units(consumer, 1)
    assert (info.width, info.height) == MAIN
    consumer.close()


@pytest.mark.parametrize("kind", ["stream", "snapshot"])
async def test_a_device_without_h264_is_unsupported(rig: VideoRig, kind: str) -> None:
    from camhub.errors import Unsupported
    from tests.helpers.mjpeg import MjpegCamera

    async with MjpegCamera() as mjpeg:
        rig.add_mjpeg("m", mjpeg)
        with pytest.raises(Unsupported):
            await rig.hub.packets.subscribe("m")
        with pytest.raises(Unsupported):
            await rig.hub.video.subscribe("m")
