"""The IP Camera app's RTSP server (seed 003, "RTSP"), driven by its settings.

``rtsp://HOST:rtspPort<rtspPath>`` serves H.264 of the camera picture at the
``resolution`` (rotation applied) and ``frameRate`` of the settings, capped at
``extra["rtsp_max_fps"]`` (default 30) to spare the CPU. A change of picture
settings while clients play restarts the encoder: the next keyframe carries the new
SPS/PPS in band, as an Android encoder reconfigured on the fly does.

The server runs while started: at launch when ``rtspEnabled`` is on (``SimOptions.
rtsp_port`` turns it on, on that port; 0 picks a free one and ``rtspPort`` shows it),
by ``POST /api/rtsp/start`` / ``stop`` / ``restart``, by switching ``rtspEnabled``, and
``POST /api/rtsp/apply-settings`` restarts it. Port, path and credentials are read
when it starts, so ``POST /api/rtsp/settings`` takes effect at the next (re)start.
Once ``rtspPassword`` is set, clients need ``rtspUsername`` and it, by Digest or Basic
(seed 003 does not say which the app takes; both are accepted); without a password the
stream is open.

While ``audioEnabled`` is on, the stream has a second track: the microphone in AAC-LC
mono (``MPEG4-GENERIC/44100/1``, AAC-hbr, as an Android app encoding with MediaCodec
sends it; ``extra["audio_rate"]`` picks another rate, e.g. 16000). A client that
DESCRIBEs after the switch sees it come or go.
"""

from __future__ import annotations

from camhub.media.rtsp_auth import PasswordAuth
from camhub.media.rtsp_server import RtspServer
from camhub.media.types import Feed
from camhub.sim.audio import AvFeed, SoundFeed, SoundSource
from camhub.sim.h264 import EncoderSettings, H264Feed
from camhub.sim.ipcamera.host import RtspHost

REALM = "IP Camera"
PICTURE_KEYS = frozenset({"resolution", "frameRate", "rotation", "cameraId", "useFrontCamera"})


class IpCameraRtsp:
    def __init__(self, camera: RtspHost, max_fps: float = 30.0, audio_rate: int = 44100) -> None:
        self.camera = camera
        self.max_fps = max_fps
        self.feed = H264Feed(camera.video, self.encoder_settings())
        self.sound = SoundFeed(SoundSource(camera.video), "aac", audio_rate)
        self.served = AvFeed(self.feed, self.sound, lambda: bool(camera.settings["audioEnabled"]))
        self.server: RtspServer | None = None
        self._path = "/stream"
        self._username = ""
        self._password = ""

    def encoder_settings(self) -> EncoderSettings:
        s = self.camera.settings
        w, h = s.frame_size()
        fps = min(float(s["frameRate"]), self.max_fps)
        return EncoderSettings(w, h, fps=fps, profile="baseline")

    # state -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.server is not None

    @property
    def clients(self) -> int:
        return self.server.playing if self.server is not None else 0

    @property
    def url(self) -> str | None:
        if self.server is None:
            return None
        return f"rtsp://{self.camera.opts.host}:{self.server.port}"

    def picture_changed(self) -> None:
        """Resolution, frame rate, rotation or lens changed."""
        self.feed.reconfigure(self.encoder_settings())

    # control ---------------------------------------------------------------------------
    async def start(self, port: int | None = None) -> None:
        """Start on the settings' port (or ``port``); OSError when it is taken."""
        if self.server is not None:
            return
        s = self.camera.settings
        self._path = str(s["rtspPath"]).rstrip("/") or "/"
        self._username, self._password = str(s["rtspUsername"]), s.rtsp_password
        server = RtspServer(
            self._resolve,
            auth=PasswordAuth(self._password_of, REALM) if self._password else None,
            host=self.camera.opts.host,
            port=int(s["rtspPort"]) if port is None else port,
            session_timeout=float(self.camera.opts.extra.get("rtsp_session_timeout", 60)),
            name="IP Camera",
        )
        await server.start()
        self.server = server
        if port == 0:
            s.values["rtspPort"] = server.port

    async def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            await server.stop()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def _resolve(self, path: str) -> Feed | None:
        return self.served if path == self._path else None

    def _password_of(self, user: str) -> str | None:
        return self._password if user == self._username else None
