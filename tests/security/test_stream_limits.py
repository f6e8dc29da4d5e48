"""What a viewer can make camhub compute: no upscaling, a bounded set of renditions per
camera (at most one full-size transcode per frame), bounded streams per user."""

from __future__ import annotations

import contextlib
import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import websockets

from camhub.drivers.multipart import MultipartParser, boundary_from_content_type
from camhub.sim.video import jpeg_size
from camhub.streams import limits
from tests.conftest import ADMIN_PASSWORD, GUEST_PASSWORD, LiveHub, live_hub, make_settings
from tests.helpers.mjpeg import MjpegCamera, camera_device
from tests.helpers.wait import until

SOURCE = (320, 240)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[LiveHub]:
    async with MjpegCamera() as cam:
        settings = make_settings(tmp_path / "data", devices=[camera_device(cam)])
        async with live_hub(settings) as hub:
            yield hub


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False, limit=0)) as s:
        yield s


class Streams:
    """Live streams held open, each having shown its first frame."""

    def __init__(self, live: LiveHub, http: aiohttp.ClientSession, token: str) -> None:
        self.url = f"{live.url}/api/devices/cam/stream.mjpeg"
        self.http = http
        self.token = token
        self.stack = contextlib.AsyncExitStack()

    async def open(self, **params: str) -> tuple[int, dict[str, str], object]:
        """(status, headers, first frame size or the JSON error)."""
        resp = await self.stack.enter_async_context(
            self.http.get(self.url, params={"token": self.token, **params})
        )
        if resp.status != 200:
            return resp.status, dict(resp.headers), await resp.json()
        parser = MultipartParser(boundary_from_content_type(resp.headers["Content-Type"]))
        async for chunk in resp.content.iter_any():
            frames = parser.feed(chunk)
            if frames:
                return 200, dict(resp.headers), jpeg_size(frames[0])
        raise AssertionError("stream ended early")

    async def close(self) -> None:
        await self.stack.aclose()


async def test_sizes_are_never_upscaled_and_equal_outputs_are_one_rendition(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    streams = Streams(live, http, await live.login("viewer", GUEST_PASSWORD))
    try:
        assert (await streams.open(resolution="4096x4096"))[2] == (240, 240)
        assert (await streams.open(resolution="240x240"))[2] == (240, 240)
        assert (await streams.open(resolution="4096"))[2] == SOURCE  # the camera's own
        assert (await streams.open(resolution="640x480"))[2] == SOURCE
        assert live.state.streams.limits.variants_of("cam") == ["240x240"]
    finally:
        await streams.close()
    await until(lambda: not live.state.streams.limits.variants_of("cam"), what="released")


async def test_renditions_per_camera_are_bounded(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    guest = Streams(live, http, await live.login("viewer", GUEST_PASSWORD))
    try:
        sizes = ["32x24", "48x36", "64x48", "80x60"]
        for size in sizes:
            assert (await guest.open(resolution=size))[0] == 200
        status, headers, body = await guest.open(resolution="96x72")
        assert status == 503 and headers["Retry-After"] == str(limits.RETRY_AFTER)
        assert isinstance(body, dict) and body["inUse"] == sorted(sizes)
        # What is already made is shared, and the camera's own picture costs nothing.
        assert (await guest.open(resolution="64x48"))[2] == (64, 48)
        assert (await guest.open())[2] == SOURCE
        # An admin meets the same bound: it is the camera's, not the user's.
        admin = Streams(live, http, await live.login("admin", ADMIN_PASSWORD))
        assert (await admin.open(resolution="112x84"))[0] == 503
        await admin.close()
    finally:
        await guest.close()
    await until(lambda: not live.state.streams.limits.variants_of("cam"), what="released")
    # Together at most the camera's own area: one full-size rendition fills it.
    guest = Streams(live, http, await live.login("viewer", GUEST_PASSWORD))
    try:
        assert (await guest.open(quality="50"))[2] == SOURCE
        assert (await guest.open(resolution="32x24"))[0] == 503
        assert (await guest.open(quality="51"))[0] == 503
    finally:
        await guest.close()


async def test_a_guest_asking_many_renditions_costs_one_full_size_transcode(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    """The audit's reproduction: many streams, each a different size and quality."""
    guest = Streams(live, http, await live.login("viewer", GUEST_PASSWORD))
    transcoder = live.state.streams.transcoder
    try:
        answers = [
            await guest.open(resolution=f"{4096 - 16 * i}x{4096 - 16 * i}", quality=str(90 - i))
            for i in range(20)
        ]
        made = [a for a in answers if a[0] == 200]
        assert len(made) == 1 and made[0][2] == (240, 240)
        # Per frame, the encodes made add up to at most the camera's own picture.
        before = transcoder.encodes
        await until(lambda: transcoder.encodes > before + 5, what="frames transcoded")
        area = sum(
            w * h for w, h in (_size(v) for v in live.state.streams.limits.variants_of("cam"))
        )
        assert area <= SOURCE[0] * SOURCE[1]
    finally:
        await guest.close()


def _size(rendition: str) -> tuple[int, int]:
    size = rendition.split("@")[0]
    if size == "source":
        return SOURCE
    w, h = size.split("x")
    return int(w), int(h)


async def test_streams_per_user_are_bounded(live: LiveHub, http: aiohttp.ClientSession) -> None:
    guest = Streams(live, http, await live.login("viewer", GUEST_PASSWORD))
    other_session = await live.login("viewer", GUEST_PASSWORD)  # same user, other session
    try:
        for _ in range(limits.MAX_STREAMS_PER_OWNER):
            assert (await guest.open())[0] == 200
        again = Streams(live, http, other_session)
        status, headers, body = await again.open()
        assert status == 503 and "Retry-After" in headers
        assert isinstance(body, dict) and "per user" in body["error"]
        r = await http.get(f"{live.url}/api/devices/cam/snapshot", params={"token": other_session})
        assert r.status == 503
        await again.close()
        admin = Streams(live, http, await live.login("admin", ADMIN_PASSWORD))
        for _ in range(limits.MAX_STREAMS_PER_OWNER + 1):  # another user is not held back,
            assert (await admin.open())[0] == 200  # and admins are not counted
        assert live.state.streams.limits.streams_of("admin") == 0
        await admin.close()
    finally:
        await guest.close()
    await until(
        lambda: live.state.streams.limits.streams_of("viewer") == 0, what="streams released"
    )


async def test_websocket_subscriptions_count_as_streams(tmp_path: Path) -> None:
    n = limits.MAX_STREAMS_PER_OWNER + 1
    async with MjpegCamera() as cam:
        devices = [camera_device(cam, f"c{i}") for i in range(n)]
        async with live_hub(make_settings(tmp_path / "data", devices=devices)) as live:
            token = await live.login("viewer", GUEST_PASSWORD)
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            url = live.url.replace("https://", "wss://") + f"/api/ws?token={token}"
            async with websockets.connect(url, ssl=ctx, max_size=None) as ws:
                answers = []
                for i in range(n):
                    await ws.send(json.dumps({"type": "subscribe", "device": f"c{i}"}))
                    while True:
                        msg = await ws.recv()
                        if isinstance(msg, str) and json.loads(msg)["type"] in (
                            "subscribed",
                            "error",
                        ):
                            answers.append(json.loads(msg))
                            break
                assert [a["type"] for a in answers] == ["subscribed"] * (n - 1) + ["error"]
                assert "per user" in answers[-1]["error"]
                assert live.state.streams.limits.streams_of("viewer") == n - 1
                await ws.send(json.dumps({"type": "unsubscribe", "device": "c0"}))
                await ws.send(json.dumps({"type": "subscribe", "device": f"c{n - 1}"}))
                while True:
                    msg = await ws.recv()
                    if isinstance(msg, str) and json.loads(msg).get("device") == f"c{n - 1}":
                        assert json.loads(msg)["type"] == "subscribed"
                        break
            await until(
                lambda: live.state.streams.limits.streams_of("viewer") == 0, what="released"
            )
