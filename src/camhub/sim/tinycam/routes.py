"""The tinyCam web server's routes: ``/api/v1/*``, ``/axis-cgi/*`` and ``/param.cgi``.

:data:`ACCESS` says who may call each path; the emulator's middleware checks it (and
authenticates) before a handler runs. Handlers raise :class:`Denied` for bad input.
"""

from __future__ import annotations

import asyncio
import re
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from aiohttp import web
from multidict import MultiMapping

from camhub.sim.tinycam.cameras import LIGHT_ACTIONS, SimCamera
from camhub.sim.tinycam.codes import Denied, Status
from camhub.sim.tinycam.host import ServerHost
from camhub.sim.tinycam.params import int_param
from camhub.sim.tinycam.recordings import FILTERS
from camhub.sim.video import tone_wav

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CameraParam = Literal["camera", "cameraId", "either"]

# path -> who may call it (None: no authentication, the login route)
ACCESS: dict[str, str | None] = {
    "/api/v1/login": None,
    "/api/v1/logout": "guest",
    "/api/v1/get_cam_list": "guest",
    "/api/v1/get_cam_event_list": "guest",
    "/api/v1/get_file": "admin",
    "/api/v1/get_status": "admin",
    "/axis-cgi/mjpg/video.cgi": "guest",
    "/axis-cgi/jpg/image.cgi": "guest",
    "/axis-cgi/audio/receive.wav": "admin",
    "/axis-cgi/com/ptz.cgi": "admin",
    "/axis-cgi/io/lightcontrol.cgi": "admin",
    "/param.cgi": "admin",
    "/axis-cgi/admin/restart.cgi": "admin",
}

BOUNDARY = "myboundary"
PART_HEAD = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: "
ON_OFF = {"on": True, "off": False}
STREAM_PROFILES = {"main": 0, "sub": 1, "auto": 2}
_RESOLUTION = re.compile(r"^(\d{2,4})x(\d{2,4})$")
_PAIR = re.compile(r"^(-?\d+),(-?\d+)$")


def ok() -> web.Response:
    return web.Response(text="OK")


def _image_args(request: web.Request) -> tuple[int | None, int | None, int]:
    """(width, height, quality) from ``resolution`` and ``compression``."""
    width = height = None
    res = request.query.get("resolution")
    if res:
        m = _RESOLUTION.match(res)
        if m is None or not (16 <= int(m[1]) <= 3840 and 16 <= int(m[2]) <= 3840):
            raise Denied(Status.BAD_REQUEST, "Invalid resolution.")
        width, height = int(m[1]) // 2 * 2, int(m[2]) // 2 * 2
    compression = int_param(request, "compression", 0, 100)
    quality = 100 - (30 if compression is None else compression)
    return width, height, max(5, min(95, quality))


def _enabled(cam: SimCamera) -> SimCamera:
    if not cam.enabled:
        raise Denied(Status.UNAVAILABLE, "Camera disabled.")
    return cam


class TinyCamRoutes:
    """Every path of :data:`ACCESS`, answered from the server ``host``."""

    def __init__(self, host: ServerHost) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        handlers: dict[str, Handler] = {
            "/api/v1/login": self.login,
            "/api/v1/logout": self.logout,
            "/api/v1/get_cam_list": self.get_cam_list,
            "/api/v1/get_cam_event_list": self.get_cam_event_list,
            "/api/v1/get_file": self.get_file,
            "/api/v1/get_status": self.get_status,
            "/axis-cgi/jpg/image.cgi": self.image,
            "/axis-cgi/mjpg/video.cgi": self.video,
            "/axis-cgi/audio/receive.wav": self.audio,
            "/axis-cgi/com/ptz.cgi": self.ptz,
            "/axis-cgi/io/lightcontrol.cgi": self.lightcontrol,
            "/param.cgi": self.param,
            "/axis-cgi/admin/restart.cgi": self.restart,
        }
        assert handlers.keys() == ACCESS.keys(), "every path has an access level"
        for path, handler in handlers.items():
            app.router.add_get(path, handler)

    # helpers -------------------------------------------------------------------------
    def select_camera(self, request: web.Request, by: CameraParam = "camera") -> SimCamera:
        """The camera a request names, with the parameter the document gives that
        endpoint, and only that one (others are ignored, as unknown parameters are):
        ``camera`` = 1..n in ``get_cam_list`` order, camera 1 when absent (the Axis
        CGIs); ``cameraId`` = an id from ``get_cam_list`` (``get_status``, the event
        list); ``either`` (``receive.wav``, which documents both; the id wins)."""
        cid = int_param(request, "cameraId") if by in ("cameraId", "either") else None
        if cid is not None:
            try:
                return self.host.camera_by_id(cid)
            except KeyError:
                raise Denied(Status.NOT_FOUND, "Camera not found.") from None
        if by == "cameraId":
            raise Denied(Status.BAD_REQUEST, "Missing cameraId.")
        index = int_param(request, "camera", lo=1) or 1
        cameras = self.host.cameras
        if index > len(cameras):
            raise Denied(Status.NOT_FOUND, "Camera not found.")
        return cameras[index - 1]

    def status(self) -> dict[str, Any]:
        """``get_status`` of the whole server."""
        host, now = self.host, time.time()
        return {
            **host.settings,
            "cpuUsagePercents": 3,
            "cpuFrequencyMhz": 2014,
            "temperature": -1,
            "memoryAvailable": 1089949696,
            "memoryUsed": 490082304,
            "threadsUsed": 73,
            "threadsRunnableUsed": 20,
            "processes": [
                {"name": "UI", "memoryUsed": 38047744},
                {"name": "Watchdog", "memoryUsed": 29640704},
                {"name": "WebServer", "memoryUsed": 231104512},
                {"name": "Background", "memoryUsed": 193558528},
            ],
            "batteryLevel": 100,
            "batteryStatus": "charging",
            "uptime": int((now - host.started_at) * 1000),
            "networkInBps": 76103,
            "networkOutBps": 0,
            "rootAvailable": host.root_available,
            "spaceUsed": sum(
                p.stat().st_size for p in host.recordings.root.rglob("*") if p.is_file()
            ),
            "spaceAvailable": 1849597952,
            "liveConnections": host.live_connections,
            "motionCameras": [c.name for c in host.cameras if c.enabled and c.video.moving(now)],
        }

    # /api/v1 -------------------------------------------------------------------------
    async def login(self, request: web.Request) -> web.Response:
        if not self.host.token_auth:
            raise Denied(Status.NOT_FOUND, "Not found.")
        users = self.host.users
        principal = users.check(request.query.get("user", ""), request.query.get("pwd", ""))
        if principal is None:
            raise Denied(Status.UNAUTHORIZED, "Invalid username or password.")
        token = users.issue(principal)
        return web.json_response({"data": {"token": token, "access": principal.access}})

    async def logout(self, request: web.Request) -> web.Response:
        token = request.query.get("token")
        if not token:
            raise Denied(Status.BAD_REQUEST, "Missing token.")
        self.host.users.revoke(token)
        return web.json_response({"data": {}})

    async def get_cam_list(self, request: web.Request) -> web.Response:
        return web.json_response({"data": [c.listing() for c in self.host.cameras]})

    async def get_cam_event_list(self, request: web.Request) -> web.Response:
        kind = request.query.get("type") or "local"
        if kind not in ("local", "cloud"):
            raise Denied(Status.BAD_REQUEST, "Invalid type.")
        filter_ = request.query.get("filter") or None
        if filter_ is not None and filter_ not in FILTERS:
            raise Denied(Status.BAD_REQUEST, "Invalid filter.")
        endtime = int_param(request, "endtime", lo=0)
        count = int_param(request, "count", lo=1)
        if request.query.get("cameraId"):
            ids = {self.select_camera(request, by="cameraId").id}
        else:
            ids = {c.id for c in self.host.cameras if c.enabled}
        events = self.host.recordings.query(ids, endtime, count, kind == "cloud", filter_)
        return web.json_response({"data": [e.listing() for e in events]})

    async def get_file(self, request: web.Request) -> web.StreamResponse:
        name = request.query.get("file")
        if not name:
            raise Denied(Status.BAD_REQUEST, "Missing file.")
        path = self.host.recordings.resolve(name)
        if path is None:
            raise Denied(Status.NOT_FOUND, "File not found.")
        return web.FileResponse(path)

    async def get_status(self, request: web.Request) -> web.Response:
        if request.query.get("cameraId"):
            cam = self.select_camera(request, by="cameraId")
            moving = cam.enabled and cam.video.moving(time.time())
            return web.json_response({"data": {"motion": moving}})
        return web.json_response({"data": self.status()})

    # media ---------------------------------------------------------------------------
    async def image(self, request: web.Request) -> web.Response:
        cam = _enabled(self.select_camera(request))
        width, height, quality = _image_args(request)
        return web.Response(
            body=cam.video.frame(width=width, height=height, quality=quality),
            content_type="image/jpeg",
        )

    async def video(self, request: web.Request) -> web.StreamResponse:
        cam = _enabled(self.select_camera(request))
        width, height, quality = _image_args(request)
        fps = int_param(request, "fps", 0, 60)
        resp = web.StreamResponse(
            headers={
                "Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}",
                "Cache-Control": "no-cache",
            }
        )
        await resp.prepare(request)
        self.host.live_connections += 1
        try:
            async for frame in cam.video.frames(fps or None, width, height, quality):
                head = f"{PART_HEAD}{len(frame)}\r\n\r\n".encode()
                await resp.write(b"".join((head, frame, b"\r\n")))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.host.live_connections -= 1
        return resp

    async def audio(self, request: web.Request) -> web.StreamResponse:
        cam = _enabled(self.select_camera(request, by="either"))
        if not cam.audio_listening:
            raise Denied(Status.BAD_REQUEST, "Audio not available for this camera.")
        clip = tone_wav(1.0, freq=440.0 + (cam.id % 5) * 110)
        header, pcm = bytearray(clip[:44]), clip[44:]
        struct.pack_into("<I", header, 4, 0x7FFFFFFF)  # RIFF size: "streaming"
        struct.pack_into("<I", header, 40, 0x7FFFFFFF - 36)  # data size
        resp = web.StreamResponse(headers={"Content-Type": "audio/x-wav"})
        await resp.prepare(request)
        self.host.live_connections += 1
        try:
            await resp.write(bytes(header))
            while True:
                await resp.write(pcm)
                await asyncio.sleep(1.0)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.host.live_connections -= 1
        return resp

    # control -------------------------------------------------------------------------
    async def ptz(self, request: web.Request) -> web.Response:
        cam = self.select_camera(request)
        q = request.query
        if not cam.has_pan_tilt:
            raise Denied(Status.BAD_REQUEST, "PTZ not supported by this camera.")
        did = False
        if "continuouspantiltmove" in q:
            m = _PAIR.match(q["continuouspantiltmove"])
            if m is None or not all(-100 <= int(v) <= 100 for v in m.groups()):
                raise Denied(Status.BAD_REQUEST, "Invalid continuouspantiltmove.")
            cam.continuous(int(m[1]), int(m[2]), None)
            did = True
        zoom = int_param(request, "continuouszoommove", -100, 100)
        if zoom is not None:
            cam.continuous(None, None, zoom)
            did = True
        for name in ("continuousfocusmmove", "continuousirismmove"):
            value = int_param(request, name, -100, 100)
            if value is not None:
                setattr(cam, "focus" if "focus" in name else "iris", value)
                did = True
        if "move" in q:
            if q["move"] != "home":
                raise Denied(Status.BAD_REQUEST, "Invalid move.")
            cam.home()
            did = True
        goto = int_param(request, "gotoserverpresetno", lo=1)
        if goto is not None:
            if not cam.goto_preset(goto):
                raise Denied(Status.NOT_FOUND, "Preset not found.")
            did = True
        save = int_param(request, "setserverpresetno", lo=1)
        if save is not None:
            cam.save_preset(save)
            did = True
        if not did:
            raise Denied(Status.BAD_REQUEST, "No PTZ command.")
        return ok()

    async def lightcontrol(self, request: web.Request) -> web.Response:
        cam = self.select_camera(request)
        mode = LIGHT_ACTIONS.get(request.query.get("action", ""))
        if mode is None:
            raise Denied(Status.BAD_REQUEST, "Invalid action.")
        cam.light = mode
        return ok()

    async def param(self, request: web.Request) -> web.Response:
        q = request.query
        action = q.get("action")
        if action == "update":
            return self._update(q)
        if action in ("delete", "pin", "unpin"):
            name = q.get("root.Filename")
            if not name:
                raise Denied(Status.BAD_REQUEST, "Missing root.Filename.")
            done = getattr(self.host.recordings, action)(name)
            if not done:
                raise Denied(Status.NOT_FOUND, "File not found.")
            return ok()
        raise Denied(Status.BAD_REQUEST, "Invalid action.")

    def _update(self, q: MultiMapping[str]) -> web.Response:
        changes: dict[str, object] = {}
        fields: tuple[tuple[str, str, dict[str, bool] | dict[str, int]], ...] = (
            ("root.BackgroundMode", "backgroundMode", ON_OFF),
            ("root.PowerSafeMode", "powerSafeMode", ON_OFF),
            ("root.Notifications", "notifications", ON_OFF),
            ("root.StreamProfile", "streamProfile", STREAM_PROFILES),
        )
        for key, field, table in fields:
            if key in q:
                value = str(q[key]).lower()
                if value not in table:
                    raise Denied(Status.BAD_REQUEST, f"Invalid {key}.")
                changes[field] = table[value]
        if not changes:
            raise Denied(Status.BAD_REQUEST, "Missing parameter.")
        self.host.settings.update(changes)
        tag = q.get("tag")
        if "notifications" in changes and tag:
            for cam in self.host.cameras:
                if tag in cam.tags:
                    cam.motion_detection = bool(changes["notifications"])
        return ok()

    async def restart(self, request: web.Request) -> web.Response:
        host = self.host
        if not host.root_available:
            raise Denied(Status.FORBIDDEN, "Root required.")
        host.restarts += 1
        host.started_at = time.time()
        host.users.expire_all()  # the app restarts: every token is gone
        return ok()
