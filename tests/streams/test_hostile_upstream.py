"""The stream hub's one connection to a camera, when the camera is hostile.

The reader must give up on a camera that floods, trickles or never completes a
picture (and say why), hold a bounded number of its bytes, and pick the camera up
again once it behaves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from camhub.config import DeviceConfig
from camhub.drivers import driver_for
from camhub.drivers.base import DeviceContext
from camhub.drivers.http import STILL_LIMIT
from camhub.errors import DeviceError, DeviceTimeout
from camhub.streams import upstream
from tests.faults.hostile import Hostile, hostile
from tests.helpers.wait import until
from tests.streams.conftest import Rig

MiB = 1 << 20
SLACK = 16 * MiB  # socket buffers between the camera and camhub's reads


@pytest.fixture
async def device() -> AsyncIterator[Hostile]:
    async with hostile() as server:
        yield server


def add(rig: Rig, url: str, **cfg: Any) -> None:
    config = DeviceConfig(name="cam", kind="mjpeg", stream_url=url, **cfg)
    ctx = DeviceContext(http=rig.http, emit=lambda e: None, data_dir=rig.data_dir)
    rig.devices["cam"] = driver_for("mjpeg")(config, ctx)


async def test_a_trickling_still_is_timed_out_then_the_camera_recovers(
    rig: Rig, device: Hostile
) -> None:
    device.mode = "trickle"  # a still URL as stream URL: one byte every 0.5 s
    add(rig, device.url + "/still.jpg", timeout=0.3)
    async with rig.hub.subscribe("cam") as viewer:
        up = viewer.upstream
        await until(lambda: isinstance(up.error, DeviceTimeout), what="a timeout")
        assert up.error is not None and up.error.message == "cam did not answer within 0.3 s"
        device.mode = "ok"
        frame = await up.wait_next(0)
    assert frame.jpeg[:2] == b"\xff\xd8"


async def test_a_trickling_stream_gets_no_longer_than_a_frame_deadline(
    rig: Rig, device: Hostile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upstream, "STALL_TIMEOUT", 0.3)
    device.mode = "trickle"  # an MJPEG stream whose first picture comes a byte at a time
    add(rig, device.url + "/video.mjpeg", timeout=0.2)
    async with rig.hub.subscribe("cam") as viewer:
        up = viewer.upstream
        await until(lambda: up.error is not None, what="an error")
    assert isinstance(up.error, DeviceTimeout)
    assert up.error.message == "cam: no complete picture within 0.3 s"


@pytest.mark.parametrize("mode", ["endless-part", "no-boundary"])
async def test_a_stream_that_never_makes_a_picture_is_given_up(
    rig: Rig, device: Hostile, mode: str
) -> None:
    device.mode = mode  # at full speed: bytes keep coming, pictures never do
    add(rig, device.url + "/video.mjpeg")
    async with rig.hub.subscribe("cam") as viewer:
        up = viewer.upstream
        await until(lambda: up.error is not None, what="an error")
        assert isinstance(up.error, DeviceError)
        assert up.error.message == "cam: no complete picture in 16 MiB of stream"
        assert device.sent <= up.connects * (16 * MiB + SLACK)


async def test_a_huge_still_is_refused_past_the_still_limit(rig: Rig, device: Hostile) -> None:
    device.mode = "huge"  # 400 MiB announced as one JPEG
    add(rig, device.url + "/still.jpg")
    async with rig.hub.subscribe("cam") as viewer:
        up = viewer.upstream
        await until(lambda: up.error is not None, what="an error")
        assert up.latest is None  # nothing of it was shown as a picture
        assert isinstance(up.error, DeviceError)
        assert up.error.message == "cam: reply too large (over 20 MiB; not read)"
        assert device.sent <= up.connects * (STILL_LIMIT + SLACK)
