"""The RTSP server method by method, on a real socket, with real H.264 access units."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator

import pytest

from camhub.media import h264
from camhub.media.rtsp_auth import PasswordAuth
from camhub.media.rtsp_server import RtspServer
from camhub.media.types import AccessUnit, Feed, VideoInfo
from tests.media.conftest import ClipFeed, make_clip
from tests.media.rtsp_client import RawRtsp, basic, digest

USER, PASSWORD = "viewer", "pa55-word"


@contextlib.asynccontextmanager
async def serving(
    feed: Feed, auth: bool = True, **kw: object
) -> AsyncIterator[tuple[RtspServer, str]]:
    password_of = {USER: PASSWORD}.get
    server = RtspServer(
        {"/cam": feed}.get,
        auth=PasswordAuth(password_of, "test realm") if auth else None,
        **kw,  # type: ignore[arg-type]
    )
    async with server:
        yield server, f"rtsp://127.0.0.1:{server.port}/cam"


@contextlib.asynccontextmanager
async def client(server: RtspServer, rcvbuf: int | None = None) -> AsyncIterator[RawRtsp]:
    c = await RawRtsp.connect("127.0.0.1", server.port, rcvbuf)
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture(scope="module")
def clip() -> list[AccessUnit]:
    return make_clip(frames=20, gop=5)


async def test_options_describe_and_auth(clip: list[AccessUnit]) -> None:
    async with serving(ClipFeed(clip)) as (server, url), client(server) as c:
        options = await c.request("OPTIONS", url)
        assert options.status == 200  # like a Tapo camera: no credentials needed
        assert {"DESCRIBE", "SETUP", "PLAY", "TEARDOWN", "GET_PARAMETER"} <= {
            m.strip() for m in options.header("public").split(",")
        }
        refused = await c.request("DESCRIBE", url)
        assert refused.status == 401
        challenges = refused.headers["www-authenticate"]
        assert any(ch.startswith('Digest realm="test realm", nonce="') for ch in challenges)
        assert 'Basic realm="test realm"' in challenges
        digest_challenge = next(ch for ch in challenges if ch.startswith("Digest"))
        wrong = await c.request(
            "DESCRIBE",
            url,
            {"Authorization": digest(digest_challenge, USER, "nope", "DESCRIBE", url)},
        )
        assert wrong.status == 401
        assert (
            await c.request("DESCRIBE", url, {"Authorization": basic(USER, "nope")})
        ).status == 401
        ok = await c.request(
            "DESCRIBE",
            url,
            {"Authorization": digest(digest_challenge, USER, PASSWORD, "DESCRIBE", url)},
        )
        assert ok.status == 200 and ok.header("content-type") == "application/sdp"
        assert ok.header("content-base") == url + "/"
        sdp = ok.body.decode()
        sps, pps = h264.parameter_sets(clip[0].data)  # type: ignore[misc]
        assert f"sprop-parameter-sets={h264.sprop_parameter_sets(sps, pps)}" in sdp
        assert "packetization-mode=1" in sdp and "a=rtpmap:96 H264/90000" in sdp
        assert "a=control:trackID=0" in sdp and "a=range:npt=0-" in sdp
        assert "a=framesize:96 320-240" in sdp
        basic_ok = await c.request("DESCRIBE", url, {"Authorization": basic(USER, PASSWORD)})
        assert basic_ok.status == 200


async def test_unknown_path_is_404_and_udp_is_461(clip: list[AccessUnit]) -> None:
    async with serving(ClipFeed(clip), auth=False) as (server, url), client(server) as c:
        assert (await c.request("DESCRIBE", url + "x")).status == 404
        udp = await c.request(
            "SETUP", f"{url}/trackID=0", {"Transport": "RTP/AVP;unicast;client_port=5000-5001"}
        )
        assert udp.status == 461
        assert (await c.request("PAUSE", url)).status == 405
        assert (await c.request("RECORDX", url)).status == 501
        assert (await c.request("PLAY", url, {"Session": "12345"})).status == 454


async def test_play_streams_rtp_from_a_keyframe_and_teardown_stops_it(
    clip: list[AccessUnit],
) -> None:
    feed = ClipFeed(clip, rate=30)
    async with serving(feed) as (server, url), client(server) as c:
        auth = basic(USER, PASSWORD)
        setup = await c.request(
            "SETUP", f"{url}/trackID=0", {"Authorization": auth,
                                          "Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
        )  # fmt: skip
        assert setup.status == 200
        transport = setup.header("transport")
        assert transport.startswith("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=")
        session, _, timeout = setup.header("session").partition(";")
        assert timeout == "timeout=60"
        played = await c.request("PLAY", url, {"Session": session})
        assert played.status == 200 and played.header("range").startswith("npt=0")
        rtp_info = played.header("rtp-info")
        first_seq = int(rtp_info.split("seq=")[1].split(";")[0])
        first_ts = int(rtp_info.split("rtptime=")[1])
        units = [await c.unit() for _ in range(8)]
        assert h264.is_keyframe(units[0].data) and h264.parameter_sets(units[0].data)
        assert units[0].seqs[0] == first_seq and units[0].timestamp == first_ts
        steps = {(b.timestamp - a.timestamp) & 0xFFFFFFFF for a, b in itertools.pairwise(units)}
        assert steps == {3000}  # 90 kHz at 30 units/s
        keep = await c.request("GET_PARAMETER", url, {"Session": session})
        assert keep.status == 200 and keep.header("session").startswith(session)
        assert (await c.request("GET_PARAMETER", url, {"Session": "bogus"})).status == 454
        assert server.playing == 1 and feed.subscribers == 1
        down = await c.request("TEARDOWN", url, {"Session": session})
        assert down.status == 200
        c.frames.clear()  # what was in flight before the answer
        after = await c.request("OPTIONS", url)
        assert after.status == 200 and c.frames == []  # nothing streamed after TEARDOWN
        assert server.playing == 0 and feed.subscribers == 0


async def test_bad_requests_get_an_answer_and_bounded_reads(clip: list[AccessUnit]) -> None:
    async with serving(ClipFeed(clip)) as (server, url):
        async with client(server) as c:
            await c.send_raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert (await c.reply()).status == 400
            assert await c.reader.read() == b""  # closed
        async with client(server) as c:
            await c.send_raw(
                b"OPTIONS " + url.encode() + b" RTSP/1.0\r\nX: " + b"a" * 9000 + b"\r\n\r\n"
            )
            assert (await c.reply()).status == 400
            assert await c.reader.read() == b""
        async with client(server) as c:
            head = f"SET_PARAMETER {url} RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 10000000\r\n\r\n"
            await c.send_raw(head.encode())
            assert (await c.reply()).status == 413
        async with client(server) as c:
            await c.send_raw(f"OPTIONS {url} RTSP/2.0\r\nCSeq: 1\r\n\r\n".encode())
            assert (await c.reply()).status == 505
        async with client(server) as c:
            await c.send_raw(f"OPTIONS {url} RTSP/1.0\r\n\r\n".encode())
            assert (await c.reply()).status == 400  # no CSeq
            assert (await c.request("OPTIONS", url)).status == 200  # and it carries on


async def test_connections_are_bounded(clip: list[AccessUnit]) -> None:
    async with (
        serving(ClipFeed(clip), max_connections=2) as (server, url),
        client(server) as a,
        client(server) as b,
    ):
        assert (await a.request("OPTIONS", url)).status == 200
        assert (await b.request("OPTIONS", url)).status == 200
        async with client(server) as c:
            assert (await c.reply()).status == 503


async def test_silent_sessions_time_out_and_keepalives_hold_them(clip: list[AccessUnit]) -> None:
    feed = ClipFeed(clip, rate=30)
    async with (
        serving(feed, auth=False, session_timeout=1) as (server, url),
        client(server) as silent,
        client(server) as alive,
    ):
        await silent.play(url)
        session = await alive.play(url)
        loop = asyncio.get_running_loop()
        until = loop.time() + 3.5  # three and a half timeouts
        while loop.time() < until:
            assert (await alive.request("GET_PARAMETER", url, {"Session": session})).status == 200
            await asyncio.sleep(0.3)  # the client's keep-alive period, not a wait for state
        alive.frames.clear()
        assert (await alive.unit()).data  # still streaming
        # the silent one was dropped: its stream ends in EOF
        with pytest.raises((asyncio.IncompleteReadError, ConnectionError)):
            while True:
                await asyncio.wait_for(silent.frame(), 5)
        assert server.connection_count == 1


async def test_a_slow_client_skips_and_does_not_slow_another() -> None:
    big = make_clip(640, 360, frames=10, gop=5, noise=True)  # ~100 kB per access unit
    total = 90
    feed = ClipFeed(big, rate=30, count=total)
    async with serving(feed, auth=False, queue_size=8) as (server, url):
        async with client(server, rcvbuf=4096) as slow, client(server) as fast:
            await slow.play(url)  # ...and never reads again
            await fast.play(url)
            received = 0
            seen: dict[str, dict[str, object]] = {}
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
                while True:  # the feed ends after `total` units, then the server closes
                    await asyncio.wait_for(fast.unit(), 10)
                    received += 1
                    seen.update((s["session"], s) for s in server.sessions())
        assert received == total  # every unit, from the first keyframe on
        dropping = [s for s in seen.values() if s["dropped"]]
        assert len(dropping) == 1 and dropping[0]["skips"]  # the slow one, and only it


class BrokenFeed(ClipFeed):
    """A feed whose description or stream fails: the server must carry on."""

    def __init__(self, clip: list[AccessUnit], fail_info: bool) -> None:
        super().__init__(clip)
        self.fail_info = fail_info

    async def video_info(self) -> VideoInfo:
        if self.fail_info:
            raise RuntimeError("camera gone")
        return self.info

    async def subscribe(self) -> AsyncIterator[AccessUnit]:
        yield self.clip[0]
        raise RuntimeError("stream broke")


async def test_a_broken_feed_is_an_error_for_its_client_only(
    clip: list[AccessUnit], caplog: pytest.LogCaptureFixture
) -> None:
    async with serving(BrokenFeed(clip, fail_info=True), auth=False) as (server, url):
        async with client(server) as c:
            assert (await c.request("DESCRIBE", url)).status == 500
        async with client(server) as c:
            assert (await c.request("OPTIONS", url)).status == 200
    async with serving(BrokenFeed(clip, fail_info=False), auth=False) as (server, url):
        async with client(server) as c:
            await c.play(url)
            assert h264.is_keyframe((await c.unit()).data)
            with pytest.raises((asyncio.IncompleteReadError, ConnectionError)):
                await asyncio.wait_for(c.unit(), 5)  # the stream ends: the connection closes
        async with client(server) as c:
            assert (await c.request("OPTIONS", url)).status == 200
    assert "stream broke" in caplog.text and "camera gone" in caplog.text


class SilentFeed(ClipFeed):
    """A feed that never learns its parameter sets (a camera that never answers)."""

    async def video_info(self) -> VideoInfo:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_describe_waits_boundedly_and_stop_does_not_wait_for_it(
    clip: list[AccessUnit],
) -> None:
    async with (
        serving(SilentFeed(clip), auth=False, info_timeout=0.5) as (server, url),
        client(server) as c,
    ):
        assert (await c.request("DESCRIBE", url)).status == 503
    server = RtspServer({"/cam": SilentFeed(clip)}.get)
    await server.start()
    c = await RawRtsp.connect("127.0.0.1", server.port)
    await c.send_raw(
        f"DESCRIBE rtsp://127.0.0.1:{server.port}/cam RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode()
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while server.connection_count == 0 and loop.time() < deadline:
        await asyncio.sleep(0.01)
    await asyncio.wait_for(server.stop(), 5)  # not the 10 s the DESCRIBE may wait
    assert server.connection_count == 0
    with contextlib.suppress(ConnectionResetError):  # closed, by FIN or by RST
        assert await c.reader.read() == b""
    await c.close()
