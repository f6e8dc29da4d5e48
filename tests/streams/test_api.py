"""The media routes and the WebSocket video, through the real server on loopback."""

from __future__ import annotations

import asyncio
import json
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from camhub.sim.video import jpeg_size
from tests.conftest import GUEST_PASSWORD, LiveHub, live_hub, make_settings
from tests.helpers.mjpeg import MjpegCamera, camera_device, read_frames
from tests.helpers.wait import until


@pytest.fixture
async def camera() -> AsyncIterator[MjpegCamera]:
    async with MjpegCamera() as cam:
        yield cam


@pytest.fixture
async def live(camera: MjpegCamera, tmp_path: Path) -> AsyncIterator[LiveHub]:
    settings = make_settings(tmp_path / "data", devices=[camera_device(camera)])
    async with live_hub(settings) as hub:
        yield hub


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False)) as s:
        yield s


async def test_ten_browsers_on_stream_mjpeg_hold_one_camera_connection(
    live: LiveHub, camera: MjpegCamera, http: aiohttp.ClientSession
) -> None:
    token = await live.login()
    url = f"{live.url}/api/devices/cam/stream.mjpeg?token={token}&resolution=160x120&quality=60"
    results = await asyncio.gather(*(read_frames(http, url, 4) for _ in range(10)))
    assert all(jpeg_size(f) == (160, 120) for frames in results for f in frames)
    assert camera.max_active == 1
    await until(lambda: live.state.streams.upstream_count == 0, what="upstream released")


async def test_stream_needs_a_token_and_checks_its_parameters(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    base = f"{live.url}/api/devices/cam/stream.mjpeg"
    async with http.get(base) as r:
        assert r.status == 401
    async with http.get(f"{base}?token=forged") as r:
        assert r.status == 401
    token = await live.login()
    for bad in ["resolution=big", "resolution=10x10", "quality=0", "fps=-1", "quality=abc"]:
        async with http.get(f"{base}?token={token}&{bad}") as r:
            assert r.status == 400, bad
            assert "error" in await r.json()
    async with http.get(f"{live.url}/api/devices/nope/stream.mjpeg?token={token}") as r:
        assert r.status == 404


async def test_snapshot_route_sizes_and_guest_access(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    token = await live.login("viewer", GUEST_PASSWORD)  # guests may view
    url = f"{live.url}/api/devices/cam/snapshot"
    async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200 and r.content_type == "image/jpeg"
        assert jpeg_size(await r.read()) == (320, 240)
    async with http.get(f"{url}?token={token}&resolution=96x64&quality=40") as r:
        assert jpeg_size(await r.read()) == (96, 64)


async def test_snapshot_of_a_dead_camera_is_a_502_json_error(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    cam = MjpegCamera()
    await cam.start()
    await cam.stop()  # a camera that is off: nothing listens on its port
    settings = make_settings(tmp_path / "data", devices=[camera_device(cam)])
    async with live_hub(settings) as live:
        token = await live.login()
        async with http.get(f"{live.url}/api/devices/cam/snapshot?token={token}") as r:
            assert r.status == 502
            body = await r.json()
            assert body["device"] == "cam" and "error" in body


async def test_motion_snapshot_is_served_and_hostile_names_refused(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    folder = live.settings.data_dir / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cam-1.jpg").write_bytes(b"\xff\xd8\xff\xd9")
    (live.settings.data_dir / "secret.jpg").write_bytes(b"secret")
    token = await live.login()
    async with http.get(f"{live.url}/api/snapshots/cam-1.jpg?token={token}") as r:
        assert r.status == 200 and await r.read() == b"\xff\xd8\xff\xd9"
    for hostile in ["..%2Fsecret.jpg", "%2E%2E%2Fsecret.jpg", "secret.jpg"]:
        async with http.get(f"{live.url}/api/snapshots/{hostile}?token={token}") as r:
            assert r.status == 404 and await r.read() != b"secret"


async def test_websocket_video_frames(live: LiveHub, http: aiohttp.ClientSession) -> None:
    token = await live.login()
    ws_url = live.url.replace("https", "wss") + "/api/ws"
    async with http.ws_connect(ws_url, headers={"Authorization": f"Bearer {token}"}) as ws:
        await ws.send_json({"type": "subscribe", "device": "cam", "resolution": "80x60"})
        await ws.send_json({"type": "subscribe", "device": "nope"})
        acks: list[dict[str, Any]] = []
        frames: list[tuple[dict[str, Any], bytes]] = []
        while len(frames) < 3 or len(acks) < 2:
            msg = await ws.receive(timeout=10)
            if msg.type == aiohttp.WSMsgType.BINARY:
                (n,) = struct.unpack(">H", msg.data[:2])
                frames.append((json.loads(msg.data[2 : 2 + n]), msg.data[2 + n :]))
            elif (data := json.loads(msg.data))["type"] in ("subscribed", "error"):
                acks.append(data)
        assert {a["type"] for a in acks} == {"subscribed", "error"}
        assert all(h["device"] == "cam" and jpeg_size(j) == (80, 60) for h, j in frames)
        await ws.send_json({"type": "unsubscribe", "device": "cam"})
        await until(lambda: live.state.streams.viewer_count("cam") == 0, what="unsub")


async def test_web_page_is_served(live: LiveHub, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{live.url}/") as r:
        assert r.status == 200 and "text/html" in r.headers["Content-Type"]
        assert "camhub" in await r.text()
    async with http.get(f"{live.url}/web/app.js") as r:
        assert r.status == 200 and "javascript" in r.headers["Content-Type"]
    async with http.get(f"{live.url}/web/..%2Fapi%2Fapp.py") as r:
        assert r.status == 404
