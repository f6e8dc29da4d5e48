"""Players nobody here wrote read the emulators' libx264 feed through the RTSP server.

ffprobe and PyAV (libavformat's RTSP client), GStreamer's ``rtspsrc`` (an unrelated
implementation, Digest included) and VLC when its build can play RTSP at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camhub.media.rtsp_auth import PasswordAuth
from camhub.media.rtsp_server import RtspServer
from camhub.sim.h264 import EncoderSettings, H264Feed
from camhub.sim.video import VideoSource
from tests.helpers.tools import as_nobody, need, run
from tests.media.players import changed, decode, ffprobe, vlc_rtsp_problem

USER, PASSWORD = "cam", "s3cret"


@contextlib.asynccontextmanager
async def serving(**auth: object) -> AsyncIterator[tuple[H264Feed, RtspServer, str]]:
    feed = H264Feed(VideoSource(scene="motion"), EncoderSettings(320, 240))
    server = RtspServer(
        {"/live": feed}.get,
        auth=PasswordAuth({USER: PASSWORD}.get, "interop", **auth),  # type: ignore[arg-type]
    )
    async with server:
        try:
            yield feed, server, f"rtsp://{USER}:{PASSWORD}@127.0.0.1:{server.port}/live"
        finally:
            await feed.close()


async def test_ffprobe_reads_codec_and_size_over_tcp_and_after_a_udp_refusal() -> None:
    async with serving() as (_, _server, url):
        stream, err = await ffprobe(url)
        assert stream is not None, err
        assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 320, 240)
        assert stream["profile"] == "Main"
        # ffmpeg's default asks for UDP first: the 461 makes it fall back to TCP
        stream, err = await ffprobe(url, tcp=False)
        assert stream is not None and stream["width"] == 320, err


async def test_wrong_credentials_are_refused() -> None:
    async with serving() as (_, server, _url):
        stream, err = await ffprobe(f"rtsp://{USER}:wrong@127.0.0.1:{server.port}/live")
        assert stream is None and "401" in err
        stream, err = await ffprobe(f"rtsp://127.0.0.1:{server.port}/live")
        assert stream is None and "401" in err


async def test_pyav_decodes_a_moving_picture_and_two_clients_share_one_encoder() -> None:
    async with serving(schemes=("digest",)) as (feed, server, url):
        first, second = await asyncio.gather(
            asyncio.to_thread(decode, url, 30), asyncio.to_thread(decode, url, 30)
        )
        for pictures in (first, second):
            assert pictures[0].shape == (240, 320)
            assert changed(pictures) > 1.0  # the block moves and the clock runs
        assert feed.encoders_started == 1  # both clients were served by one encoder
    assert not feed.encoding and server.connection_count == 0


async def test_the_encoder_stops_when_the_last_client_leaves() -> None:
    async with serving() as (feed, server, url):
        assert not feed.encoding
        await asyncio.to_thread(decode, url, 5)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        while (feed.encoding or server.connection_count) and loop.time() < deadline:
            await asyncio.sleep(0.05)
        assert not feed.encoding and feed.subscribers == 0


async def test_gstreamer_rtspsrc_records_frames_with_digest() -> None:
    gst = need("gst-launch-1.0")
    async with serving(schemes=("digest",)) as (_, server, _url):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.h264"
            code, _, err = await run(
                gst, "-q", "rtspsrc", f"location=rtsp://127.0.0.1:{server.port}/live",
                "protocols=tcp", f"user-id={USER}", f"user-pw={PASSWORD}", "!",
                "rtph264depay", "!", "video/x-h264,stream-format=byte-stream", "!",
                "identity", "eos-after=20", "!", "filesink", f"location={out}",
                timeout=30,
            )  # fmt: skip
            assert code == 0, err.decode(errors="replace")[-2000:]
            stream, err_text = await ffprobe(str(out))
            assert stream is not None, err_text
            assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 320, 240)


async def test_vlc_plays_the_stream() -> None:
    problem = await asyncio.to_thread(vlc_rtsp_problem)
    if problem is not None:
        pytest.skip(problem)
    cvlc = need("cvlc")
    shared = tempfile.TemporaryDirectory(prefix="camhub-vlc-")
    out_dir = Path(shared.name)
    out_dir.chmod(0o777)  # VLC runs as nobody when we are root
    out = out_dir / "out.ts"
    async with serving() as (_, _server, url):
        await run(
            *as_nobody(), cvlc, "-I", "dummy", "--no-audio", "--play-and-exit", "--run-time",
            "3", "--rtsp-tcp", url, "vlc://quit", "--sout",
            f"#std{{access=file,mux=ts,dst={out}}}", timeout=8,
        )  # fmt: skip
    stream, err = await ffprobe(str(out))
    shared.cleanup()
    assert stream is not None and stream["codec_name"] == "h264", err
