"""The video routes through the real server: video.ws (MSE), stream.mp4, HLS, MJPEG."""

from __future__ import annotations

import asyncio
import json
import logging
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
from tests.video.conftest import MAIN, SUB, rtsp_device
from tests.video.rtsp_camera import RtspCamera, encode_clip


def boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    """Top-level MP4 boxes of ``data``: (type, body)."""
    out = []
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, pos)
        assert size >= 8, f"bad box size at {pos}"
        out.append((kind, data[pos + 8 : pos + size]))
        pos += size
    assert pos == len(data), "trailing bytes after the last box"
    return out


def first_sample_is_key(fragment: bytes) -> bool:
    """The trun sample flags of a one-sample fragment say 'sync sample'."""
    (moof, _), (mdat, _) = boxes(fragment)
    assert (moof, mdat) == (b"moof", b"mdat")
    i = fragment.index(b"trun")
    flags = struct.unpack_from(">I", fragment, i + 4 + 4 + 4 + 4 + 4 + 4)[0]
    return not flags & 0x00010000


@pytest.fixture
async def camera() -> AsyncIterator[RtspCamera]:
    from tests.video.conftest import PASSWORD, USER, two_streams

    async with RtspCamera(two_streams(), username=USER, password=PASSWORD) as cam:
        yield cam


@pytest.fixture
async def mjpeg() -> AsyncIterator[MjpegCamera]:
    async with MjpegCamera() as cam:
        yield cam


@pytest.fixture
async def live(camera: RtspCamera, mjpeg: MjpegCamera, tmp_path: Path) -> AsyncIterator[LiveHub]:
    devices = [rtsp_device(camera), camera_device(mjpeg, "old")]
    settings = make_settings(tmp_path / "data", devices=devices)
    async with live_hub(settings) as hub:
        yield hub


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False)) as s:
        yield s


def wss(live: LiveHub, path: str) -> str:
    return live.url.replace("https://", "wss://") + path


async def mse_messages(
    http: aiohttp.ClientSession, url: str, n: int, **kw: Any
) -> tuple[dict[str, Any], list[bytes]]:
    """The first text message and the next ``n`` binary ones of video.ws."""
    async with http.ws_connect(url, **kw) as ws:
        hello = json.loads((await ws.receive(timeout=10)).data)
        binary: list[bytes] = []
        while len(binary) < n:
            msg = await ws.receive(timeout=10)
            assert msg.type == aiohttp.WSMsgType.BINARY, msg
            binary.append(msg.data)
        return hello, binary


async def test_video_ws_speaks_first_then_sends_init_and_keyframe_fragments(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    token = await live.login("viewer", GUEST_PASSWORD)  # guests may view
    hello, (init, *fragments) = await mse_messages(
        http, wss(live, f"/api/devices/cam/video.ws?token={token}"), 8
    )
    sps = encode_clip(*MAIN).sps  # libx264: constrained baseline, level 2.2 at 640x360
    assert hello == {"type": "mse", "codecs": f"avc1.{sps[1:4].hex().upper()}"}
    assert [k for k, _ in boxes(init)] == [b"ftyp", b"moov"]
    assert b"avcC" in init and struct.pack(">HH", *MAIN) in init
    assert first_sample_is_key(fragments[0])
    assert all([k for k, _ in boxes(f)] == [b"moof", b"mdat"] for f in fragments)
    hello, (sub_init, _) = await mse_messages(
        http, wss(live, f"/api/devices/cam/video.ws?token={token}&stream=sub"), 2
    )
    assert struct.pack(">HH", *SUB) in sub_init


async def test_video_ws_refuses_bad_tokens_cross_site_cookies_and_non_h264_devices(
    live: LiveHub, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """Each refusal is an HTTP answer to the handshake, and not an error in the log
    (uvicorn's websockets-sansio logged one after every refusal)."""
    token = await live.login()
    cases = [
        ("/api/devices/cam/video.ws", {}, 401),
        ("/api/devices/cam/video.ws?token=forged", {}, 401),
        ("/api/devices/old/video.ws?token=" + token, {}, 422),  # an MJPEG camera
        ("/api/devices/nope/video.ws?token=" + token, {}, 404),
        ("/api/devices/cam/video.ws?stream=hd&token=" + token, {}, 400),
        (
            "/api/devices/cam/video.ws",
            {"Cookie": f"camhub_session={token}", "Origin": "https://evil.example"},
            403,
        ),
    ]
    for path, headers, status in cases:
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            async with http.ws_connect(wss(live, path), headers=headers):
                pass
        assert err.value.status == status, path
    # the same cookie from camhub's own page is fine
    host = live.url.split("://", 1)[1]
    hello, _ = await mse_messages(
        http,
        wss(live, "/api/devices/cam/video.ws"),
        1,
        headers={"Cookie": f"camhub_session={token}", "Origin": f"https://{host}"},
    )
    assert hello["type"] == "mse"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


async def test_the_video_offer_says_which_devices_play_h264(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    """What the web page asks before opening a player (so it never opens a socket that
    will be refused)."""
    headers = {"Authorization": f"Bearer {await live.login()}"}
    for name, status, body in [
        ("cam", 200, {"h264": True}),
        ("old", 200, {"h264": False}),  # an MJPEG camera
        ("nope", 404, None),
    ]:
        async with http.get(f"{live.url}/api/devices/{name}/video", headers=headers) as r:
            assert r.status == status, name
            if body is not None:
                assert await r.json() == body
    async with http.get(f"{live.url}/api/devices/cam/video") as r:
        assert r.status == 401


async def test_http_outputs_of_a_device_without_h264_are_422(
    live: LiveHub, http: aiohttp.ClientSession
) -> None:
    token = await live.login()
    for path in ["stream.mp4", "hls/index.m3u8", "hls/1.m4s"]:
        async with http.get(f"{live.url}/api/devices/old/{path}?token={token}") as r:
            assert r.status == 422, path
            assert "H.264" in (await r.json())["error"]
        async with http.get(f"{live.url}/api/devices/cam/{path}") as r:
            assert r.status == 401


async def test_every_kind_of_viewer_shares_one_camera_connection(
    live: LiveHub, camera: RtspCamera, http: aiohttp.ClientSession
) -> None:
    token = await live.login()
    base = f"{live.url}/api/devices/cam"

    async def mp4() -> bytes:
        async with http.get(f"{base}/stream.mp4?token={token}") as r:
            assert r.status == 200 and r.content_type == "video/mp4"
            data = b""
            while data.count(b"moof") < 5:
                data += await r.content.readany()
            return data

    async def hls() -> str:
        async with http.get(f"{base}/hls/index.m3u8?token={token}") as r:
            assert r.status == 200
            return await r.text()

    async def ws() -> list[bytes]:
        return (await mse_messages(http, wss(live, f"/api/devices/cam/video.ws?token={token}"), 4))[
            1
        ]

    mjpeg_url = f"{base}/stream.mjpeg?token={token}&resolution=640x360"
    _, _, mjpegs, playlist = await asyncio.gather(
        asyncio.gather(*(mp4() for _ in range(5))),
        asyncio.gather(*(ws() for _ in range(10))),
        asyncio.gather(*(read_frames(http, mjpeg_url, 3) for _ in range(5))),
        hls(),
    )
    assert all(jpeg_size(j) == MAIN for frames in mjpegs for j in frames)
    assert "#EXT-X-MAP" in playlist
    assert camera.max_players("stream1") == 1
    streams = live.state.streams
    assert streams.video.feeds[("cam", "main")].fragments > 0  # muxed once for all
    await until(lambda: streams.decoders.alive == 0, timeout=15, what="decoder stopped")


async def test_hls_playlist_segments_and_init(live: LiveHub, http: aiohttp.ClientSession) -> None:
    token = await live.login()
    base = f"{live.url}/api/devices/cam/hls"
    async with http.get(f"{base}/index.m3u8?token={token}") as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
        playlist = await r.text()
    lines = playlist.splitlines()
    assert lines[0] == "#EXTM3U" and "#EXT-X-VERSION:7" in lines
    uris = [x for x in lines if x and not x.startswith("#")]
    assert uris and all(u.endswith(f".m4s?token={token}") for u in uris)
    init_uri = next(x for x in lines if x.startswith("#EXT-X-MAP")).split('"')[1]
    async with http.get(f"{base}/{init_uri}") as r:
        assert r.status == 200 and [k for k, _ in boxes(await r.read())] == [b"ftyp", b"moov"]
    async with http.get(f"{base}/{uris[0]}") as r:
        segment = await r.read()
        kinds = [k for k, _ in boxes(segment)]
        assert kinds[:2] == [b"moof", b"mdat"] and len(kinds) >= 2 * 14  # about one GOP
    for bad in ["999999.m4s", "init77.mp4", "..%2Fsecret", "index.m3u9"]:
        async with http.get(f"{base}/{bad}?token={token}") as r:
            assert r.status == 404, bad


async def test_a_camera_refusing_auth_is_a_502_not_a_hang(
    live: LiveHub, camera: RtspCamera, http: aiohttp.ClientSession
) -> None:
    camera.fault = "deny"
    token = await live.login()
    for path in ["stream.mp4", "snapshot", "stream.mjpeg"]:
        async with http.get(f"{live.url}/api/devices/cam/{path}?token={token}") as r:
            assert r.status == 502, path
            body = await r.json()
            assert body["device"] == "cam" and "credentials" in body["error"]
    async with http.ws_connect(wss(live, f"/api/devices/cam/video.ws?token={token}")) as ws:
        msg = json.loads((await ws.receive(timeout=10)).data)
        assert msg["type"] == "error" and "credentials" in msg["error"]  # no video yet
        camera.fault = None  # fixed: the same socket starts playing
        while (m := await ws.receive(timeout=10)).type != aiohttp.WSMsgType.BINARY:
            assert m.type == aiohttp.WSMsgType.TEXT, m  # errors while it retries, then video
        assert boxes(m.data)[0][0] == b"ftyp"


async def test_a_resolution_change_sends_a_new_init_and_ends_stream_mp4(
    live: LiveHub, camera: RtspCamera, http: aiohttp.ClientSession
) -> None:
    token = await live.login()
    url = wss(live, f"/api/devices/cam/video.ws?token={token}")
    async with (
        http.ws_connect(url) as ws,
        http.get(f"{live.url}/api/devices/cam/stream.mp4?token={token}") as mp4,
    ):
        assert json.loads((await ws.receive(timeout=10)).data)["type"] == "mse"
        assert boxes((await ws.receive(timeout=10)).data)[0][0] == b"ftyp"
        await mp4.content.readany()
        camera.set_clip("stream1", encode_clip(480, 272))
        async with asyncio.timeout(15):
            while (msg := await ws.receive()).type == aiohttp.WSMsgType.BINARY:
                pass  # fragments of the old size
            assert json.loads(msg.data)["type"] == "mse"
            init = (await ws.receive()).data
            assert boxes(init)[0][0] == b"ftyp" and struct.pack(">HH", 480, 272) in init
            assert first_sample_is_key((await ws.receive()).data)
            while await mp4.content.readany():
                pass  # the file of the old size ends; a player opens a new one
