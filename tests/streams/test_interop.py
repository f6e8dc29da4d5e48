"""Players nobody here wrote read camhub's stream.mjpeg with ?token=: ffmpeg, VLC.

Needs ``apt-get install -y ffmpeg vlc-bin vlc-plugin-base``; each test skips, saying
so, when its tool is missing. VLC refuses to run as root, so as root it runs as
``nobody`` (setpriv).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camhub.drivers.multipart import MultipartParser
from camhub.sim.video import jpeg_size
from tests.conftest import live_hub, make_settings
from tests.helpers.mjpeg import MjpegCamera, camera_device
from tests.helpers.tools import as_nobody, need, run


@pytest.fixture
async def camera() -> AsyncIterator[MjpegCamera]:
    async with MjpegCamera() as cam:
        yield cam


async def test_ffprobe_and_ffmpeg_read_the_stream_over_https(
    camera: MjpegCamera, tmp_path: Path
) -> None:
    ffprobe, ffmpeg = need("ffprobe"), need("ffmpeg")
    settings = make_settings(tmp_path / "data", devices=[camera_device(camera)])
    async with live_hub(settings) as live:
        token = await live.login()
        url = f"{live.url}/api/devices/cam/stream.mjpeg?token={token}&resolution=240x180"
        code, out, err = await run(
            ffprobe, "-v", "error", "-show_entries", "stream=codec_name,width,height",
            "-of", "json", url,
        )  # fmt: skip
        assert code == 0, err.decode()
        (stream,) = json.loads(out)["streams"]
        assert stream == {"codec_name": "mjpeg", "width": 240, "height": 180}
        still = tmp_path / "frame.jpg"
        code, _, err = await run(
            ffmpeg, "-v", "error", "-i", url, "-frames:v", "5", "-update", "1", "-c:v", "copy",
            "-y", str(still),
        )  # fmt: skip
        assert code == 0, err.decode()
        assert jpeg_size(still.read_bytes()) == (240, 180)
        assert camera.max_active == 1


async def test_vlc_records_the_stream(camera: MjpegCamera, tmp_path: Path) -> None:
    cvlc = need("cvlc")
    prefix = as_nobody()
    # pytest's tmp folders are private to root: give VLC (as nobody) its own
    shared = tempfile.TemporaryDirectory(prefix="camhub-vlc-")
    out_dir = Path(shared.name)
    out_dir.chmod(0o777)
    out = out_dir / "out.mjpeg"
    settings = make_settings(tmp_path / "data", devices=[camera_device(camera)], tls=False)
    async with live_hub(settings) as live:
        token = await live.login()
        url = f"{live.url}/api/devices/cam/stream.mjpeg?token={token}"
        _, _, err = await run(
            *prefix, cvlc, "-I", "dummy", "--no-audio", "--play-and-exit", "--run-time", "3",
            url, "vlc://quit", "--sout", f"#std{{access=file,mux=mpjpeg,dst={out}}}",
            timeout=6,  # VLC may not quit by itself on a live stream
        )  # fmt: skip
        data = out.read_bytes() if out.exists() else b""
        frames = MultipartParser(None).feed(data + b"\r\n--ValueBoundary\r\n")
        assert len(frames) >= 5, err.decode(errors="replace")[-2000:]
        assert jpeg_size(frames[-1]) == (320, 240)
    shared.cleanup()
