"""A Tapo camera's H.264 through camhub: the driver streams it over RTSP with the
camera account; ffprobe reads camhub's own RTSP (``/<device>``, ``/<device>/sub``) with
a camhub user's credentials (Digest and Basic), and is refused without; the camera
holds one RTSP connection per stream whatever the number of viewers."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, GUEST_PASSWORD
from tests.helpers.wait import until
from tests.video.tapo_hub import (
    Camera,
    admin_client,
    c200_over_rtsp,
    mp4_viewers,
    streaming,
    watching,
)

pytestmark = pytest.mark.slow


def ffprobe(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ffprobe", "-v", "error", "-rtsp_transport", "tcp", *extra,
         "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", url],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip


@pytest.fixture
async def camera(tmp_path: Path) -> AsyncIterator[Camera]:
    async with c200_over_rtsp(tmp_path) as found:
        yield found


async def test_camhub_rtsp_serves_the_tapo_camera(camera: Any) -> None:
    hub, _, port = camera
    async with admin_client(hub, ready=streaming) as (c, _):
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
    async with mp4_viewers(hub, 10, each=50_000):
        probes = await asyncio.gather(*(
            asyncio.to_thread(ffprobe, f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/cam")
            for _ in range(3)
        ))  # fmt: skip
        assert all(p.returncode == 0 for p in probes)
        playing = [s for s in emu.sim_state()["rtsp"]["sessions"] if s["playing"]]
        # ten HTTP viewers and three RTSP clients: one connection to the camera
        assert [s["path"] for s in playing] == ["/stream1"], playing


async def test_viewers_of_every_kind_share_the_camera_and_resume_after_its_restart(
    camera: Any,
) -> None:
    """MJPEG, fMP4, HLS and RTSP viewers of one Tapo camera: at most one RTSP
    connection per camera stream (main; sub while decoding uses it); restarting the
    camera (same ports) resumes every viewer."""
    hub, emu, port = camera
    base = f"{hub.url}/api/devices/cam"
    async with watching(hub) as (c, players):
        small = {"resolution": "320x180", "fps": "5"}
        for i in range(4):
            players.watch(f"mjpeg{i}", f"{base}/stream.mjpeg", small, reconnect=True)
            players.watch(f"mp4{i}", f"{base}/stream.mp4", reconnect=True)
        counts = players.counts
        await until(lambda: all(n > 20_000 for n in counts.values()), 40, "every viewer gets video")
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
