"""The generic ``rtsp`` driver: config checks, logins kept out of sight, online checks."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from camhub.capabilities import RtspSource
from camhub.config import DeviceConfig, parse_config
from camhub.drivers import check_devices
from camhub.errors import ConfigError, DeviceError, DeviceUnreachable
from camhub.sim.video import jpeg_size
from tests.helpers.mjpeg import MjpegCamera
from tests.video.conftest import MAIN, PASSWORD, USER, VideoRig
from tests.video.rtsp_camera import RtspCamera


def problems(**entry: object) -> list[str]:
    config = parse_config({"devices": [{"name": "gate", "kind": "rtsp", **entry}]})
    with pytest.raises(ConfigError) as err:
        check_devices(config.devices)
    return err.value.problems


def test_bad_urls_are_refused_naming_the_field() -> None:
    found = problems(
        stream_url="http://cam/video",
        substream_url="rtsp:///no-host",
        snapshot_url="ftp://cam/still.jpg",
        options={"x": 1},
    )
    assert sorted(p.split(":", 1)[0] for p in found) == [
        "devices.0.options.x",
        "devices.0.snapshot_url",
        "devices.0.stream_url",
        "devices.0.substream_url",
    ]
    good = {"name": "ok", "kind": "rtsp", "host": "cam", "stream_url": "rtsps://cam/s1"}
    check_devices(parse_config({"devices": [{**good, "snapshot_url": "/snap.jpg"}]}).devices)


def test_check_config_needs_a_stream_url(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("devices:\n  - {name: gate, kind: rtsp, substream_url: 'rtsp://c/2'}\n")
    res = subprocess.run(
        [sys.executable, "-m", "camhub.cli", "check-config", str(path)],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2 and "stream_url" in res.stdout


async def test_a_login_written_in_the_url_is_used_and_never_shown(
    rig: VideoRig, camera: RtspCamera
) -> None:
    url = camera.url("stream1", credentials=True)  # the password percent-encoded
    secret = url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    device = rig.add_rtsp("cam", camera, sub=False, stream_url=url, username=None)
    device.ctx.username = device.ctx.password = None
    source = await device.stream_source()
    assert isinstance(source, RtspSource)
    assert (source.username, source.password) == (USER, PASSWORD)
    shown = f"{source.url} {source!r} {device!r}"
    assert PASSWORD not in shown and secret not in shown and USER not in shown
    consumer = await rig.hub.packets.subscribe("cam")
    info, _ = await asyncio.wait_for(consumer.get(), 10)
    assert (info.width, info.height) == MAIN
    consumer.close()


async def test_connect_and_poll_ask_options_without_taking_a_stream_slot(
    rig: VideoRig, camera: RtspCamera
) -> None:
    device = rig.add_rtsp("cam", camera)
    await device.connect()
    assert (await device.poll()).vendor == {"substream": True, "snapshot": False}
    assert camera.connects == 1 and camera.plays == 0
    await camera.stop()
    stopped = rig.add_rtsp("off", camera)
    with pytest.raises(DeviceUnreachable) as err:
        await stopped.connect()
    assert PASSWORD not in str(err.value)
    async with MjpegCamera() as http_server:  # something that is not RTSP at all
        config = DeviceConfig(
            name="web", kind="rtsp", stream_url=f"rtsp://127.0.0.1:{http_server.port}/x"
        )
        web = type(device)(config, device.ctx)
        with pytest.raises(DeviceError) as err2:
            await web.connect()
        assert "RTSP" in str(err2.value)


async def test_snapshot_url_is_used_when_no_stream_runs(rig: VideoRig, camera: RtspCamera) -> None:
    async with MjpegCamera() as stills:
        rig.add_rtsp("cam", camera, snapshot_url=f"{stills.url}/image.jpg")
        assert jpeg_size(await rig.hub.snapshot("cam")) == (320, 240)
        assert stills.stills == 1 and camera.plays == 0 and rig.hub.decoders.started == 0
