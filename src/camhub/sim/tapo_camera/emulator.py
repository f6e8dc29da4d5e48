"""The Tapo camera emulator: HTTPS on one port, ``POST /`` to log in and
``POST /stok=<stok>/ds`` for everything else (seed 000, pytapo 3.4.30).

Routes: :class:`~camhub.sim.tapo_camera.routes.TapoCameraRoutes`; error codes:
:mod:`camhub.sim.tapo_camera.codes`.

Options (``SimOptions``): ``login`` is ``"legacy"``, ``"secure"`` (encrypt_type 3)
or ``"tpap"`` (the SPAKE2+ login of 2025-26 firmware, see :mod:`.tpap`); ``model``
(``C100``, ``C200`` (default), ``C210``, ``C220``; see :mod:`.profiles`).
``extra`` keys: ``hash`` (``"sha256"`` default, or ``"md5"``: the password digest of
the secure flow; for TPAP, md5 is the C510W's credential and sha256 the C200 1.4.6's
password shadow), ``max_attempts`` (failed logins before a lockout, 10),
``lockout_seconds`` (1800), ``slow_seconds`` (delay of the ``slow`` fault, 5),
``detection_period`` (seconds between scripted detections, 20; 0 for none),
``without`` (modules this firmware lacks, e.g. ``["led", "lens_mask"]``: the
camera refuses their methods), ``sd_card`` (false: no card inserted),
``format_seconds`` (how long formatting the card takes, 2),
``firmware_update`` (a newer version the cloud offers), ``upgrade_seconds``
(how long an upgrade takes, 4), ``plain_single_replies`` (secure firmware that
answers single get/set/do requests unencrypted, as python-kasa saw C210s do).

RTSP (``SimOptions.rtsp_port``, None for none): ``stream1`` and ``stream2`` with the
camera account ``stream_username`` / ``stream_password``; ``extra`` keys
``main_size``, ``sub_size``, ``fps``, ``scene``, ``rtsp_session_timeout``; see
:mod:`camhub.sim.tapo_camera.rtsp`.

Port 8800 (``SimOptions.media_port``, None for none): the cloud password's stream of
:mod:`camhub.sim.tapo_camera.media`, sharing RTSP's encoders; ``extra`` keys
``media_hash`` (``md5``, ``sha256`` or ``sha256-md5``; by default ``md5`` for the
legacy login and ``sha256`` otherwise, see :mod:`.media_auth`) and
``media_max_clients`` (4).

Faults: ``slow`` and ``drop`` (connection closed mid-reply) and ``lockout`` (every
login answers -40404 with ``sec_left``) last until switched off;
``session-expiry`` (-40401), ``bad-seq`` (HTTP 500 ``Http seq illegaly``) and
``bad-tag`` hit the next API request only, then switch themselves off;
``media-drop`` ends every port-8800 stream at once (and switches itself off);
``media-stall`` keeps port-8800 connections open but sends nothing until off.
"""

from __future__ import annotations

from typing import Any, ClassVar

from camhub.sim.base import Emulator, SimOptions
from camhub.sim.tapo_camera.auth import LoginAuthority
from camhub.sim.tapo_camera.camera import TapoCamera
from camhub.sim.tapo_camera.media import MediaServer
from camhub.sim.tapo_camera.motion import Detection
from camhub.sim.tapo_camera.routes import TapoCameraRoutes
from camhub.sim.tapo_camera.rtsp import TapoRtsp, camera_feeds
from camhub.sim.tapo_camera.tpap import TpapAuthority


class TapoCameraEmulator(Emulator):
    kind: ClassVar[str] = "tapo-camera"
    tls: ClassVar[bool] = True
    default_port: ClassVar[int] = 443
    known_faults: ClassVar[frozenset[str]] = frozenset(
        {
            "session-expiry",
            "bad-seq",
            "bad-tag",
            "lockout",
            "slow",
            "drop",
            "media-drop",
            "media-stall",
        }
    )

    def __init__(self, opts: SimOptions | None = None) -> None:
        opts = opts or SimOptions()
        if opts.login not in ("legacy", "secure", "tpap"):
            raise ValueError(f"login must be legacy, secure or tpap, not {opts.login!r}")
        extra = opts.extra
        hash_name = str(extra.get("hash", "sha256"))
        if hash_name not in ("sha256", "md5"):
            raise ValueError(f"hash must be sha256 or md5, not {hash_name!r}")
        super().__init__(opts)
        self.secure = opts.login != "legacy"
        self.tpap = opts.login == "tpap"
        self.slow_seconds = float(extra.get("slow_seconds", 5.0))
        limits = {
            "max_attempts": int(extra.get("max_attempts", 10)),
            "lockout_seconds": int(extra.get("lockout_seconds", 1800)),
        }
        self.auth: LoginAuthority
        if self.tpap:
            self.auth = TpapAuthority(
                username=self.username, password=self.password, hash_name=hash_name, **limits
            )
        else:
            self.auth = LoginAuthority(
                username=self.username,
                password=self.password,
                secure=self.secure,
                hash_name=hash_name,
                **limits,
            )
        # Firmware that answers a securePassthrough carrying a single get/set/do in
        # plain JSON (python-kasa: "Tapo Cameras respond unencrypted to single
        # requests"); multipleRequest answers stay encrypted either way.
        self.plain_single = bool(extra.get("plain_single_replies", False))
        offered = extra.get("firmware_update")
        self.camera = TapoCamera(
            opts.model or "C200",
            detection_period=float(extra.get("detection_period", 20.0)),
            on_reboot=self.auth.sessions.clear,
            without=frozenset(str(m) for m in extra.get("without", ())),
            host=opts.host,
            sd_card=bool(extra.get("sd_card", True)),
            format_seconds=float(extra.get("format_seconds", 2.0)),
            firmware_update=str(offered) if offered else None,
            upgrade_seconds=float(extra.get("upgrade_seconds", 4.0)),
        )
        privacy = lambda: self.camera.privacy  # noqa: E731
        video = opts.rtsp_port is not None or opts.media_port is not None
        self.feeds = camera_feeds(opts, privacy) if video else {}
        self.rtsp = TapoRtsp(opts, self.feeds) if opts.rtsp_port is not None else None
        self.media: MediaServer | None = None
        if opts.media_port is not None:
            default = "md5" if opts.login == "legacy" else "sha256"
            self.media = MediaServer(
                opts.host,
                opts.media_port,
                self.password,
                str(extra.get("media_hash", default)),
                dict(self.feeds),
                max_clients=int(extra.get("media_max_clients", 4)),
                stalled=lambda: self.fault("media-stall"),
            )

    def setup(self) -> None:
        TapoCameraRoutes(self).add(self.app)

    async def start(self) -> str:
        url = await super().start()
        if self.rtsp is not None:
            await self.rtsp.start()
        if self.media is not None:
            await self.media.start()
        return url

    async def stop(self) -> None:
        if self.media is not None:
            await self.media.stop()
        if self.rtsp is not None:
            await self.rtsp.stop()
        for feed in self.feeds.values():
            await feed.close()
        await super().stop()

    @property
    def media_port(self) -> int | None:
        """The port-8800 stream's port while it runs (the emulator's own), or None."""
        return self.media.port if self.media is not None else None

    @property
    def rtsp_url(self) -> str | None:
        """``rtsp://HOST:PORT`` of the RTSP server (append ``/stream1``), or None."""
        return self.rtsp.url if self.rtsp is not None else None

    # hooks for tests and the demo ------------------------------------------------------
    def add_detection(
        self, kind: str = "motion", start: int | None = None, duration: int = 5
    ) -> Detection:
        """Log a detection (``start`` in epoch seconds, default now)."""
        return self.camera.detections.add(kind, start, duration)

    def finish_sd_format(self) -> None:
        """End a running SD card format now instead of after ``format_seconds``."""
        self.camera.card.finish_format()

    def finish_upgrade(self) -> None:
        """Complete a running firmware upgrade now (the camera reboots on it)."""
        self.camera.firmware.finish()

    def sim_state(self) -> dict[str, Any]:
        cam = self.camera
        return {
            "login": self.opts.login,
            "model": cam.model,
            "pan": cam.motor.pan,
            "tilt": cam.motor.tilt,
            "cruising": cam.motor.cruising,
            "privacy": cam.privacy,
            "led": cam.led,
            "motion_detection": cam.tree.get("motion_detection", {})
            .get("motion_det", {})
            .get("enabled")
            == "on",
            "presets": [{"id": p.id, "name": p.name} for p in cam.presets.items.values()],
            "logins": self.auth.logins,
            "sessions": len(self.auth.sessions),
            "locked_seconds": self.auth.seconds_left(),
            "reboots": cam.reboots,
            "rtsp": self.rtsp.state() if self.rtsp is not None else None,
            "media": self.media.state() if self.media is not None else None,
            "alarm": cam.alarm_active,
            "sd_card": cam.card.status,
            "sd_formats": cam.card.formats,
            "firmware": cam.firmware.version,
        }

    def on_fault(self, name: str, on: bool) -> None:
        if name == "media-drop" and on:
            self.faults.discard(name)  # one shot: every port-8800 stream ends now
            if self.media is not None:
                self.media.drop_streams()

    # the routes' port (host.ApiHost) -------------------------------------------------
    def take_fault(self, name: str) -> bool:
        """Whether the one-shot fault ``name`` is on, switching it off if so."""
        if name in self.faults:
            self.faults.discard(name)
            return True
        return False

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        return self.camera.handle(request)
