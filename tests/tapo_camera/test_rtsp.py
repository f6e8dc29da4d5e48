"""The Tapo camera emulator's RTSP server, read by ffprobe, PyAV and pytapo's twin: the
camera account (not the cloud password), stream1 main and stream2 640x360 sub.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.media.players import changed, decode, ffprobe, ffprobe_all, onsets
from tests.media.rtsp_client import RawRtsp, basic, digest
from tests.tapo_camera.conftest import PASSWORD, pytapo_client, running

CAM_USER, CAM_PASSWORD = "camuser", "Cam-Acct-9"


@contextlib.asynccontextmanager
async def camera(**extra: Any) -> AsyncIterator[TapoCameraEmulator]:
    opts = SimOptions(
        password=PASSWORD,
        rtsp_port=0,
        stream_username=CAM_USER,
        stream_password=CAM_PASSWORD,
        extra={"detection_period": 0, "main_size": "1280x720", "scene": "motion", **extra},
    )
    async with running(opts) as emu:
        yield emu


def url(emu: TapoCameraEmulator, path: str, user: str = CAM_USER, pw: str = CAM_PASSWORD) -> str:
    assert emu.rtsp_url is not None
    return emu.rtsp_url.replace("rtsp://", f"rtsp://{user}:{pw}@") + path


async def test_ffprobe_reads_stream1_and_stream2() -> None:
    async with camera() as emu:
        main, err = await ffprobe(url(emu, "/stream1"))
        assert main is not None, err
        assert (main["codec_name"], main["profile"], main["width"], main["height"]) == (
            "h264", "Main", 1280, 720)  # fmt: skip
        sub, err = await ffprobe(url(emu, "/stream2"))
        assert sub is not None, err
        assert (sub["codec_name"], sub["width"], sub["height"]) == ("h264", 640, 360)
        assert sub["profile"] in ("Baseline", "Constrained Baseline")


async def test_both_streams_carry_g711_sound_in_step_with_the_picture() -> None:
    async with camera(scene="bursts", burst_period=3, burst=1.5, main_size="320x180",
                      sub_size="320x180") as emu:  # fmt: skip
        for path in ("/stream1", "/stream2"):
            streams, err = await ffprobe_all(url(emu, path))
            assert [s["codec_type"] for s in streams] == ["video", "audio"], err
            sound = streams[1]
            assert (sound["codec_name"], sound["sample_rate"], sound["channels"]) == (
                "pcm_alaw", "8000", 1)  # fmt: skip
        pictures, tones = await asyncio.to_thread(onsets, url(emu, "/stream2"), 7)
    assert len(pictures) >= 2 and len(tones) >= 2, (pictures, tones)
    for start in tones:  # each time the tone starts, the block starts moving too
        nearest = min(pictures, key=lambda t: abs(t - start))
        assert abs(nearest - start) < 0.15, (pictures, tones)


async def test_the_sound_can_be_left_out() -> None:
    async with camera(audio=False) as emu:
        streams, err = await ffprobe_all(url(emu, "/stream1"))
        assert [s["codec_type"] for s in streams] == ["video"], err


async def test_the_camera_account_is_not_the_cloud_password() -> None:
    async with camera() as emu:
        for user, pw in (("admin", PASSWORD), (CAM_USER, "wrong"), ("other", CAM_PASSWORD)):
            stream, err = await ffprobe(url(emu, "/stream1", user, pw))
            assert stream is None and "401" in err
        stream, err = await ffprobe(url(emu, "/stream3"))
        assert stream is None and "404" in err


async def test_challenges_and_both_schemes_as_on_a_real_tapo() -> None:
    async with camera() as emu:
        assert emu.rtsp_url is not None
        base = emu.rtsp_url + "/stream2"
        host, port = emu.rtsp_url.removeprefix("rtsp://").split(":")
        c = await RawRtsp.connect(host, int(port))
        try:
            assert (await c.request("OPTIONS", base)).status == 200  # no credentials needed
            refused = await c.request("DESCRIBE", base)
            assert refused.status == 401
            basic_ch, digest_ch = refused.headers["www-authenticate"]
            assert basic_ch == 'Basic realm="TP-Link IP-Camera"'
            assert digest_ch.startswith('Digest realm="TP-Link IP-Camera", nonce="')
            by_basic = await c.request(
                "DESCRIBE", base, {"Authorization": basic(CAM_USER, CAM_PASSWORD)}
            )
            assert by_basic.status == 200
            answer = digest(digest_ch, CAM_USER, CAM_PASSWORD, "DESCRIBE", base)
            by_digest = await c.request("DESCRIBE", base, {"Authorization": answer})
            assert by_digest.status == 200 and b"sprop-parameter-sets=" in by_digest.body
        finally:
            await c.close()


async def test_no_camera_account_refuses_everyone() -> None:
    opts = SimOptions(password=PASSWORD, rtsp_port=0, extra={"detection_period": 0})
    async with TapoCameraEmulator(opts) as emu:
        assert isinstance(emu, TapoCameraEmulator)
        stream, err = await ffprobe(url(emu, "/stream2", "admin", PASSWORD))
        assert stream is None and "401" in err


async def test_live_picture_moves_and_privacy_mode_blacks_it_out() -> None:
    async with camera(sub_size="320x180") as emu:
        pictures = await asyncio.to_thread(decode, url(emu, "/stream2"), 20)
        assert pictures[0].shape == (180, 320) and changed(pictures) > 1.0
        async with pytapo_client(emu) as cam:
            await cam.call("setPrivacyMode", True)
        dark = await asyncio.to_thread(decode, url(emu, "/stream2"), 5)
        assert float(np.mean(dark[-1])) < 20  # black, limited range
        assert emu.sim_state()["privacy"] is True


async def test_simulate_prints_the_rtsp_url() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "camhub.cli", "simulate", "tapo-camera", "--rtsp-port", "0",
        "--stream-username", CAM_USER, "--stream-password", CAM_PASSWORD,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        ready = await asyncio.wait_for(proc.stdout.readline(), 30)
        rtsp = await asyncio.wait_for(proc.stdout.readline(), 5)
        assert ready.startswith(b"ready: https://127.0.0.1:")
        assert rtsp.startswith(b"rtsp: rtsp://127.0.0.1:")
        base = rtsp.decode().split(" ", 1)[1].strip()
        stream, err = await ffprobe(base.replace("rtsp://", f"rtsp://{CAM_USER}:{CAM_PASSWORD}@")
                                    + "/stream2")  # fmt: skip
        assert stream is not None and stream["width"] == 640, err
    finally:
        proc.terminate()
        await proc.wait()
