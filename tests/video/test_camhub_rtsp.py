"""A Tapo camera's H.264 through camhub: the driver streams it over RTSP with the
camera account; ffprobe reads camhub's own RTSP (``/<device>``, ``/<device>/sub``) with
a camhub user's credentials (Digest and Basic), and is refused without; the camera
holds one RTSP connection per stream whatever the number of viewers."""

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
from tests.conftest import ADMIN_PASSWORD, GUEST_PASSWORD, LiveHub, live_hub, make_settings
from tests.helpers.wait import until

pytestmark = pytest.mark.slow
CLOUD = "cloud-secret-1"
CAM_USER, CAM_PASS = "camacct", "cam-secret-1"


def ffprobe(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ffprobe", "-v", "error", "-rtsp_transport", "tcp", *extra,
         "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", url],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip


@pytest.fixture
async def camera(tmp_path: Path) -> AsyncIterator[tuple[LiveHub, TapoCameraEmulator, int]]:
    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe is not installed (apt-get install -y ffmpeg)")
    opts = SimOptions(
        password=CLOUD, model="C200", rtsp_port=0, stream_username=CAM_USER,
        stream_password=CAM_PASS, extra={"main_size": "640x360", "detection_period": 0},
    )  # fmt: skip
    emu = TapoCameraEmulator(opts)
    await emu.start()
    try:
        cam_port = int(str(emu.rtsp_url).rsplit(":", 1)[1])
        device = {
            "name": "cam", "kind": "tapo-camera", "host": "127.0.0.1", "port": emu.port,
            "password": CLOUD,
            "stream": {"username": CAM_USER, "password": CAM_PASS, "rtsp_port": cam_port},
        }  # fmt: skip
        settings = make_settings(tmp_path / "data", devices=[device])
        settings = dataclasses.replace(settings, rtsp_port=0)  # any free port
        async with live_hub(settings) as hub:
            assert hub.state.rtsp is not None, "camhub's RTSP server did not start"
            yield hub, emu, hub.state.rtsp.server.port
    finally:
        await emu.stop()


async def test_camhub_rtsp_serves_the_tapo_camera(camera: Any) -> None:
    hub, _, port = camera
    token = await hub.login()
    async with hub.client(headers={"Authorization": f"Bearer {token}"}) as c:

        async def streaming() -> bool:
            d = (await c.get("/api/devices/cam")).json()
            return bool(d["online"] and "stream" in d["capabilities"])

        await until(streaming, 30, "camera online with its stream")
        r = await c.get("/api/devices/cam/snapshot")
        assert r.status_code == 200 and r.content[:2] == b"\xff\xd8"
    base = f"rtsp://127.0.0.1:{port}/cam"
    main = await asyncio.to_thread(ffprobe, f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/cam")
    assert main.returncode == 0, main.stderr
    # the camera's G.711 sound is re-served beside the video, as the camera sends it
    assert main.stdout.split() == ["h264,640,360", "pcm_alaw"]
    sub = await asyncio.to_thread(
        ffprobe, f"rtsp://viewer:{GUEST_PASSWORD}@127.0.0.1:{port}/cam/sub"
    )
    assert sub.returncode == 0, sub.stderr  # a guest may view
    assert sub.stdout.split() == ["h264,640,360", "pcm_alaw"]
    refused = await asyncio.to_thread(ffprobe, base)
    assert refused.returncode != 0 and "401" in refused.stderr
    wrong = await asyncio.to_thread(ffprobe, f"rtsp://admin:nope@127.0.0.1:{port}/cam")
    assert wrong.returncode != 0
    missing = await asyncio.to_thread(
        ffprobe, f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/nobody"
    )
    assert missing.returncode != 0


async def test_many_viewers_one_camera_connection(camera: Any) -> None:
    hub, emu, port = camera
    token = await hub.login()
    url = f"{hub.url}/api/devices/cam/stream.mp4"
    async with hub.client(headers={"Authorization": f"Bearer {token}"}) as c:
        await until(lambda: _online(c), 30, "online")

        enough = asyncio.Event()
        counts = [0] * 10

        async def viewer(i: int) -> None:
            async with (
                httpx.AsyncClient(verify=False, timeout=20) as v,
                v.stream("GET", url, params={"token": token}) as r,
            ):
                async for chunk in r.aiter_bytes():
                    counts[i] += len(chunk)
                    if enough.is_set():
                        return

        tasks = [asyncio.create_task(viewer(i)) for i in range(10)]
        try:
            await until(lambda: all(n > 50_000 for n in counts), 30, "every viewer gets video")
            probes = await asyncio.gather(*(
                asyncio.to_thread(ffprobe, f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/cam")
                for _ in range(3)
            ))  # fmt: skip
            assert all(p.returncode == 0 for p in probes)
            playing = [s for s in emu.sim_state()["rtsp"]["sessions"] if s["playing"]]
            # ten HTTP viewers and three RTSP clients: one connection to the camera
            assert [s["path"] for s in playing] == ["/stream1"], playing
        finally:
            enough.set()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _online(c: httpx.AsyncClient) -> bool:
    return bool((await c.get("/api/devices/cam")).json()["online"])


async def test_viewers_of_every_kind_share_the_camera_and_resume_after_its_restart(
    camera: Any,
) -> None:
    """MJPEG, fMP4, HLS and RTSP viewers of one Tapo camera: at most one RTSP
    connection per camera stream (main; sub while decoding uses it); restarting the
    camera (same ports) resumes every viewer."""
    hub, emu, port = camera
    token = await hub.login()
    base = f"{hub.url}/api/devices/cam"
    async with hub.client(headers={"Authorization": f"Bearer {token}"}) as c:
        await until(lambda: _online(c), 30, "online")
        counts: dict[str, int] = {}
        stop = asyncio.Event()

        async def reader(key: str, url: str, params: dict[str, str]) -> None:
            while not stop.is_set():
                try:
                    async with (
                        httpx.AsyncClient(verify=False, timeout=20) as v,
                        v.stream("GET", url, params={"token": token, **params}) as r,
                    ):
                        async for chunk in r.aiter_bytes():
                            counts[key] = counts.get(key, 0) + len(chunk)
                            if stop.is_set():
                                return
                except httpx.HTTPError:
                    await asyncio.sleep(0.5)  # the camera restarted: a player reconnects

        tasks = [
            *(asyncio.create_task(reader(f"mjpeg{i}", f"{base}/stream.mjpeg",
                                         {"resolution": "320x180", "fps": "5"})) for i in range(4)),
            *(asyncio.create_task(reader(f"mp4{i}", f"{base}/stream.mp4", {})) for i in range(4)),
        ]  # fmt: skip
        try:
            await until(lambda: len(counts) == 8 and all(n > 20_000 for n in counts.values()),
                        40, "every viewer gets video")  # fmt: skip
            hls = await c.get(f"{base}/hls/index.m3u8")
            assert hls.status_code == 200 and "#EXT-X-MAP" in hls.text
            probe = await asyncio.to_thread(
                ffprobe, f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/cam"
            )
            assert probe.returncode == 0, probe.stderr
            playing = [s["path"] for s in emu.sim_state()["rtsp"]["sessions"] if s["playing"]]
            assert sorted(playing) in (["/stream1"], ["/stream1", "/stream2"]), playing
            # the camera restarts on the same ports: every viewer resumes
            await emu.stop()
            before = dict(counts)
            await emu.start()
            await until(lambda: all(counts[k] > before[k] + 20_000 for k in before), 60,
                        "every viewer resumed")  # fmt: skip
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
