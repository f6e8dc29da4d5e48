"""A Tapo camera known only by its cloud password: camhub streams it over port 8800.

No camera account in the config, so no RTSP: the driver logs in to the emulator's
port-8800 stream with the cloud password and the packet hub reads its MPEG-TS as it
reads RTSP. ffprobe reads camhub's RTSP and fMP4 outputs of it, the snapshot works,
many viewers share one camera connection, and a dropped stream comes back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator
from camhub.sim.video import jpeg_size
from tests.conftest import ADMIN_PASSWORD, LiveHub, live_hub, make_settings
from tests.helpers.wait import until

pytestmark = pytest.mark.slow
CLOUD = "cloud-secret-1"
SIZE = "h264,640,360"


def ffprobe(source: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["ffprobe", "-v", "error", *(["-rtsp_transport", "tcp"] if data is None else []),
         "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", source],
        input=data, capture_output=True, timeout=30,
    )  # fmt: skip


@pytest.fixture
async def camera(tmp_path: Path) -> AsyncIterator[tuple[LiveHub, TapoCameraEmulator, int]]:
    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe is not installed (apt-get install -y ffmpeg)")
    opts = SimOptions(
        password=CLOUD, model="C200", media_port=0,
        extra={"main_size": "640x360", "sub_size": "320x180", "detection_period": 0},
    )  # fmt: skip
    emu = TapoCameraEmulator(opts)
    await emu.start()
    try:
        device = {
            "name": "cam", "kind": "tapo-camera", "host": "127.0.0.1", "port": emu.port,
            "password": CLOUD, "media_port": emu.media_port,
        }  # fmt: skip
        settings = make_settings(tmp_path / "data", devices=[device])
        settings = dataclasses.replace(settings, rtsp_port=0)
        async with live_hub(settings) as hub:
            assert hub.state.rtsp is not None
            yield hub, emu, hub.state.rtsp.server.port
    finally:
        await emu.stop()


def media(emu: TapoCameraEmulator) -> dict[str, Any]:
    state = emu.sim_state()["media"]
    assert isinstance(state, dict)
    return state


async def test_video_over_port_8800_with_the_cloud_password(camera: Any) -> None:
    hub, emu, port = camera
    token = await hub.login()
    async with hub.client(headers={"Authorization": f"Bearer {token}"}) as c:

        async def streaming() -> bool:
            d = (await c.get("/api/devices/cam")).json()
            return bool(d["online"] and "stream" in d["capabilities"])

        await until(streaming, 30, "camera online with its stream")
        r = await c.get("/api/devices/cam/snapshot")
        assert r.status_code == 200, r.text
        assert jpeg_size(r.content) == (640, 360)
        async with c.stream("GET", "/api/devices/cam/stream.mp4") as mp4:
            assert mp4.status_code == 200
            data = b""
            async for chunk in mp4.aiter_bytes():
                data += chunk
                if len(data) > 150_000:
                    break
    probed = await asyncio.to_thread(ffprobe, "pipe:0", data)
    assert probed.stdout.decode().strip() == SIZE, probed.stderr
    main = await asyncio.to_thread(ffprobe, f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/cam")
    assert main.returncode == 0, main.stderr
    assert main.stdout.decode().strip() == SIZE
    sub = await asyncio.to_thread(
        ffprobe, f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/cam/sub"
    )
    assert sub.stdout.decode().strip() == "h264,320,180", sub.stderr  # VGA: stream2
    state = media(emu)
    assert state["refused_logins"] == 0 and state["hash"] == "sha256"
    assert emu.sim_state()["rtsp"] is None


async def test_many_viewers_one_camera_connection_and_it_comes_back(camera: Any) -> None:
    hub, emu, _ = camera
    token = await hub.login()
    url = f"{hub.url}/api/devices/cam/stream.mp4"
    enough = asyncio.Event()
    counts = [0] * 6

    async def viewer(i: int) -> None:
        async with (
            httpx.AsyncClient(verify=False, timeout=20) as v,
            v.stream("GET", url, params={"token": token}) as r,
        ):
            async for chunk in r.aiter_bytes():
                counts[i] += len(chunk)
                if enough.is_set():
                    return

    async with hub.client(headers={"Authorization": f"Bearer {token}"}) as c:
        await until(lambda: _online(c), 30, "online")
        tasks = [asyncio.create_task(viewer(i)) for i in range(len(counts))]
        try:
            await until(lambda: all(n > 30_000 for n in counts), 30, "every viewer gets video")
            assert media(emu)["streaming"] == ["HD"]  # six viewers, one camera stream
            logins = media(emu)["logins"]
            emu.set_fault("media-drop")  # the camera ends its streams
            await until(lambda: media(emu)["logins"] > logins, 30, "the hub logs in again")
            before = list(counts)
            await until(
                lambda: all(n > b + 30_000 for n, b in zip(counts, before, strict=True)),
                30, "video flows again to the same viewers",
            )  # fmt: skip
            assert media(emu)["streaming"] == ["HD"]
        finally:
            enough.set()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _online(c: httpx.AsyncClient) -> bool:
    return bool((await c.get("/api/devices/cam")).json()["online"])
