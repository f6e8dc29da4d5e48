"""The generic ``mjpeg`` driver against a small MJPEG camera on loopback."""

from __future__ import annotations

import pytest
import simplejpeg

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.drivers import check_devices
from camhub.errors import ConfigError, DeviceAuthError, DeviceError, DeviceTimeout
from camhub.sim.video import jpeg_size
from tests.helpers.mjpeg import MjpegCamera
from tests.streams.conftest import Rig


async def test_snapshot_from_the_still_url_or_else_the_stream(rig: Rig) -> None:
    async with MjpegCamera(username="u", password="pw") as cam:
        still = rig.add_mjpeg("a", cam, snapshot_url=f"{cam.url}/image.jpg")
        assert jpeg_size(await still.snapshot()) == (320, 240) and cam.stills == 1
        stream_only = rig.add_mjpeg("b", cam)
        assert jpeg_size(await stream_only.snapshot()) == (320, 240)
        assert cam.stills == 1 and cam.connects == 1  # the first frame of the stream
        only_still = rig.add_mjpeg("c", cam, stream_url=None, snapshot_url="/image.jpg",
                                   host="127.0.0.1", port=cam.port)  # fmt: skip
        assert only_still.capabilities == {Capability.SNAPSHOT}
        assert jpeg_size(await only_still.snapshot()) == (320, 240)


async def test_a_picture_with_an_exif_thumbnail_comes_back_whole(rig: Rig) -> None:
    async with MjpegCamera(exif=True) as cam:
        still = rig.add_mjpeg("a", cam, snapshot_url=f"{cam.url}/image.jpg")
        stream_only = rig.add_mjpeg("b", cam)
        for dev in (still, stream_only):
            jpeg = await dev.snapshot()
            assert jpeg.count(b"\xff\xd9") >= 2  # the thumbnail's end, then the picture's
            assert simplejpeg.decode_jpeg(jpeg).shape == (240, 320, 3)


async def test_digest_snapshot(rig: Rig) -> None:
    async with MjpegCamera(username="u", password="pw", auth="digest") as cam:
        dev = rig.add_mjpeg("a", cam, auth="digest", snapshot_url=f"{cam.url}/image.jpg")
        assert jpeg_size(await dev.snapshot()) == (320, 240)


async def test_vendor_errors_name_the_device_and_the_meaning(rig: Rig) -> None:
    async with MjpegCamera(username="u", password="right") as cam:
        dev = rig.add_mjpeg("porch", cam, snapshot_url=f"{cam.url}/image.jpg")
        dev.ctx.password = "wrong"
        with pytest.raises(DeviceAuthError) as auth:
            await dev.snapshot()
        assert auth.value.payload() == {
            "error": "porch: the camera refused the credentials",
            "device": "porch",
            "code": 401,
        }
        dev.ctx.password = "right"
        missing = rig.add_mjpeg("gate", cam, snapshot_url=f"{cam.url}/nothing.jpg")
        with pytest.raises(DeviceError) as err:
            await missing.snapshot()
        assert err.value.code == 404 and "no such path" in err.value.message


async def test_credentials_in_the_url_are_used_and_never_shown(rig: Rig) -> None:
    async with MjpegCamera(username="u", password="s3cret-pw") as cam:
        url = f"http://u:s3cret-pw@127.0.0.1:{cam.port}/image.jpg"
        dev = rig.add_mjpeg("a", cam, snapshot_url=url)
        dev.ctx.username = dev.ctx.password = None
        assert jpeg_size(await dev.snapshot()) == (320, 240)
        source = await dev.stream_source()
        assert "s3cret" not in source.url and "s3cret" not in repr(source)
        assert "s3cret" not in repr(dev)


async def test_a_camera_that_never_answers_times_out(rig: Rig) -> None:
    import asyncio

    clients: list[asyncio.StreamWriter] = []

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        clients.append(writer)  # accept, never answer

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        cam = MjpegCamera()
        cam.port = port
        dev = rig.add_mjpeg("slow", cam, snapshot_url=f"{cam.url}/image.jpg", timeout=0.3)
        with pytest.raises(DeviceTimeout):
            await dev.snapshot()
    finally:
        for writer in clients:
            writer.close()
        server.close()
        await server.wait_closed()


def test_settings_are_checked_up_front_with_their_path() -> None:
    def problems(**entry: object) -> list[str]:
        try:
            check_devices([DeviceConfig.model_validate({"name": "cam", "kind": "mjpeg", **entry})])
        except ConfigError as exc:
            return exc.problems
        return []

    # no host needed: the URL says where the camera is; top level or options both work
    assert problems(stream_url="http://127.0.0.1:1/video.mjpeg") == []
    assert problems(options={"snapshot_url": "/image.jpg", "auth": "digest"}) == []
    assert problems() == ["devices.0: an mjpeg device needs stream_url or snapshot_url"]
    assert problems(stream_url="/v", auth="ntlm")[0].startswith("devices.0.auth: ")
    assert problems(stream_url="/v", options={"snapshot": "/i"}) == [
        "devices.0.options.snapshot: Extra inputs are not permitted"
    ]
    assert problems(stream_url="/v", options={"stream_url": "/w"}) == [
        "devices.0.stream_url: given twice (top level and options)"
    ]
