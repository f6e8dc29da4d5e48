"""The Sercomm camera's RTSP server (seed 004, "RTP/RTSP"): ``/img/media.sav`` and
``/img/video.sav`` on ``RTSP_RTP.rtsp_port``.

Both serve H.264 of the camera picture as the ``H264`` group sets it: ``resolution``
(1: 160x120, 2: 320x240, 3: 640x480, 4: 1280x720), ``frame_rate``, ``gov_length``
(frames between keyframes) and ``profile`` (66 Baseline; 77 and 100 are served as
Main). Changing the group while clients play restarts the encoder (new SPS/PPS on
the next keyframe); changing ``RTSP_RTP.rtsp_port`` moves the server. Video only:
``media.sav`` carries no audio track and ``audio.sav`` answers 404 (the emulator
makes no G.726/G.711 audio).

Credentials are the HTTP API's (the ``USER`` group: the admin, and the viewer when it
has a name), by Basic with the realm of the HTTP API (seed 004 does not say how the
RTSP server authenticates; Basic is what the camera's HTTP side takes); with
``USER.login_check=0`` no credentials are needed, and the ``bad-auth`` fault refuses
every one. ``SimOptions.rtsp_port`` turns the server on (0: a free port, which
``RTSP_RTP.rtsp_port`` then shows).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from camhub.media.rtsp_auth import PasswordAuth
from camhub.media.rtsp_messages import Request
from camhub.media.rtsp_server import RtspServer
from camhub.media.types import Feed
from camhub.sim.h264 import EncoderSettings, H264Feed, Profile
from camhub.sim.sercomm.host import RtspHost
from camhub.sim.sercomm.streams import RESOLUTIONS

log = logging.getLogger(__name__)

REALM = "IP Camera"
PATHS = frozenset({"/img/media.sav", "/img/video.sav"})


def _number(text: str, default: float, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        return default
    return min(high, max(low, value))


class _SercommAuth:
    """The USER group's accounts, by Basic; ``login_check=0`` lets anyone in."""

    def __init__(self, camera: RtspHost) -> None:
        self.camera = camera
        self.basic = PasswordAuth(self._password_of, REALM, ("basic",))

    def _password_of(self, user: str) -> str | None:
        users = self.camera.groups["USER"]
        if user == users["admin_name"]:
            return users["admin_password"]
        if users["viewer_name"] and user == users["viewer_name"]:
            return users["viewer_password"]
        return None

    async def authenticate(self, request: Request) -> str | None:
        if self.camera.fault("bad-auth"):
            return None
        if self.camera.g("USER", "login_check") == "0":
            return "anonymous"
        return await self.basic.authenticate(request)

    def challenges(self, request: Request) -> list[str]:
        return self.basic.challenges(request)


class SercommRtsp:
    def __init__(self, camera: RtspHost) -> None:
        self.camera = camera
        self.feed = H264Feed(camera.video, self.encoder_settings())
        self.server: RtspServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def encoder_settings(self) -> EncoderSettings:
        g = self.camera.g
        w, h = RESOLUTIONS.get(g("H264", "resolution"), (1280, 720))
        fps = _number(g("H264", "frame_rate"), 25, 1, 30)
        gop = _number(g("H264", "gov_length"), fps, 1, 300)
        profile: Profile = "baseline" if g("H264", "profile", "66") == "66" else "main"
        return EncoderSettings(w, h, fps=fps, gop_seconds=gop / fps, profile=profile)

    @property
    def url(self) -> str | None:
        if self.server is None:
            return None
        return f"rtsp://{self.camera.opts.host}:{self.server.port}"

    def _resolve(self, path: str) -> Feed | None:
        return self.feed if path in PATHS else None

    async def start(self, port: int) -> None:
        server = RtspServer(
            self._resolve,
            auth=_SercommAuth(self.camera),
            host=self.camera.opts.host,
            port=port,
            session_timeout=float(self.camera.opts.extra.get("rtsp_session_timeout", 60)),
            payload_budget=int(_number(self.camera.g("RTSP_RTP", "rtp_size"), 1400, 400, 1400)),
            name=self.camera.model.name,
        )
        await server.start()
        self.server = server
        self.camera.groups["RTSP_RTP"]["rtsp_port"] = str(server.port)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        server, self.server = self.server, None
        if server is not None:
            await server.stop()
        await self.feed.close()

    def groups_changed(self) -> None:
        """The configuration changed: follow the H264 group and the RTSP port."""
        self.feed.reconfigure(self.encoder_settings())
        wanted = self.camera.g("RTSP_RTP", "rtsp_port")
        if self.server is not None and wanted.isdigit() and int(wanted) != self.server.port:
            task = asyncio.get_running_loop().create_task(self._move(int(wanted)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _move(self, port: int) -> None:
        server, self.server = self.server, None
        if server is not None:
            await server.stop()
        try:
            await self.start(port)
        except OSError as exc:
            log.warning("sercomm RTSP cannot listen on port %d: %s", port, exc.strerror)
            with contextlib.suppress(OSError):
                await self.start(0)
