"""The Sercomm emulator's RTSP server: ``/img/media.sav`` and ``/img/video.sav`` on
``RTSP_RTP.rtsp_port``, with the USER group's accounts, following the H264 group.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp

from camhub.sim.sercomm import SercommEmulator
from tests.helpers.net import free_port
from tests.helpers.wait import until
from tests.media.players import ffprobe
from tests.media.rtsp_client import RawRtsp
from tests.sercomm.conftest import ADMIN, PASSWORD, options


@contextlib.asynccontextmanager
async def camera() -> AsyncIterator[tuple[SercommEmulator, aiohttp.ClientSession]]:
    opts = options()
    opts.rtsp_port = 0
    async with SercommEmulator(opts) as emu, aiohttp.ClientSession(headers=ADMIN) as http:
        assert isinstance(emu, SercommEmulator)
        yield emu, http


def rtsp(emu: SercommEmulator, path: str, user: str = "admin", pw: str = PASSWORD) -> str:
    port = emu.g("RTSP_RTP", "rtsp_port")
    return f"rtsp://{user}:{pw}@127.0.0.1:{port}{path}"


async def set_group(http: aiohttp.ClientSession, emu: SercommEmulator, **values: str) -> None:
    async with http.get(f"{emu.url}/adm/set_group.cgi", params=values) as r:
        assert r.status == 200 and (await r.text()).strip() == "OK"


async def test_the_port_is_in_the_config_and_both_paths_serve_h264() -> None:
    async with camera() as (emu, http):
        async with http.get(f"{emu.url}/adm/get_group.cgi?group=RTSP_RTP") as r:
            text = await r.text()
        assert emu.rtsp_url is not None
        assert f"rtsp_port={emu.rtsp_url.rsplit(':', 1)[1]}" in text
        stream, err = await ffprobe(rtsp(emu, "/img/video.sav"))
        assert stream is not None, err
        assert (stream["codec_name"], stream["width"], stream["height"]) == ("h264", 1280, 720)
        assert stream["profile"] in ("Baseline", "Constrained Baseline")  # H264.profile=66
        await set_group(http, emu, group="H264", resolution="2", profile="77")
        stream, err = await ffprobe(rtsp(emu, "/img/media.sav", "demo", "demo"))  # the viewer
        assert stream is not None, err
        assert (stream["width"], stream["height"], stream["profile"]) == (320, 240, "Main")
        stream, err = await ffprobe(rtsp(emu, "/img/audio.sav"))
        assert stream is None and "404" in err


async def test_accounts_login_check_and_the_bad_auth_fault() -> None:
    async with camera() as (emu, http):
        await set_group(http, emu, group="H264", resolution="2")
        stream, err = await ffprobe(rtsp(emu, "/img/video.sav", "admin", "wrong"))
        assert stream is None and "401" in err
        port = int(emu.g("RTSP_RTP", "rtsp_port"))
        c = await RawRtsp.connect("127.0.0.1", port)
        try:
            refused = await c.request("DESCRIBE", f"rtsp://127.0.0.1:{port}/img/video.sav")
            assert refused.headers["www-authenticate"] == ['Basic realm="IP Camera"']
        finally:
            await c.close()
        await set_group(http, emu, group="USER", login_check="0")
        stream, err = await ffprobe(f"rtsp://127.0.0.1:{port}/img/video.sav")
        assert stream is not None, err
        await set_group(http, emu, group="USER", login_check="1")
        emu.set_fault("bad-auth")
        stream, err = await ffprobe(rtsp(emu, "/img/video.sav"))
        assert stream is None and "401" in err


async def test_setting_rtsp_port_moves_the_server() -> None:
    async with camera() as (emu, http):
        await set_group(http, emu, group="H264", resolution="2")
        old = int(emu.g("RTSP_RTP", "rtsp_port"))
        new = free_port()
        await set_group(http, emu, group="RTSP_RTP", rtsp_port=str(new))
        await until(lambda: (emu.rtsp_url or "").endswith(f":{new}"), 5, "RTSP on the new port")
        stream, err = await ffprobe(rtsp(emu, "/img/video.sav"))
        assert stream is not None and stream["width"] == 320, err
        assert rtsp(emu, "").endswith(f":{new}")
        assert emu.rtsp is not None and emu.rtsp.server is not None
        assert emu.rtsp.server.port == new != old
