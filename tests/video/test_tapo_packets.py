"""The packet hub reading a Tapo camera's port-8800 stream (no camera account): the
stream's own failures reach consumers as the right camhub errors, once, and the
stream resumes when the camera does."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp

from camhub.config import DeviceConfig
from camhub.drivers.base import DeviceContext
from camhub.drivers.tapo.camera import TapoCameraDevice
from camhub.drivers.tapo.camera_options import TapoCameraOptions
from camhub.errors import DeviceAuthError, DeviceTimeout, DeviceUnreachable
from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.video.conftest import VideoRig
from tests.video.test_packets import first_error, units

CLOUD = "cloud-secret-7"


@contextlib.asynccontextmanager
async def tapo(rig: VideoRig, http: aiohttp.ClientSession) -> AsyncIterator[TapoCameraEmulator]:
    opts = SimOptions(
        password=CLOUD, media_port=0,
        extra={"main_size": "320x180", "sub_size": "160x90", "detection_period": 0},
    )  # fmt: skip
    emu = TapoCameraEmulator(opts)
    await emu.start()
    try:
        config = DeviceConfig(name="cam", kind="tapo-camera", host="127.0.0.1", port=emu.port)
        ctx = DeviceContext(
            http=http, emit=lambda e: None, data_dir=rig.data_dir, username="admin",
            password=CLOUD, options=TapoCameraOptions(media_port=emu.media_port),
        )  # fmt: skip
        device = TapoCameraDevice(config, ctx)
        await device.connect()
        rig.devices["cam"] = device
        yield emu
    finally:
        await rig.hub.close()
        await emu.stop()


async def test_a_stall_is_a_timeout_then_the_stream_resumes(
    rig: VideoRig, http: aiohttp.ClientSession
) -> None:
    rig.hub.packets.keyframe_timeout = 30  # so the stall timeout (1.5 s) is what fires
    async with tapo(rig, http) as emu:
        consumer = await rig.hub.packets.subscribe("cam")
        info, unit = (await units(consumer, 3))[0]
        assert (info.width, info.height) == (320, 180) and unit.keyframe
        emu.set_fault("media-stall")
        assert isinstance(await first_error(consumer), DeviceTimeout)
        emu.set_fault("media-stall", False)
        (_, unit), *_ = await units(consumer, 3)
        assert unit.keyframe
        consumer.close()


async def test_a_dropped_stream_is_one_error_then_resumes_on_a_new_login(
    rig: VideoRig, http: aiohttp.ClientSession
) -> None:
    async with tapo(rig, http) as emu:
        consumer = await rig.hub.packets.subscribe("cam")
        await units(consumer, 3)
        emu.set_fault("media-drop")
        error = await first_error(consumer)
        assert isinstance(error, DeviceUnreachable) and "ended the stream" in str(error)
        await units(consumer, 3)
        assert emu.sim_state()["media"]["logins"] == 2
        consumer.close()


async def test_a_changed_cloud_password_is_an_auth_error_without_the_secret(
    rig: VideoRig, http: aiohttp.ClientSession
) -> None:
    async with tapo(rig, http) as emu:
        device = rig.devices["cam"]
        assert isinstance(device, TapoCameraDevice)
        device._cloud_password = "old-secret-3"  # the app changed it since
        consumer = await rig.hub.packets.subscribe("cam", "sub")
        error = await first_error(consumer)
        assert isinstance(error, DeviceAuthError) and error.code == 401
        text = f"{error} {error.payload()}"
        assert "old-secret-3" not in text and CLOUD not in text
        device._cloud_password = CLOUD
        info, _ = (await units(consumer, 2))[0]
        assert (info.width, info.height) == (160, 90)  # VGA: stream2
        assert emu.sim_state()["media"]["streaming"] == ["VGA"]
        consumer.close()
