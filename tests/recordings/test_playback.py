"""Playing a time range: ffmpeg's HLS client reads the VOD playlist (fMP4 by byte
range, EXT-X-MAP per file) over camhub's TLS listener with a ``?token=``, and the
export of a range is one MP4 from the keyframe before ``since``; the camera's sound
(recorded as AAC) plays along in both."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camhub.store.recordings import Recording
from tests.conftest import LiveHub, live_hub, make_settings
from tests.recordings.camera import camera, still_cameras
from tests.recordings.conftest import recorded
from tests.recordings.media import T0, ffprobe, probe_all, sound, streams_of


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[tuple[LiveHub, list[Recording]]]:
    with still_cameras():
        async with live_hub(make_settings(tmp_path / "data", devices=[camera()])) as hub:
            recs, _ = await recorded(
                hub.state.service.recordings, seconds=12, segment_seconds=2, sound=sound(12)
            )
            yield hub, recs


async def probe_url(url: str) -> dict[str, object]:
    """ffprobe a URL of the hub, which runs on this event loop: so not subprocess.run."""
    proc = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-count_packets", "-show_entries",
        "stream=codec_name,width,nb_read_packets", "-of", "json", url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    result: dict[str, object] = json.loads(out)
    return result


async def test_ffmpeg_reads_the_hls_vod_playlist(live: tuple[LiveHub, list[Recording]]) -> None:
    hub, recs = live
    token = await hub.login()
    query = f"since={T0}&until={T0 + 11_999}"
    url = f"{hub.url}/api/devices/cam/recordings.m3u8?{query}&token={token}"
    async with hub.client() as c:
        text = (await c.get(url)).text
        unauthorised = await c.get(f"{hub.url}/api/devices/cam/recordings.m3u8?{query}")
    assert unauthorised.status_code == 401
    assert text.startswith("#EXTM3U") and "#EXT-X-PLAYLIST-TYPE:VOD" in text
    assert text.count("#EXT-X-MAP:") == len(recs) == 6
    assert text.count("#EXT-X-DISCONTINUITY") == 5 and text.rstrip().endswith("#EXT-X-ENDLIST")
    uris = [line for line in text.splitlines() if line.startswith("/api/recordings/")]
    assert len(uris) == 6 and all(u.endswith(f"?token={token}") for u in uris)
    stream, audio = (await probe_url(url))["streams"]  # type: ignore[misc]
    assert stream["codec_name"] == "h264" and stream["width"] == 320
    assert int(stream["nb_read_packets"]) == 12 * 15, "every picture of the range, once"
    assert audio["codec_name"] == "aac"
    # 12 s of 8 kHz sound in 1024-sample frames (each file's last one may be short)
    assert 12 * 8000 // 1024 - 6 <= int(audio["nb_read_packets"]) <= 12 * 8000 // 1024 + 6


async def test_export_is_one_mp4_from_the_keyframe_before_since(
    live: tuple[LiveHub, list[Recording]], tmp_path: Path
) -> None:
    hub, recs = live
    h = {"Authorization": f"Bearer {await hub.login()}"}
    async with hub.client(headers=h) as c:
        params = {"device": "cam", "since": T0 + 3500, "until": T0 + 8000}
        r = await c.get("/api/recordings/export", params=params)
        assert r.status_code == 200 and r.headers["content-type"] == "video/mp4"
        assert "attachment" in r.headers["content-disposition"]
        empty = await c.get(
            "/api/recordings/export", params={"device": "cam", "since": 1000, "until": 2000}
        )
        too_long = await c.get(
            "/api/recordings/export", params={"device": "cam", "since": 0, "until": 10**11}
        )
    assert empty.status_code == 404 and too_long.status_code == 400
    path = tmp_path / "export.mp4"
    path.write_bytes(r.content)
    info = ffprobe(path)
    packets = info["packets"]
    assert packets[0]["flags"].startswith("K"), "from a keyframe"
    # keyframes every second: the one at 3 s, to the picture at 8 s
    assert len(packets) == 5 * 15 + 1
    assert float(info["format"]["duration"]) == pytest.approx(5 + 1 / 15, abs=0.2)
    streams = streams_of(probe_all(path))
    assert streams["audio"]["codec_name"] == "aac", "the sound is exported too"
    video_s, audio_s = float(streams["video"]["duration"]), float(streams["audio"]["duration"])
    assert video_s == pytest.approx(5 + 1 / 15, abs=0.05)
    assert audio_s == pytest.approx(video_s, abs=0.5)
    assert len({r.path for r in recs}) == 6
