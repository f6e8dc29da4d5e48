"""A camera's sound in the live fMP4 (MSE over ``video.ws``, ``stream.mp4``, HLS): the
writer's AAC track read by ffprobe and FFmpeg, a hole in the camera's sound filled
with silence (MSE stalls on a hole), and a Tapo camera's G.711 heard in Chromium
through camhub, pictures and sound together."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest

from camhub.media.h264 import parameter_sets, sps_size
from camhub.media.types import AccessUnit, AudioUnit, StreamInfo
from camhub.streams.fmp4 import Fmp4Writer
from camhub.streams.live_sound import LATENCY_S, MAX_AHEAD_S, LiveSound
from tests.helpers.browser import ARGS, CHROMIUM
from tests.recordings.media import clip, probe_all, sound, streams_of, tone_share
from tests.video.tapo_hub import Camera, admin_client, c200_over_rtsp, streaming
from tests.video.test_browser import PAGE


def live_mp4(units: Sequence[AccessUnit], sounds: Sequence[AudioUnit]) -> tuple[bytes, LiveSound]:
    """What a live feed writes for ``units`` with ``sounds`` arriving beside them."""
    sps, pps = parameter_sets(units[0].data) or (b"", b"")
    info = StreamInfo("h264", *sps_size(sps), sps, pps, 15.0, sounds[0].info)
    live = LiveSound(sounds[0].info)
    writer = Fmp4Writer(info, sound=live.track)
    out = bytearray(writer.init)
    pending = list(sounds)
    for au in units:
        data = writer.fragment(au)
        offset = (writer.decode_time - au.pts_90k) * live.rate // 90_000
        while pending and pending[0].pts * 90_000 // live.rate <= au.pts_90k:
            live.add(pending.pop(0), offset)
        at, frames = live.pull(writer.decode_time * live.rate // 90_000)
        if frames:
            data += writer.sound_fragment(at, frames)
        out += data
    return bytes(out), live


def audio_packets(path: Path) -> list[tuple[float, float]]:
    """(pts, duration) of every AAC packet, in seconds."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a", "-show_entries",
         "packet=pts_time,duration_time", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return [(float(a), float(b)) for a, b in (ln.split(",") for ln in done.stdout.split())]


@pytest.mark.parametrize(("codec", "rate"), [("pcm_alaw", 8000), ("aac", 44100)])
def test_the_feed_writes_the_cameras_sound_as_an_aac_track(
    tmp_path: Path, codec: str, rate: int
) -> None:
    """A Tapo camera's G.711, an Android app's AAC (decoded, mixed to mono, encoded)."""
    data, live = live_mp4(clip(6), sound(6, codec, rate))
    path = tmp_path / "live.mp4"
    path.write_bytes(data)
    info = probe_all(path)
    streams = streams_of(info)
    assert streams["video"]["codec_name"] == "h264" and streams["audio"]["codec_name"] == "aac"
    assert (int(streams["audio"]["sample_rate"]), streams["audio"]["channels"]) == (rate, 1)
    video_s, audio_s = float(streams["video"]["duration"]), float(streams["audio"]["duration"])
    held = LATENCY_S + 3 * 1024 / rate + 0.1  # the latency, what the codecs hold
    assert video_s - held <= audio_s <= video_s, "the sound keeps up, a bit behind"
    assert tone_share(path) > 0.8, "the camera's sound"
    assert live.units > 100 and live.dropped <= 1


def test_a_hole_in_the_cameras_sound_is_silence_not_a_gap(tmp_path: Path) -> None:
    """MSE stops playing at a hole in any track: the camera's sound goes silent for
    2 s (and starts 1 s late) and the track still runs without a break."""
    units = sound(8)
    holey = [u for u in units if 1 * 8000 <= u.pts < 3 * 8000 or u.pts >= 5 * 8000]
    data, _ = live_mp4(clip(8), holey)
    path = tmp_path / "holey.mp4"
    path.write_bytes(data)
    packets = audio_packets(path)
    assert packets[0][0] == 0.0
    for (pts, duration), (after, _) in itertools.pairwise(packets):
        assert after == pytest.approx(pts + duration, abs=1e-6), f"a break at {pts} s"
    assert packets[-1][0] > 8.0 - LATENCY_S - 3 * 1024 / 8000 - 0.2


def test_sound_while_no_picture_comes_is_bounded() -> None:
    """The pictures stop (the track is pulled no further) while the sound goes on:
    what waits stays within MAX_AHEAD_S, the rest is dropped."""
    units = sound(30)
    live = LiveSound(units[0].info)
    live.pull(0)
    for u in units:
        live.add(u, 0)
    assert live.units * units[0].samples <= (MAX_AHEAD_S + 0.1) * 8000
    assert live.dropped > 0.9 * len(units)
    at, frames = live.pull(int((MAX_AHEAD_S + LATENCY_S) * 8000))
    assert at == 0 and len(frames) >= MAX_AHEAD_S * 8000 // 1024 - 2


# through camhub, from an emulated Tapo camera -------------------------------------------
@pytest.fixture
async def camera(tmp_path: Path) -> AsyncIterator[Camera]:
    async with c200_over_rtsp(tmp_path) as found:
        yield found


async def fetch(c: httpx.AsyncClient, path: str, seconds: float) -> bytes:
    """The first ``seconds`` of a live HTTP stream's bytes."""
    got = bytearray()
    deadline = time.monotonic() + seconds
    async with c.stream("GET", path, timeout=20) as r:
        assert r.status_code == 200, path
        async for chunk in r.aiter_bytes():
            got += chunk
            if time.monotonic() > deadline:
                break
    return bytes(got)


@pytest.mark.slow
async def test_a_tapo_cameras_sound_in_stream_mp4_hls_and_the_mse_codecs(
    camera: Camera, tmp_path: Path
) -> None:
    hub, _, _ = camera
    async with admin_client(hub, ready=streaming) as (c, _):
        path = tmp_path / "stream.mp4"
        path.write_bytes(await fetch(c, "/api/devices/cam/stream.mp4", 5.0))
        streams = streams_of(probe_all(path))
        assert streams["audio"]["codec_name"] == "aac", streams
        assert int(streams["audio"]["sample_rate"]) == 8000
        assert tone_share(path, 660.0) > 0.3, "the scene's tone (while the block moves)"
        r = await c.get("/api/devices/cam/hls/index.m3u8")
        assert r.status_code == 200
    done = await asyncio.to_thread(
        subprocess.run,
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
         f"{hub.url}/api/devices/cam/hls/index.m3u8?token={await hub.login()}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert set(done.stdout.split()) == {"h264", "aac"}, done.stderr  # (per program too)


@pytest.mark.browser
@pytest.mark.slow
async def test_chromium_plays_the_pictures_and_the_sound(camera: Camera) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    playwright = pytest.importorskip("playwright.async_api")
    hub, _, _ = camera
    async with (
        admin_client(hub, ready=streaming) as (_, token),
        playwright.async_playwright() as pw,
    ):
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page(ignore_https_errors=True)
            await page.set_content(PAGE)
            url = hub.url.replace("https://", "wss://") + f"/api/devices/cam/video.ws?token={token}"
            await page.evaluate("url => connect(url)", url)
            deadline = time.monotonic() + 30
            while True:
                got = await page.evaluate(
                    "() => { const v = document.getElementById('v'); return [v.currentTime,"
                    " v.webkitAudioDecodedByteCount, v.webkitVideoDecodedByteCount,"
                    " window.mse]; }"
                )
                if got[0] > 2.0 and got[1] > 0:
                    break
                assert time.monotonic() < deadline, f"not played with sound: {got}"
                await asyncio.sleep(0.2)
            assert got[2] > 0 and got[3]["errors"] == []
            assert got[3]["codecs"].endswith(",mp4a.40.2")
        finally:
            await browser.close()
