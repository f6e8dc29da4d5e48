"""StreamHub over real sockets: one camera connection, many viewers."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from camhub.errors import DeviceAuthError, DeviceUnreachable, NotFound
from camhub.sim.video import jpeg_size, jpeg_timestamp
from camhub.streams import VariantKey
from tests.helpers.mjpeg import MjpegCamera
from tests.helpers.wait import until
from tests.streams.conftest import Rig


async def take(viewer: object, n: int) -> list[bytes]:
    out: list[bytes] = []
    async for jpeg in viewer:  # type: ignore[attr-defined]
        out.append(jpeg)
        if len(out) == n:
            break
    return out


async def test_twenty_viewers_hold_one_camera_connection(rig: Rig, camera: MjpegCamera) -> None:
    rig.add_mjpeg("cam", camera)
    async with contextlib.AsyncExitStack() as stack:
        viewers = [await stack.enter_async_context(rig.hub.subscribe("cam")) for _ in range(20)]
        got = await asyncio.gather(*(take(v, 3) for v in viewers))
        assert all(len(frames) == 3 for frames in got)
        assert camera.max_active == 1 and camera.connects == 1
        assert rig.hub.upstream_count == 1
        assert rig.hub.viewer_count("cam") == 20
    # the last viewer left: after the grace period the camera is released
    await until(lambda: camera.active == 0 and rig.hub.upstream_count == 0, what="release")


async def test_a_stuck_viewer_skips_frames_and_slows_nobody(rig: Rig, camera: MjpegCamera) -> None:
    rig.add_mjpeg("cam", camera)
    async with rig.hub.subscribe("cam") as slow, rig.hub.subscribe("cam") as fast:
        first_slow = await slow.next_frame()
        seqs = [(await fast.next_frame()).seq for _ in range(10)]  # slow is not reading
        assert seqs == sorted(set(seqs)) and len(seqs) == 10
        resumed = await slow.next_frame()
        # no backlog: the stuck viewer jumps to the newest frame, it does not replay
        assert resumed.seq >= seqs[-1] > first_slow.seq + 5


async def test_camera_restart_on_same_port_resumes_viewers(rig: Rig, camera: MjpegCamera) -> None:
    rig.add_mjpeg("cam", camera)
    async with rig.hub.subscribe("cam") as viewer:
        before = await take(viewer, 2)
        await camera.stop()
        await camera.start()  # same port
        after = await take(viewer, 3)
        assert camera.connects == 2
        assert jpeg_timestamp(after[-1]) > jpeg_timestamp(before[-1])  # type: ignore[operator]


async def test_snapshot_sizes_are_exact_and_reuse_the_live_frame(
    rig: Rig, camera: MjpegCamera
) -> None:
    rig.add_mjpeg("cam", camera, snapshot_url=f"{camera.url}/image.jpg")
    still = await rig.hub.snapshot("cam")
    assert jpeg_size(still) == (320, 240) and camera.stills == 1
    for size in [(160, 120), (100, 100), (17, 16)]:
        assert jpeg_size(await rig.hub.snapshot("cam", *size, quality=60)) == size
    # Never upscaled: a larger size is made at most as large as the camera's picture.
    assert jpeg_size(await rig.hub.snapshot("cam", 640, 360, quality=60)) == (320, 180)
    assert jpeg_size(await rig.hub.snapshot("cam", 4096, 4096)) == (240, 240)
    assert jpeg_size(await rig.hub.snapshot("cam", width=160)) == (160, 120)
    stills = camera.stills
    async with rig.hub.subscribe("cam") as viewer:
        await take(viewer, 1)
        shot = await rig.hub.snapshot("cam", 80, 60)
        assert jpeg_size(shot) == (80, 60)
        assert camera.stills == stills and camera.max_active == 1  # no extra request


async def test_each_frame_is_encoded_once_per_size_and_quality(
    rig: Rig, camera: MjpegCamera
) -> None:
    rig.add_mjpeg("cam", camera)
    keys = [(160, 120, 50)] * 6 + [(80, 60, None)] * 6 + [(None, None, None)] * 4
    seen: dict[VariantKey, set[int]] = {}
    parts: dict[tuple[VariantKey, int], set[int]] = {}

    async def watch(w: int | None, h: int | None, q: int | None) -> None:
        async with rig.hub.subscribe("cam", w, h, q) as viewer:
            for _ in range(5):
                frame = await viewer.next_frame()
                variant = await rig.hub.variant(frame, viewer.key)
                seen.setdefault(viewer.key, set()).add(frame.seq)
                parts.setdefault((viewer.key, frame.seq), set()).add(id(variant.part))
                if w is not None:
                    assert jpeg_size(variant.jpeg)[0] == w

    await asyncio.gather(*(watch(*k) for k in keys))
    transcoded = sum(len(s) for k, s in seen.items() if not k.is_native)
    assert rig.hub.transcoder.encodes == transcoded
    # every viewer of a (frame, size) was handed the very same part bytes
    assert all(len(ids) == 1 for ids in parts.values())


async def test_digest_auth_camera(rig: Rig) -> None:
    async with MjpegCamera(username="u", password="p4ss", auth="digest") as cam:
        rig.add_mjpeg("cam", cam, auth="digest")
        async with rig.hub.subscribe("cam", 64, 48) as viewer:
            assert jpeg_size((await viewer.first(5)).jpeg) == (64, 48)


async def test_wrong_password_is_a_device_auth_error(rig: Rig) -> None:
    async with MjpegCamera(username="u", password="right") as cam:
        device = rig.add_mjpeg("cam", cam)
        device.ctx.password = "wrong"
        async with rig.hub.subscribe("cam") as viewer:
            with pytest.raises(DeviceAuthError) as err:
                await viewer.first(5)
        assert "wrong" not in str(err.value.payload())


async def test_camera_down_is_unreachable_not_a_hang(rig: Rig) -> None:
    cam = MjpegCamera()
    await cam.start()
    await cam.stop()  # nothing listens on that port any more
    rig.add_mjpeg("cam", cam)
    async with rig.hub.subscribe("cam") as viewer:
        with pytest.raises(DeviceUnreachable) as err:
            await viewer.first(5)
    # the one network-error table (drivers.http): the cause, the peer, never the URL
    assert err.value.message == f"cam: cannot reach 127.0.0.1:{cam.port}: connection refused"


async def test_removed_device_ends_its_viewers(rig: Rig, camera: MjpegCamera) -> None:
    rig.add_mjpeg("cam", camera)
    with pytest.raises(NotFound):
        rig.hub.subscribe("nope")  # validated on open
        await rig.hub.subscribe("nope").open()
    async with rig.hub.subscribe("cam") as viewer:
        await take(viewer, 1)
        del rig.devices["cam"]
        await rig.hub.sync_devices(rig.devices.values())
        with pytest.raises(NotFound):
            await take(viewer, 5)
    await until(lambda: camera.active == 0, what="camera released")


async def test_a_reloaded_device_moves_its_viewers_to_the_new_address(rig: Rig) -> None:
    async with MjpegCamera() as old, MjpegCamera() as new:
        rig.add_mjpeg("cam", old)
        async with rig.hub.subscribe("cam") as viewer:
            await take(viewer, 2)
            rig.add_mjpeg("cam", new)  # the config reload built a new device object
            await rig.hub.sync_devices(rig.devices.values())
            await until(lambda: new.active == 1, what="new camera connected")
            await take(viewer, 3)  # the same viewer keeps playing
            await until(lambda: old.active == 0, what="old camera released")
