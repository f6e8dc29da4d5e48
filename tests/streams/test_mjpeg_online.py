"""Whether an ``mjpeg`` camera is online, without ever taking a second camera slot."""

from __future__ import annotations

import pytest

from camhub.drivers import mjpeg
from camhub.errors import DeviceUnreachable
from tests.helpers.mjpeg import MjpegCamera
from tests.helpers.wait import until
from tests.streams.conftest import Rig


@pytest.fixture(autouse=True)
def check_every_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mjpeg, "CHECK_EVERY", 0.0)


async def test_a_camera_that_goes_away_is_reported_offline(rig: Rig) -> None:
    async with MjpegCamera() as cam:
        dev = rig.add_mjpeg("porch", cam, snapshot_url=f"{cam.url}/image.jpg")
        await dev.connect()
        assert (await dev.poll()).vendor["streaming"] is False
        assert cam.stills == 2  # connect and poll each asked the camera
    with pytest.raises(DeviceUnreachable) as gone:
        await dev.poll()
    assert gone.value.message == f"porch: cannot reach 127.0.0.1:{cam.port}: connection refused"


async def test_the_check_opens_the_stream_and_lets_go(rig: Rig) -> None:
    async with MjpegCamera() as cam:
        dev = rig.add_mjpeg("gate", cam)  # no still URL: the stream is the only way in
        await dev.poll()
        assert cam.connects == 1
        await until(lambda: cam.active == 0, what="the check's connection to close")


async def test_while_streaming_online_comes_from_the_stream(rig: Rig) -> None:
    cam = await MjpegCamera().start()
    try:
        dev = rig.add_mjpeg("yard", cam)
        await dev.connect()
        await until(lambda: cam.active == 0, what="the check's connection to close")
        async with rig.hub.subscribe("yard") as viewer:
            await viewer.first(5.0)
            for _ in range(3):
                assert (await dev.poll()).vendor["streaming"] is True
            assert cam.connects == 2 and cam.max_active == 1  # only the hub's stream
            await cam.stop()
            await until(lambda: viewer.upstream.error is not None, what="stream error")
            with pytest.raises(DeviceUnreachable):
                await dev.poll()
            await cam.start()  # back on the same port
            await until(lambda: viewer.upstream.error is None, what="frames again")
            assert (await dev.poll()).vendor["streaming"] is True
            assert cam.max_active == 1
        await until(lambda: not rig.hub.upstream_count, what="the hub to let go")
        await until(lambda: cam.active == 0, what="the stream to close")
        assert (await dev.poll()).vendor["streaming"] is False  # a check of its own again
    finally:
        await cam.stop()


async def test_a_still_url_as_the_stream_is_not_a_failing_stream(rig: Rig) -> None:
    async with MjpegCamera() as cam:
        dev = rig.add_mjpeg("still", cam, stream_url=f"{cam.url}/image.jpg")
        reports: list[tuple[bool, object]] = []
        observe = dev.stream_status  # type: ignore[attr-defined]

        def record(running: bool, error: object) -> None:
            reports.append((running, error))
            observe(running, error)

        dev.stream_status = record  # type: ignore[attr-defined]
        async with rig.hub.subscribe("still") as viewer:
            for _ in range(3):
                await viewer.next_frame()  # the still, read again and again
            assert (await dev.poll()).vendor["streaming"] is True
        assert cam.stills >= 3
        assert [error for _, error in reports if error is not None] == []
