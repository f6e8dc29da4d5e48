"""The Tapo camera's RTSP server: ``stream1`` (main) and ``stream2`` (sub).

As on a real Tapo camera, ``rtsp://HOST:PORT/stream1`` and ``/stream2`` answer with
the *camera account* (set in the Tapo app under Advanced settings, distinct from the
cloud password the HTTPS API takes): ``SimOptions.stream_username`` /
``stream_password``. Without one every login is refused, like a camera whose camera
account was never created. Observed on real cameras (scrypted and go2rtc issue logs):
``OPTIONS`` needs no credentials and lists ``OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY,
GET_PARAMETER, SET_PARAMETER``; ``DESCRIBE`` without credentials gets 401 with a
``Basic realm="TP-Link IP-Camera"`` challenge and a Digest one; both schemes work.

Main stream: ``main_size`` (``extra``, default ``1920x1080``, the C200's), Main
profile; sub stream: ``sub_size`` (default ``640x360``), Baseline; both at ``fps``
(default 15) with a 1 s GOP. Each is encoded once for all its clients (RTSP's and
port 8800's: :func:`camera_feeds`), only while someone plays it. While privacy mode
(lens mask) is on, the picture is black. The scene (``scene``, default ``bursts``: the
block moves ``burst`` seconds, default 5, of every ``burst_period``, default 20) is
shared by both streams.

Both streams carry the microphone as a second track, G.711 A-law at 8 kHz mono
(``m=audio 0 RTP/AVP 8``, ``b=AS:64``, ``a=rtpmap:8 PCMA/8000``), as C200/C210
cameras' SDPs show in public client logs, with their track names: ``track1`` (video)
and ``track2`` (audio). ``extra["audio"] = False`` leaves the sound out. The sound
(:mod:`camhub.sim.audio`) is the scene's: a tone while the block moves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from camhub.media.rtsp_auth import PasswordAuth
from camhub.media.rtsp_server import RtspServer
from camhub.media.types import Feed
from camhub.sim.audio import AvFeed, SoundFeed, SoundSource
from camhub.sim.base import SimOptions
from camhub.sim.h264 import EncoderSettings, H264Feed
from camhub.sim.video import VideoSource

REALM = "TP-Link IP-Camera"
CONTROLS = ("track1", "track2")


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
    video = VideoSource(
        scene=extra.get("scene", "bursts"),
        period=float(extra.get("burst_period", 20)),
        burst=float(extra.get("burst", 5)),
    )
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
        self.sound: SoundFeed | None = None
        self.served: dict[str, Feed] = dict(self.feeds)
        if opts.extra.get("audio", True) and feeds:
            video = next(iter(feeds.values())).video  # the scene both streams show
            sound = self.sound = SoundFeed(SoundSource(video), "pcm_alaw", 8000)
            self.served = {path: AvFeed(feed, sound) for path, feed in self.feeds.items()}
        self.server = RtspServer(
            self.served.get,
            auth=PasswordAuth(self._password_of, REALM, ("basic", "digest")),
            host=opts.host,
            port=opts.rtsp_port or 0,
            session_timeout=float(opts.extra.get("rtsp_session_timeout", 60)),
            name=REALM,
            controls=CONTROLS,
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
        if self.sound is not None:  # the pictures' feeds belong to the camera
            await self.sound.close()

    def state(self) -> dict[str, Any]:
        return {
            "port": self.server.port,
            "sessions": self.server.sessions(),
            "encoders": {path: feed.encoding for path, feed in self.feeds.items()},
        }
