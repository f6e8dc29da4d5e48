"""A Tapo camera known only by its cloud password: camhub streams it over port 8800.

No camera account in the config, so no RTSP: the driver logs in to the emulator's
port-8800 stream with the cloud password and the packet hub reads its MPEG-TS as it
reads RTSP. ffprobe reads camhub's RTSP and fMP4 outputs of it, the snapshot works,
many viewers share one camera connection, and a dropped stream comes back.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator
from camhub.sim.video import jpeg_size
from tests.conftest import ADMIN_PASSWORD
from tests.helpers.wait import until
from tests.video.tapo_hub import Camera, admin_client, mp4_viewers, streaming, tapo_behind_camhub

pytestmark = pytest.mark.slow
CLOUD = "cloud-secret-1"
SIZE = "h264,640,360"


def ffprobe(source: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["ffprobe", "-v", "error", *(["-rtsp_transport", "tcp"] if data is None else []),
         "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", source],
        input=data, capture_output=True, timeout=30,
    )  # fmt: skip


def device(emu: TapoCameraEmulator) -> dict[str, Any]:
    """The camera as camhub's config names it: no camera account, the cloud password
    opens its port-8800 stream."""
    return {
        "name": "cam", "kind": "tapo-camera", "host": "127.0.0.1", "port": emu.port,
        "password": CLOUD, "media_port": emu.media_port,
    }  # fmt: skip


@pytest.fixture
async def camera(tmp_path: Path) -> AsyncIterator[Camera]:
    opts = SimOptions(
        password=CLOUD, model="C200", media_port=0,
        extra={"main_size": "640x360", "sub_size": "320x180", "detection_period": 0},
    )  # fmt: skip
    async with tapo_behind_camhub(tmp_path, opts, device) as found:
        yield found


def media(emu: TapoCameraEmulator) -> dict[str, Any]:
    state = emu.sim_state()["media"]
    assert isinstance(state, dict)
    return state


async def test_video_over_port_8800_with_the_cloud_password(camera: Any) -> None:
    hub, emu, port = camera
    async with admin_client(hub, ready=streaming) as (c, _):
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
    # the live fMP4 carries the camera's sound too, made AAC (streams/live_sound.py)
    assert probed.stdout.decode().split() == [SIZE, "aac"], probed.stderr
    main = await asyncio.to_thread(ffprobe, f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/cam")
    assert main.returncode == 0, main.stderr
    # the camera's microphone too: G.711 under Tapo's private stream type, re-served
    assert main.stdout.decode().split() == [SIZE, "pcm_alaw"]
    sub = await asyncio.to_thread(
        ffprobe, f"rtsp://admin:{ADMIN_PASSWORD}@127.0.0.1:{port}/cam/sub"
    )
    assert sub.stdout.decode().split() == ["h264,320,180", "pcm_alaw"], sub.stderr  # VGA
    state = media(emu)
    assert state["refused_logins"] == 0 and state["hash"] == "sha256"
    assert emu.sim_state()["rtsp"] is None


async def test_many_viewers_one_camera_connection_and_it_comes_back(camera: Any) -> None:
    hub, emu, _ = camera
    async with mp4_viewers(hub, 6, each=30_000) as counts:
        assert media(emu)["streaming"] == ["HD"]  # six viewers, one camera stream
        logins = media(emu)["logins"]
        emu.set_fault("media-drop")  # the camera ends its streams
        await until(lambda: media(emu)["logins"] > logins, 30, "the hub logs in again")
        before = dict(counts)
        await until(
            lambda: all(counts[k] > before[k] + 30_000 for k in before),
            30, "video flows again to the same viewers",
        )  # fmt: skip
        assert media(emu)["streaming"] == ["HD"]


async def test_a_camera_on_port_8800_records_with_its_sound(tmp_path: Path) -> None:
    """The microphone under Tapo's private stream type reaches the recordings as AAC."""

    def recording(emu: TapoCameraEmulator) -> dict[str, Any]:
        return {**device(emu), "record": {"mode": "continuous", "segment_seconds": 2}}

    opts = SimOptions(
        password=CLOUD, model="C200", media_port=0,
        extra={"main_size": "640x360", "sub_size": "320x180", "detection_period": 0},
    )  # fmt: skip
    async with (
        tapo_behind_camhub(tmp_path, opts, recording) as (hub, _, _),
        admin_client(hub, ready=streaming) as (c, _),
    ):

        async def finished() -> int | None:
            rows = (await c.get("/api/recordings", params={"device": "cam"})).json()
            return next((r["id"] for r in rows["recordings"] if r["bytes"]), None)

        rec = await until(finished, 60, "a finished recording")
        r = await c.get(f"/api/recordings/{rec}.mp4")
        assert r.status_code == 200
    probed = await asyncio.to_thread(ffprobe, "pipe:0", r.content)
    assert probed.stdout.decode().split() == [SIZE, "aac"], probed.stderr
