"""pytapo's own port-8800 client, unmodified, streams from the emulator.

``Tapo(...).getMediaSession()`` (``HttpMediaSession``: digest login, Key-Exchange,
AES parts, session routing) with the preview request pytapo's ``Streamer`` builds,
and the ``Streamer`` itself piping the stream through ffmpeg: both must give H.264
that FFmpeg decodes at the asked size, for each firmware's password hash. A wrong
cloud password is refused as the camera refuses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import av
import pytest
from pytapo.media_stream._utils import StreamType
from pytapo.media_stream.error import HttpStatusCodeException
from pytapo.media_stream.streamer import Streamer
from rtp import PayloadType

from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.helpers.tools import need
from tests.tapo_camera.conftest import PASSWORD, PyTapo, pytapo_client, running

MAIN = (1280, 720)


@contextlib.asynccontextmanager
async def camera(login: str = "secure", **extra: Any) -> AsyncIterator[TapoCameraEmulator]:
    opts = SimOptions(
        login=login,
        password=PASSWORD,
        media_port=0,
        extra={"detection_period": 0, "main_size": f"{MAIN[0]}x{MAIN[1]}", **extra},
    )
    async with running(opts) as emu:
        yield emu


@contextlib.asynccontextmanager
async def pytapo(emu: TapoCameraEmulator, cloud: str = PASSWORD) -> AsyncIterator[PyTapo]:
    async with pytapo_client(emu, cloudPassword=cloud, streamPort=emu.media_port) as cam:
        yield cam


def decoded(ts: bytes) -> tuple[int, tuple[int, int]]:
    """Pictures FFmpeg decodes from an MPEG-TS capture, and their size."""
    count, size = 0, (0, 0)
    with av.open(io.BytesIO(ts), format="mpegts") as container:
        for frame in container.decode(container.streams.video[0]):
            count, size = count + 1, (frame.width, frame.height)
    return count, size


async def capture(cam: PyTapo, quality: str, parts: int) -> tuple[bytes, list[Any]]:
    """The live stream at ``quality`` until ``parts`` pictures came, and the other answers
    (the JSON response, the parts pytapo found sound in)."""
    payload = json.dumps(Streamer(cam.client, quality=quality)._build_preview_payload())
    ts, other = bytearray(), []
    session = cam.client.getMediaSession(StreamType.Stream)
    async with session:
        got = 0
        async for resp in session.transceive(payload, no_data_timeout=10):
            if resp.mimetype != "video/mp2t":
                other.append(resp)
                continue
            ts += resp.plaintext
            if resp.audioPayload:
                other.append(resp)
                continue
            got += 1
            if got == parts:
                break
    return bytes(ts), other


@pytest.mark.parametrize(
    ("login", "media_hash"),
    [("legacy", "md5"), ("secure", "sha256"), ("secure", "sha256-md5"), ("tpap", "sha256")],
)
async def test_pytapo_media_session_gets_h264_ffmpeg_decodes(login: str, media_hash: str) -> None:
    async with camera(login, media_hash=media_hash, hash="sha256") as emu, pytapo(emu) as cam:
        ts, answers = await capture(cam, "HD", 30)
        count, size = decoded(ts)
        assert count >= 25, count  # the first part starts on a keyframe
        assert size == MAIN
        response = answers[0]
        assert response.mimetype == "application/json"
        assert response.json_data["params"]["error_code"] == 0
        assert response.session == int(response.json_data["params"]["session_id"])
        # G.711 A-law, as pytapo's TS reader finds it
        audio = [r for r in answers if r.mimetype == "video/mp2t"]
        assert audio and {r.audioPayloadType for r in audio} == {PayloadType.PCMA}
        state = emu.sim_state()["media"]
        assert state["logins"] == 1
        # the firmware that advertises SHA-256 but takes MD5 refuses pytapo's first try
        assert state["refused_logins"] == (1 if media_hash == "sha256-md5" else 0)


async def test_pytapo_vga_is_stream2() -> None:
    async with camera() as emu, pytapo(emu) as cam:
        ts, _ = await capture(cam, "VGA", 20)
        count, size = decoded(ts)
        assert count >= 15
        assert size == (640, 360)
        assert emu.sim_state()["rtsp"] is None  # no camera account needed for any of it


async def test_pytapo_wrong_cloud_password_is_refused() -> None:
    async with camera() as emu, pytapo(emu, cloud="not-the-password") as cam:
        session = cam.client.getMediaSession(StreamType.Stream)
        with pytest.raises(HttpStatusCodeException) as refused:
            await session.start()
        assert refused.value.status_code == 401
        state = emu.sim_state()["media"]
        # pytapo tried SHA-256 (the challenge's encrypt_type 3), then MD5
        assert (state["logins"], state["refused_logins"]) == (0, 2)
        assert state["streaming"] == []


async def test_pytapo_streamer_pipes_the_stream_through_ffmpeg() -> None:
    need("ffmpeg")
    async with camera() as emu, pytapo(emu) as cam:
        streamer = Streamer(cam.client, quality="HD", logLevel="error", ff_args={"-frames:v": "20"})
        started = await streamer.start()
        try:
            out = await asyncio.wait_for(started["ffmpegProcess"].stdout.read(), 30)
        finally:
            await streamer.stop()
        count, size = decoded(out)
        assert count == 20
        assert size == MAIN
