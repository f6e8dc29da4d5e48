"""The IP Camera app's RTSP server, driven by ``/api/rtsp/*`` and the ``rtsp*`` settings
(seed 003), read by ffprobe and PyAV.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from camhub.sim.ipcamera import IpCameraEmulator
from tests.helpers.net import free_port
from tests.ipcamera.conftest import PASSWORD, bearer, login, options
from tests.media.players import decode, ffprobe, ffprobe_all

Api = Any


@pytest.fixture
async def api(emu: IpCameraEmulator, http: aiohttp.ClientSession) -> AsyncIterator[Api]:
    token = (await login(http, emu))["token"]

    async def call(method: str, path: str, **kw: Any) -> tuple[int, Any]:
        async with http.request(method, emu.url + path, headers=bearer(token), **kw) as r:
            return r.status, await r.json(content_type=None)

    yield call


async def test_apply_settings_runs_the_server_with_port_path_and_credentials(
    emu: IpCameraEmulator, api: Api
) -> None:
    port = free_port()
    assert (await api("POST", "/settings", json={"resolution": "640x480", "frameRate": 15}))[
        0
    ] == 200
    first = {"rtspEnabled": True, "rtspPort": port, "rtspPath": "/live",
             "rtspUsername": "viewer", "rtspPassword": "rtsp-pass"}  # fmt: skip
    assert (await api("POST", "/api/rtsp/apply-settings", json=first))[1] == {"success": True}
    _, status = await api("GET", "/api/rtsp/status")
    assert status == {"enabled": True, "running": True, "port": port, "path": "/live",
                      "clients": 0}  # fmt: skip
    good = f"rtsp://viewer:rtsp-pass@127.0.0.1:{port}/live"
    stream, err = await ffprobe(good)
    assert stream is not None, err
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 640, 480)
    stream, err = await ffprobe(f"rtsp://viewer:nope@127.0.0.1:{port}/live")
    assert stream is None and "401" in err
    stream, err = await ffprobe(f"rtsp://viewer:rtsp-pass@127.0.0.1:{port}/stream")
    assert stream is None and "404" in err
    # /api/rtsp/settings takes effect at the next restart
    assert (await api("POST", "/api/rtsp/settings", json={"rtspPath": "/cam"}))[1] == {
        "success": True
    }
    assert (await ffprobe(good))[0] is not None
    assert (await api("POST", "/api/rtsp/restart"))[1]["running"] is True
    stream, _ = await ffprobe(f"rtsp://viewer:rtsp-pass@127.0.0.1:{port}/cam")
    assert stream is not None and stream["width"] == 640
    # stop: nobody listens any more
    assert (await api("POST", "/api/rtsp/stop"))[1]["running"] is False
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)


async def test_the_microphone_is_an_aac_track_while_audio_is_enabled(
    emu: IpCameraEmulator, api: Api
) -> None:
    port = free_port()
    assert (await api("POST", "/settings", json={"resolution": "640x480"}))[0] == 200
    on = {"rtspEnabled": True, "rtspPort": port, "rtspPath": "/live"}
    assert (await api("POST", "/api/rtsp/apply-settings", json=on))[1] == {"success": True}
    url = f"rtsp://127.0.0.1:{port}/live"
    streams, err = await ffprobe_all(url)
    assert [s["codec_type"] for s in streams] == ["video", "audio"], err
    sound = streams[1]
    assert (sound["codec_name"], sound["profile"], sound["sample_rate"], sound["channels"]) == (
        "aac", "LC", "44100", 1)  # fmt: skip
    assert (await api("POST", "/settings", json={"audioEnabled": False}))[0] == 200
    streams, err = await ffprobe_all(url)
    assert [s["codec_type"] for s in streams] == ["video"], err


async def test_clients_and_a_resolution_change_mid_stream(emu: IpCameraEmulator, api: Api) -> None:
    port = free_port()
    await api("POST", "/settings", json={"resolution": "640x480", "frameRate": 15})
    await api("POST", "/api/rtsp/apply-settings", json={"rtspEnabled": True, "rtspPort": port})
    url = f"rtsp://127.0.0.1:{port}/stream"  # no password set: open

    def watch() -> list[tuple[int, int]]:
        return [p.shape for p in decode(url, 60)]  # type: ignore[misc]

    watching = asyncio.create_task(asyncio.to_thread(watch))

    def sent() -> int:
        sessions = emu.sim_state()["rtsp"]["sessions"]
        return int(sessions[0]["sent"]) if sessions else 0

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while sent() < 10 and loop.time() < deadline:  # the client has the old size for a while
        await asyncio.sleep(0.05)
    assert (await api("GET", "/api/rtsp/status"))[1]["clients"] == 1
    assert (await api("POST", "/settings", json={"resolution": "1280x720"}))[0] == 200
    shapes = await watching
    assert shapes[0] == (480, 640) and shapes[-1] == (720, 1280)  # the decoder followed


async def test_rtsp_enabled_switches_the_server_and_a_taken_port_is_an_error(
    emu: IpCameraEmulator, api: Api
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        await api("POST", "/api/rtsp/settings", json={"rtspPort": busy})
        code, body = await api("POST", "/settings", json={"rtspEnabled": True})
        assert code == 200
        code, body = await api("POST", "/api/rtsp/start")
        assert code == 500 and body == {
            "success": False, "error": f"Failed to start RTSP server on port {busy}"}  # fmt: skip
        assert (await api("GET", "/api/rtsp/status"))[1]["running"] is False
    port = free_port()
    await api("POST", "/api/rtsp/settings", json={"rtspPort": port})
    assert (await api("POST", "/settings", json={"rtspEnabled": False}))[0] == 200
    assert (await api("POST", "/settings", json={"rtspEnabled": True}))[0] == 200
    assert (await api("GET", "/api/rtsp/status"))[1]["running"] is True
    assert (await api("POST", "/settings", json={"rtspEnabled": False}))[0] == 200
    assert (await api("GET", "/api/rtsp/status"))[1]["running"] is False


async def test_rtsp_port_option_starts_it_at_launch() -> None:
    opts = options()
    opts.rtsp_port = 0
    async with IpCameraEmulator(opts) as emu:
        assert isinstance(emu, IpCameraEmulator)
        assert emu.rtsp_url is not None
        port = int(emu.rtsp_url.rsplit(":", 1)[1])
        assert emu.settings["rtspPort"] == port and emu.settings["rtspEnabled"] is True
        await emu.apply_settings({"resolution": "640x480", "frameRate": 15})
        stream, err = await ffprobe(f"{emu.rtsp_url}/stream")
        assert stream is not None and stream["height"] == 480, err


async def test_the_driver_streams_h264_while_the_phone_serves_rtsp(
    emu: IpCameraEmulator, api: Api, make_app: Any
) -> None:
    """camhub reads the phone's RTSP (its account in ``rtsp:``) when the server runs,
    its MJPEG when it does not; either way viewers get video."""
    port = free_port()
    device = {
        "name": "phone", "kind": "ipcamera", "host": "127.0.0.1", "port": emu.port,
        "password": PASSWORD, "rtsp": {"username": "viewer", "password": "rtsp-pass"},
    }  # fmt: skip
    async with make_app(devices=[device]) as hub:
        dev = hub.state.hub.get("phone")
        await hub.state.hub.coordinator("phone").refresh()
        assert type(await dev.stream_source()).__name__ == "HttpSource"  # RTSP off: MJPEG
        on = {"rtspEnabled": True, "rtspPort": port, "rtspPath": "/live",
              "rtspUsername": "viewer", "rtspPassword": "rtsp-pass"}  # fmt: skip
        assert (await api("POST", "/api/rtsp/apply-settings", json=on))[1] == {"success": True}
        source = await dev.stream_source()
        assert type(source).__name__ == "RtspSource"
        assert source.url == f"rtsp://127.0.0.1:{port}/live" and source.username == "viewer"
        consumer = await hub.state.streams.packets.subscribe("phone")
        try:
            info, unit = await asyncio.wait_for(consumer.get(), 15)
        finally:
            consumer.close()
        assert (info.codec, info.width) == ("h264", 1280) and unit.keyframe  # H.264, no decode
