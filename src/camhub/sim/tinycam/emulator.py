"""tinyCam Monitor PRO web server emulator (seed 002).

Plain HTTP (tinyCam listens on 8083 by default); :class:`TinyCamTlsEmulator` is the same
server with tinyCam's HTTPS option on (a self-signed certificate). Several cameras, each
with its own synthetic picture; an admin and a guest account; basic auth,
``user``/``pwd`` and tokens. Access per route follows the document, where each "Access:"
line heads the section it applies to: guests may log in and out, list cameras and
events, and view MJPEG/JPEG; everything else is admin only. ``get_file`` names no access
level; the emulator keeps it admin only. ``restart.cgi`` also needs root
(``opts.extra["root"]``).

Options in ``opts.extra``: ``cameras`` (list of dicts, see ``cameras_from_options``),
``guest_username`` / ``guest_password`` (guest/guest), ``token_ttl`` (seconds, None:
no expiry), ``token_auth`` (False: no ``/api/v1/login``, as old versions),
``legacy_errors`` (errors as text with status 200), ``scene`` (quiet/motion/bursts),
``history`` (old events per camera at start, 3), ``root`` (True), ``slow_seconds`` (2).
Faults: ``drop`` (connections closed without answer), ``slow``, ``hang``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar

from aiohttp import web

from camhub.sim.base import Emulator
from camhub.sim.tinycam.auth import Users, require_admin
from camhub.sim.tinycam.cameras import SimCamera, cameras_from_options, default_cameras
from camhub.sim.tinycam.codes import Denied, Status, error_response
from camhub.sim.tinycam.recordings import EVENT_KINDS, Recordings, SimEvent
from camhub.sim.tinycam.routes import ACCESS, TinyCamRoutes
from camhub.tasks import cancel_and_wait

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TinyCamEmulator(Emulator):
    kind: ClassVar[str] = "tinycam"
    default_port: ClassVar[int] = 8083
    tls: ClassVar[bool] = False
    known_faults: ClassVar[frozenset[str]] = frozenset({"drop", "slow", "hang"})

    def setup(self) -> None:
        extra = self.opts.extra
        scene = extra.get("scene", "bursts")
        spec = extra.get("cameras")
        self.cameras: list[SimCamera] = (
            cameras_from_options(spec, scene) if spec else default_cameras(scene)
        )
        self.users = Users(
            (self.username, self.password),
            (extra.get("guest_username", "guest"), extra.get("guest_password", "guest")),
            extra.get("token_ttl"),
        )
        self.token_auth: bool = extra.get("token_auth", True)
        self.legacy_errors: bool = extra.get("legacy_errors", False)
        self.root_available: bool = extra.get("root", True)
        self.slow_seconds: float = extra.get("slow_seconds", 2.0)
        self.settings: dict[str, Any] = {
            "backgroundMode": True,
            "streamProfile": 0,  # 0 main, 1 sub, 2 auto
            "powerSafeMode": False,
            "notifications": True,
        }
        self.restarts = 0
        self.in_flight = 0  # requests being answered now, and the most at once so far
        self.peak_in_flight = 0
        self.live_connections = 0
        self.started_at = time.time()
        self.recordings = Recordings()
        self._moving: dict[int, bool] = {}
        now = int(time.time() * 1000)
        for cam in self.cameras:
            for i in range(int(extra.get("history", 3))):
                kind = ("person", "motion", "vehicle")[i % 3]
                self.recordings.record(cam, kind, now - (i + 1) * 3_600_000, 30_000 + i * 1000)
            if cam.cloud_access:
                self.recordings.record(cam, "motion", now - 1_800_000, 20_000, cloud=True)

        self.app.middlewares.append(self._middleware)
        self.app.cleanup_ctx.append(self._scene_watcher)
        TinyCamRoutes(self).add(self.app)

    # test hooks ------------------------------------------------------------------
    def add_camera(
        self,
        name: str,
        camera_id: int | None = None,
        ptz_capabilities: int = 0,
        **kw: Any,
    ) -> SimCamera:
        """Add a camera at run time (as a user adding one in the app)."""
        cid = (
            camera_id if camera_id is not None else max((c.id for c in self.cameras), default=0) + 1
        )
        cam = SimCamera(
            cid, name, ptz_capabilities, scene=self.opts.extra.get("scene", "bursts"), **kw
        )
        self.cameras.append(cam)
        return cam

    def remove_camera(self, camera_id: int) -> None:
        self.cameras = [c for c in self.cameras if c.id != camera_id]
        self.recordings.forget_camera(camera_id)

    def add_event(self, camera_id: int, kind: str = "motion", **kw: Any) -> SimEvent:
        """Record an event now (with its jpg and mp4) for the camera with that id."""
        return self.recordings.record(self.camera_by_id(camera_id), kind, **kw)

    def finish_event(self, event: SimEvent, duration_ms: int) -> None:
        """End an event's recording: the files are renamed with the final length."""
        self.recordings.finish(event, duration_ms)

    def expire_tokens(self) -> None:
        self.users.expire_all()

    def camera_by_id(self, camera_id: int) -> SimCamera:
        for cam in self.cameras:
            if cam.id == camera_id:
                return cam
        raise KeyError(camera_id)

    def sim_state(self) -> dict[str, Any]:
        return {
            "cameras": [
                {**c.listing(), "tags": c.tags, "motionDetection": c.motion_detection}
                for c in self.cameras
            ],
            "positions": {str(c.id): c.position() for c in self.cameras},
            "light": {str(c.id): c.light for c in self.cameras},
            "events": len(self.recordings.events),
            "settings": dict(self.settings),
            "tokens": len(self.users.tokens),
            "restarts": self.restarts,
            "peakInFlight": self.peak_in_flight,
        }

    # plumbing --------------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/__sim/"):
            return await handler(request)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            return await self._answer(request, handler)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.fault("drop"):
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        if self.fault("hang"):
            await asyncio.Event().wait()
        if self.fault("slow"):
            await asyncio.sleep(self.slow_seconds)
        try:
            if request.path not in ACCESS:
                raise Denied(Status.NOT_FOUND, "Not found.")
            if ACCESS[request.path] is not None:
                principal = self.users.authenticate(request)
                if ACCESS[request.path] == "admin":
                    require_admin(principal)
            return await handler(request)
        except Denied as exc:
            return error_response(exc.status, exc.text, self.legacy_errors)

    async def _scene_watcher(self, app: web.Application) -> AsyncIterator[None]:
        """Record a motion event each time a camera's scene starts moving."""
        task = asyncio.create_task(self._watch())
        yield
        await cancel_and_wait(task)

    async def _watch(self) -> None:
        while True:
            now = time.time()
            for cam in list(self.cameras):
                moving = cam.video.moving(now)
                if (
                    moving
                    and not self._moving.get(cam.id, False)
                    and cam.enabled
                    and cam.motion_detection
                ):
                    self.recordings.record(
                        cam, "motion", int(now * 1000), int(cam.video.burst * 1000)
                    )
                self._moving[cam.id] = moving
            await asyncio.sleep(0.25)


class TinyCamTlsEmulator(TinyCamEmulator):
    """The server with HTTPS on, as the document's ``https://...:8083`` examples."""

    tls: ClassVar[bool] = True


__all__ = ["EVENT_KINDS", "TinyCamEmulator", "TinyCamTlsEmulator"]
