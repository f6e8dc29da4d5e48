"""The RTSP server's second track, on a real socket: a feed with sound is described with
both media, either track or both can be set up (video alone still works, as ffmpeg
``-an`` and older clients do), G.711 and AAC packets are what RFC 3551 and RFC 3640
say, and each track's RTCP sender report comes before its first packet."""

from __future__ import annotations

import contextlib
import itertools
import struct
from collections.abc import AsyncIterator

import pytest

from camhub.media.audio import aac_frames
from camhub.media.rtsp_server import RtspServer
from camhub.media.types import AccessUnit
from camhub.sim.audio import AvFeed, SoundFeed, SoundSource
from camhub.sim.video import VideoSource
from tests.helpers.tools import need, run
from tests.media.conftest import ClipFeed, make_clip
from tests.media.rtsp_client import RawRtsp

TRANSPORT = "RTP/AVP/TCP;unicast;interleaved={}"


@pytest.fixture(scope="module")
def clip() -> list[AccessUnit]:
    return make_clip(frames=20, gop=5)


@contextlib.asynccontextmanager
async def serving(
    clip: list[AccessUnit], codec: str = "pcm_alaw", rate: int = 8000
) -> AsyncIterator[tuple[RtspServer, str, SoundFeed]]:
    sound = SoundFeed(SoundSource(VideoSource(scene="motion")), codec, rate)
    server = RtspServer({"/cam": AvFeed(ClipFeed(clip), sound)}.get)
    async with server:
        try:
            yield server, f"rtsp://127.0.0.1:{server.port}/cam", sound
        finally:
            await sound.close()


async def frames(c: RawRtsp, count: int) -> list[tuple[int, bytes]]:
    return [await c.frame() for _ in range(count)]


async def test_describe_lists_both_tracks_and_video_alone_still_plays(
    clip: list[AccessUnit],
) -> None:
    async with serving(clip) as (server, url, sound):
        c = await RawRtsp.connect("127.0.0.1", server.port)
        try:
            sdp = (await c.request("DESCRIBE", url)).body.decode()
            assert "m=video 0 RTP/AVP 96" in sdp and "a=control:trackID=0" in sdp
            assert "m=audio 0 RTP/AVP 8\r\nb=AS:64\r\na=rtpmap:8 PCMA/8000\r\n" in sdp
            assert sdp.index("m=video") < sdp.index("m=audio") and "a=control:trackID=1" in sdp
            setup = await c.request(
                "SETUP", f"{url}/trackID=0", {"Transport": TRANSPORT.format("0-1")}
            )
            session = setup.header("session").split(";")[0]
            played = await c.request("PLAY", url, {"Session": session})
            assert played.status == 200 and played.header("rtp-info").count("url=") == 1
            got = await frames(c, 40)
            assert {ch for ch, _ in got} <= {0, 1}, "no sound for a client that did not ask"
            assert sound.subscriptions == 0
        finally:
            await c.close()


async def test_g711_packets_and_sender_reports_on_channels_2_and_3(
    clip: list[AccessUnit],
) -> None:
    async with serving(clip) as (server, url, _):
        c = await RawRtsp.connect("127.0.0.1", server.port)
        try:
            await c.request("DESCRIBE", url)
            video = await c.request(
                "SETUP", f"{url}/trackID=0", {"Transport": TRANSPORT.format("0-1")}
            )
            session = video.header("session").split(";")[0]
            audio = await c.request(  # no channels asked for: the server picks 2-3
                "SETUP", f"{url}/trackID=1", {"Transport": "RTP/AVP/TCP", "Session": session}
            )
            assert "interleaved=2-3" in audio.header("transport")
            played = await c.request("PLAY", url, {"Session": session})
            assert played.header("rtp-info").count("url=") == 2
            got = await frames(c, 120)
        finally:
            await c.close()
    sound = [p for ch, p in got if ch in (2, 3)]
    assert sound and sound[0][1] == 200, "a sender report before the first audio packet"
    rtp = [p for ch, p in got if ch == 2]
    assert len(rtp) >= 5
    for packet in rtp:
        assert packet[0] >> 6 == 2 and packet[1] == 8, "RTP v2, PCMA, marker clear"
        assert len(packet) == 12 + 320, "40 ms of A-law: one byte a sample"
    stamps = [struct.unpack(">I", p[4:8])[0] for p in rtp]
    seqs = [struct.unpack(">H", p[2:4])[0] for p in rtp]
    assert all((b - a) % 2**32 == 320 for a, b in itertools.pairwise(stamps))
    assert all((b - a) % 2**16 == 1 for a, b in itertools.pairwise(seqs))


async def test_aac_frames_travel_as_rfc_3640_aac_hbr(clip: list[AccessUnit]) -> None:
    async with serving(clip, "aac", 16000) as (server, url, _):
        c = await RawRtsp.connect("127.0.0.1", server.port)
        try:
            sdp = (await c.request("DESCRIBE", url)).body.decode()
            assert "a=rtpmap:97 MPEG4-GENERIC/16000/1" in sdp
            assert "mode=AAC-hbr;sizelength=13;indexlength=3;" in sdp and "config=1408" in sdp
            setup = await c.request(
                "SETUP", f"{url}/trackID=1", {"Transport": TRANSPORT.format("0-1")}
            )
            session = setup.header("session").split(";")[0]
            await c.request("PLAY", url, {"Session": session})  # sound only
            got = await frames(c, 12)
        finally:
            await c.close()
    rtp = [p for ch, p in got if ch == 0]
    assert rtp
    for packet in rtp:
        assert packet[1] == 0x80 | 97, "marker set: each packet is a whole frame"
        (frame,) = aac_frames(packet[12:])
        assert 0 < len(frame) < 2000


async def test_ffmpeg_reads_both_tracks_and_drops_the_sound_with_an(
    clip: list[AccessUnit],
) -> None:
    ffmpeg = need("ffmpeg")
    async with serving(clip) as (_, url, _):
        code, _, err = await run(
            ffmpeg, "-v", "error", "-rtsp_transport", "tcp", "-i", url, "-t", "1",
            "-map", "0", "-c", "copy", "-f", "null", "-", timeout=30,
        )  # fmt: skip
        assert code == 0, err.decode()
        code, _, err = await run(
            ffmpeg, "-v", "error", "-rtsp_transport", "tcp", "-an", "-i", url, "-t", "1",
            "-f", "null", "-", timeout=30,
        )  # fmt: skip
        assert code == 0, err.decode()
