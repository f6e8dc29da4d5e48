"""Pixels from H.264 cameras: decoded in worker processes, only while someone needs them."""

from __future__ import annotations

import asyncio
import contextlib

from camhub.sim.video import jpeg_size
from tests.helpers.wait import until
from tests.video.conftest import MAIN, SUB, VideoRig, two_streams
from tests.video.rtsp_camera import RtspCamera, encode_clip


async def frames(viewer: object, n: int, within: float = 15) -> list[bytes]:
    out: list[bytes] = []
    async with asyncio.timeout(within):
        async for jpeg in viewer:  # type: ignore[attr-defined]
            out.append(jpeg)
            if len(out) == n:
                return out
    return out


async def test_mjpeg_viewers_share_one_decoder_and_the_passthrough_connection(
    rig: VideoRig, camera: RtspCamera
) -> None:
    rig.add_rtsp("cam", camera)
    hub = rig.hub
    passthrough = await hub.packets.subscribe("cam")
    await passthrough.get()
    assert hub.decoders.alive == 0  # H.264 viewers alone need no pixels
    async with contextlib.AsyncExitStack() as stack:
        viewers = [await stack.enter_async_context(hub.subscribe("cam")) for _ in range(8)]
        got = await asyncio.gather(*(frames(v, 4) for v in viewers))
        assert all(jpeg_size(j) == MAIN for js in got for j in js)
        assert hub.decoders.alive == 1 and hub.decoders.started == 1
        # a different size is a transcode of the same decoded frame, not a new decoder
        async with hub.subscribe("cam", 480, 270) as other:  # larger than the sub-stream
            assert jpeg_size((await frames(other, 1))[0]) == (480, 270)
        assert hub.decoders.started == 1
        # one connection per camera stream (the sub-stream was asked its size, once)
        assert camera.max_players("stream1") == 1 and camera.max_players("stream2") <= 1
    await until(lambda: hub.decoders.alive == 0, what="decoder stopped")
    passthrough.close()
    await until(lambda: camera.active == 0, what="camera released")


async def test_small_pictures_and_motion_decode_the_sub_stream(
    rig: VideoRig, camera: RtspCamera
) -> None:
    rig.add_rtsp("cam", camera)
    async with rig.hub.subscribe("cam", 320, 180, fps=5) as viewer:
        assert jpeg_size((await frames(viewer, 2))[0]) == SUB
        assert camera.players("stream2") == 1 and camera.players("stream1") == 0
        assert viewer.profile == "sub"
    async with rig.hub.subscribe("cam", 1280, 720) as big:  # more than the sub-stream has
        assert jpeg_size((await frames(big, 1))[0]) == MAIN  # the main stream, never upscaled
        assert big.profile == "main"


async def test_a_viewer_at_a_low_rate_makes_the_decoder_encode_less(
    rig: VideoRig, camera: RtspCamera
) -> None:
    rig.add_rtsp("cam", camera, sub=False)
    async with rig.hub.subscribe("cam", fps=2) as viewer:
        await frames(viewer, 2)
        up = viewer.upstream
        before, t0 = up._seq, asyncio.get_running_loop().time()
        await frames(viewer, 4)
        rate = (up._seq - before) / (asyncio.get_running_loop().time() - t0)
        assert rate < 6  # the camera sends 15 fps; the decoder made about 2 JPEGs a second


async def test_snapshot_without_a_viewer_decodes_one_keyframe(
    rig: VideoRig, camera: RtspCamera
) -> None:
    rig.add_rtsp("cam", camera)
    hub = rig.hub
    assert jpeg_size(await hub.snapshot("cam")) == MAIN
    assert jpeg_size(await hub.snapshot("cam", 200, 100)) == (200, 100)
    assert camera.max_players("stream1") == 1
    await until(lambda: hub.decoders.alive == 0, what="idle decoder stopped")
    await until(lambda: camera.active == 0, what="camera released")


async def test_snapshot_with_a_running_stream_asks_the_camera_nothing(
    rig: VideoRig, camera: RtspCamera
) -> None:
    rig.add_rtsp("cam", camera)
    passthrough = await rig.hub.packets.subscribe("cam")
    await passthrough.get()
    connects = camera.connects
    shots = await asyncio.gather(*(rig.hub.snapshot("cam") for _ in range(5)))
    assert all(jpeg_size(s) == MAIN for s in shots)
    assert camera.connects == connects and camera.max_active == 1
    assert rig.hub.decoders.started == 1  # one decode of that keyframe for all five
    passthrough.close()


async def test_snapshot_of_an_unreachable_camera_is_a_device_error(rig: VideoRig) -> None:
    from camhub.errors import DeviceUnreachable

    cam = RtspCamera()
    await cam.start()
    await cam.stop()
    rig.add_rtsp("cam", cam, sub=False)
    try:
        await rig.hub.snapshot("cam")
    except DeviceUnreachable as exc:
        assert "connection refused" in str(exc)
    else:
        raise AssertionError("a snapshot of a camera that is off succeeded")
    assert rig.hub.decoders.alive == 0


async def test_motion_detection_runs_on_the_sub_stream(rig: VideoRig) -> None:
    clips = {"stream1": encode_clip(*MAIN), "stream2": encode_clip(*SUB)}
    async with RtspCamera(clips) as cam:
        rig.add_rtsp("yard", cam, motion={"fps": 5, "cooldown": 0.0, "min_area": 0.01})
        await rig.hub.sync_devices(rig.devices.values())
        await until(lambda: len(rig.events) >= 2, timeout=20, what="motion events")
        name, event = rig.events[0]
        assert name == "yard" and event.type == "motion"
        saved = rig.data_dir / "snapshots" / event.data["snapshot"]
        assert jpeg_size(saved.read_bytes()) == SUB
        assert cam.players("stream1") == 0 and cam.players("stream2") == 1
        await rig.hub.motion.close()


async def test_a_quiet_h264_scene_raises_no_motion(rig: VideoRig) -> None:
    quiet = {"stream1": encode_clip(*SUB, scene="quiet")}
    async with RtspCamera(quiet) as cam:
        rig.add_rtsp("yard", cam, sub=False, motion={"fps": 5, "cooldown": 0.0})
        await rig.hub.sync_devices(rig.devices.values())
        watcher = rig.hub.motion.watchers["yard"]
        await until(lambda: watcher.frames_analysed >= 15, timeout=20, what="frames")
        assert rig.events == []
        await rig.hub.motion.close()


async def test_a_resolution_change_reaches_jpeg_viewers(rig: VideoRig) -> None:
    async with RtspCamera(two_streams()) as cam:
        rig.add_rtsp("cam", cam, sub=False)
        async with rig.hub.subscribe("cam") as viewer:
            assert jpeg_size((await frames(viewer, 1))[0]) == MAIN
            cam.set_clip("stream1", encode_clip(480, 272))
            async with asyncio.timeout(10):
                while jpeg_size((await frames(viewer, 1))[0]) != (480, 272):
                    pass
