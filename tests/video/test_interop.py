"""Players nobody here wrote read camhub's H.264 outputs: ffprobe and ffmpeg on
``stream.mp4`` and HLS, over HTTPS with ``?token=``. They also read the test camera's
RTSP, so the fixture itself is checked against FFmpeg's client.

Needs ``apt-get install -y ffmpeg``; each test skips, saying so, when it is missing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import LiveHub, live_hub, make_settings
from tests.helpers.tools import need, run
from tests.video.conftest import MAIN, SUB, rtsp_device, two_streams
from tests.video.rtsp_camera import RtspCamera


@pytest.fixture
async def camera() -> AsyncIterator[RtspCamera]:
    async with RtspCamera(two_streams(), username="u", password="p") as cam:
        yield cam


@pytest.fixture
async def live(camera: RtspCamera, tmp_path: Path) -> AsyncIterator[LiveHub]:
    settings = make_settings(tmp_path / "data", devices=[rtsp_device(camera)])
    async with live_hub(settings) as hub:
        yield hub


async def probe(url: str, *extra: str) -> dict[str, object]:
    code, out, err = await run(
        need("ffprobe"), "-v", "error", *extra, "-show_entries",
        "stream=codec_name,profile,width,height", "-of", "json", url,
    )  # fmt: skip
    assert code == 0, err.decode(errors="replace")[-2000:]
    (stream,) = json.loads(out)["streams"]
    assert isinstance(stream, dict)
    return stream


async def decodes(url: str, seconds: int = 2) -> None:
    """ffmpeg decodes ``seconds`` of it without a single error."""
    code, _, err = await run(
        need("ffmpeg"), "-v", "error", "-xerror", "-i", url, "-t", str(seconds), "-f", "null", "-"
    )
    assert code == 0 and not err.strip(), err.decode(errors="replace")[-2000:]


async def test_ffprobe_reads_the_test_camera(camera: RtspCamera) -> None:
    for path, size in (("stream1", MAIN), ("stream2", SUB)):
        url = camera.url(path, credentials=True)
        stream = await probe(url, "-rtsp_transport", "tcp")
        assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", *size)


async def test_ffprobe_and_ffmpeg_read_stream_mp4(live: LiveHub, camera: RtspCamera) -> None:
    token = await live.login()
    url = f"{live.url}/api/devices/cam/stream.mp4?token={token}"
    stream = await probe(url)
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", *MAIN)
    await decodes(url)
    sub = await probe(f"{url}&stream=sub")
    assert (sub["width"], sub["height"]) == SUB
    assert camera.max_players("stream1") == 1


async def test_ffprobe_and_ffmpeg_read_hls(live: LiveHub, camera: RtspCamera) -> None:
    token = await live.login()
    url = f"{live.url}/api/devices/cam/hls/index.m3u8?token={token}"
    stream = await probe(url)
    assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", *MAIN)
    await decodes(url)
    assert camera.max_players("stream1") == 1
