"""The Tapo camera's RTSP server: ``stream1`` (main) and ``stream2`` (sub).

As on a real Tapo camera, ``rtsp://HOST:PORT/stream1`` and ``/stream2`` answer with
the *camera account* (set in the Tapo app under Advanced settings, distinct from the
cloud password the HTTPS API takes): ``SimOptions.stream_username`` /
``stream_password``. Without one every login is refused, like a camera whose camera
account was never created. Observed on real cameras (scrypted and go2rtc issue logs):
``OPTIONS`` needs no credentials and lists ``OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY,
GET_PARAMETER, SET_PARAMETER``; ``DESCRIBE`` without credentials gets 401 with a
``Basic realm="TP-Link IP-Camera"`` challenge and a Digest one; both schemes work.

Video only (the real camera adds a G.711 audio track). Main stream: ``main_size``
(``extra``, default ``1920x1080``, the C200's), Main profile; sub stream:
``sub_size`` (default ``640x360``), Baseline; both at ``fps`` (default 15) with a 1 s
GOP. Each is encoded once for all its clients, only while someone plays it. While
privacy mode (lens mask) is on, the picture is black.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from camhub.media.rtsp_auth import PasswordAuth
from camhub.media.rtsp_server import RtspServer
from camhub.sim.base import SimOptions
from camhub.sim.h264 import EncoderSettings, H264Feed
from camhub.sim.video import VideoSource

REALM = "TP-Link IP-Camera"


def parse_size(text: Any) -> tuple[int, int]:
    """``"1280x720"`` -> (1280, 720); ValueError otherwise."""
    w, sep, h = str(text).lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit():
        raise ValueError(f"size must look like 1280x720, not {text!r}")
    return int(w), int(h)


def camera_feeds(opts: SimOptions, privacy: Callable[[], bool]) -> dict[str, H264Feed]:
    """``stream1`` and ``stream2``: one encoder each, shared by RTSP and port 8800.

    ``privacy``: whether the lens is covered now (the picture is then black)."""
    extra = opts.extra
    fps = float(extra.get("fps", 15))
    main = EncoderSettings(*parse_size(extra.get("main_size", "1920x1080")), fps=fps)
    sub = EncoderSettings(
        *parse_size(extra.get("sub_size", "640x360")), fps=fps, profile="baseline"
    )
    video = VideoSource(scene=extra.get("scene", "bursts"))
    return {
        "stream1": H264Feed(video, main, blank=privacy),
        "stream2": H264Feed(video, sub, blank=privacy),
    }


class TapoRtsp:
    def __init__(self, opts: SimOptions, feeds: dict[str, H264Feed]) -> None:
        self.host = opts.host
        self.username = opts.stream_username
        self.password = opts.stream_password
        self.feeds = {f"/{name}": feed for name, feed in feeds.items()}
        self.server = RtspServer(
            self.feeds.get,
            auth=PasswordAuth(self._password_of, REALM, ("basic", "digest")),
            host=opts.host,
            port=opts.rtsp_port or 0,
            session_timeout=float(opts.extra.get("rtsp_session_timeout", 60)),
            name=REALM,
        )

    def _password_of(self, user: str) -> str | None:
        if self.username is None or self.password is None or user != self.username:
            return None
        return self.password

    @property
    def url(self) -> str:
        return f"rtsp://{self.host}:{self.server.port}"

    async def start(self) -> None:
        await self.server.start()

    async def stop(self) -> None:
        await self.server.stop()

    def state(self) -> dict[str, Any]:
        return {
            "port": self.server.port,
            "sessions": self.server.sessions(),
            "encoders": {path: feed.encoding for path, feed in self.feeds.items()},
        }
