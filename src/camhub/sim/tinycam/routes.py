"""The tinyCam web server's routes: ``/api/v1/*``, ``/axis-cgi/*`` and ``/param.cgi``.

Authentication and access levels are checked by the emulator's middleware before a
handler runs; handlers raise :class:`Denied` for bad input.
"""

from __future__ import annotations

import asyncio
import re
import struct
import time
from typing import TYPE_CHECKING

from aiohttp import web
from multidict import MultiMapping

from camhub.sim.tinycam.auth import Denied
from camhub.sim.tinycam.cameras import LIGHT_ACTIONS, SimCamera
from camhub.sim.tinycam.recordings import FILTERS
from camhub.sim.video import tone_wav

if TYPE_CHECKING:
    from camhub.sim.tinycam.emulator import TinyCamEmulator

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
    from camhub.sim.tinycam.emulator import int_param

    width = height = None
    res = request.query.get("resolution")
    if res:
        m = _RESOLUTION.match(res)
        if m is None or not (16 <= int(m[1]) <= 3840 and 16 <= int(m[2]) <= 3840):
            raise Denied(400, "Invalid resolution.")
        width, height = int(m[1]) // 2 * 2, int(m[2]) // 2 * 2
    compression = int_param(request, "compression", 0, 100)
    quality = 100 - (30 if compression is None else compression)
    return width, height, max(5, min(95, quality))


def _enabled(cam: SimCamera) -> SimCamera:
    if not cam.enabled:
        raise Denied(503, "Camera disabled.")
    return cam


def add_routes(emu: TinyCamEmulator) -> None:
    from camhub.sim.tinycam.emulator import int_param

    r = emu.app.router

    # /api/v1 ------------------------------------------------------------------------
    async def login(request: web.Request) -> web.Response:
        if not emu.token_auth:
            raise Denied(404, "Not found.")
        principal = emu.users.check(request.query.get("user", ""), request.query.get("pwd", ""))
        if principal is None:
            raise Denied(401, "Invalid username or password.")
        token = emu.users.issue(principal)
        return web.json_response({"data": {"token": token, "access": principal.access}})

    async def logout(request: web.Request) -> web.Response:
        token = request.query.get("token")
        if not token:
            raise Denied(400, "Missing token.")
        emu.users.revoke(token)
        return web.json_response({"data": {}})

    async def get_cam_list(request: web.Request) -> web.Response:
        return web.json_response({"data": [c.listing() for c in emu.cameras]})

    async def get_cam_event_list(request: web.Request) -> web.Response:
        kind = request.query.get("type") or "local"
        if kind not in ("local", "cloud"):
            raise Denied(400, "Invalid type.")
        filter_ = request.query.get("filter") or None
        if filter_ is not None and filter_ not in FILTERS:
            raise Denied(400, "Invalid filter.")
        endtime = int_param(request, "endtime", lo=0)
        count = int_param(request, "count", lo=1)
        if request.query.get("cameraId"):
            ids = {emu.select_camera(request, by="cameraId").id}
        else:
            ids = {c.id for c in emu.cameras if c.enabled}
        events = emu.recordings.query(ids, endtime, count, kind == "cloud", filter_)
        return web.json_response({"data": [e.listing() for e in events]})

    async def get_file(request: web.Request) -> web.StreamResponse:
        name = request.query.get("file")
        if not name:
            raise Denied(400, "Missing file.")
        path = emu.recordings.resolve(name)
        if path is None:
            raise Denied(404, "File not found.")
        return web.FileResponse(path)

    async def get_status(request: web.Request) -> web.Response:
        if request.query.get("cameraId"):
            cam = emu.select_camera(request, by="cameraId")
            moving = cam.enabled and cam.video.moving(time.time())
            return web.json_response({"data": {"motion": moving}})
        return web.json_response({"data": emu.status()})

    # media --------------------------------------------------------------------------
    async def image(request: web.Request) -> web.Response:
        cam = _enabled(emu.select_camera(request))
        width, height, quality = _image_args(request)
        return web.Response(
            body=cam.video.frame(width=width, height=height, quality=quality),
            content_type="image/jpeg",
        )

    async def video(request: web.Request) -> web.StreamResponse:
        cam = _enabled(emu.select_camera(request))
        width, height, quality = _image_args(request)
        fps = int_param(request, "fps", 0, 60)
        resp = web.StreamResponse(
            headers={
                "Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}",
                "Cache-Control": "no-cache",
            }
        )
        await resp.prepare(request)
        emu.live_connections += 1
        try:
            async for frame in cam.video.frames(fps or None, width, height, quality):
                head = f"{PART_HEAD}{len(frame)}\r\n\r\n".encode()
                await resp.write(b"".join((head, frame, b"\r\n")))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            emu.live_connections -= 1
        return resp

    async def audio(request: web.Request) -> web.StreamResponse:
        cam = _enabled(emu.select_camera(request, by="either"))
        if not cam.audio_listening:
            raise Denied(400, "Audio not available for this camera.")
        clip = tone_wav(1.0, freq=440.0 + (cam.id % 5) * 110)
        header, pcm = bytearray(clip[:44]), clip[44:]
        struct.pack_into("<I", header, 4, 0x7FFFFFFF)  # RIFF size: "streaming"
        struct.pack_into("<I", header, 40, 0x7FFFFFFF - 36)  # data size
        resp = web.StreamResponse(headers={"Content-Type": "audio/x-wav"})
        await resp.prepare(request)
        emu.live_connections += 1
        try:
            await resp.write(bytes(header))
            while True:
                await resp.write(pcm)
                await asyncio.sleep(1.0)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            emu.live_connections -= 1
        return resp

    # control ------------------------------------------------------------------------
    async def ptz(request: web.Request) -> web.Response:
        cam = emu.select_camera(request)
        q = request.query
        if not cam.has_pan_tilt:
            raise Denied(400, "PTZ not supported by this camera.")
        did = False
        if "continuouspantiltmove" in q:
            m = _PAIR.match(q["continuouspantiltmove"])
            if m is None or not all(-100 <= int(v) <= 100 for v in m.groups()):
                raise Denied(400, "Invalid continuouspantiltmove.")
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
                raise Denied(400, "Invalid move.")
            cam.home()
            did = True
        goto = int_param(request, "gotoserverpresetno", lo=1)
        if goto is not None:
            if not cam.goto_preset(goto):
                raise Denied(404, "Preset not found.")
            did = True
        save = int_param(request, "setserverpresetno", lo=1)
        if save is not None:
            cam.save_preset(save)
            did = True
        if not did:
            raise Denied(400, "No PTZ command.")
        return ok()

    async def lightcontrol(request: web.Request) -> web.Response:
        cam = emu.select_camera(request)
        mode = LIGHT_ACTIONS.get(request.query.get("action", ""))
        if mode is None:
            raise Denied(400, "Invalid action.")
        cam.light = mode
        return ok()

    async def param(request: web.Request) -> web.Response:
        q = request.query
        action = q.get("action")
        if action == "update":
            return _update(q)
        if action in ("delete", "pin", "unpin"):
            name = q.get("root.Filename")
            if not name:
                raise Denied(400, "Missing root.Filename.")
            done = getattr(emu.recordings, action)(name)
            if not done:
                raise Denied(404, "File not found.")
            return ok()
        raise Denied(400, "Invalid action.")

    def _update(q: MultiMapping[str]) -> web.Response:
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
                    raise Denied(400, f"Invalid {key}.")
                changes[field] = table[value]
        if not changes:
            raise Denied(400, "Missing parameter.")
        emu.settings.update(changes)
        tag = q.get("tag")
        if "notifications" in changes and tag:
            for cam in emu.cameras:
                if tag in cam.tags:
                    cam.motion_detection = bool(changes["notifications"])
        return ok()

    async def restart(request: web.Request) -> web.Response:
        if not emu.root_available:
            raise Denied(403, "Root required.")
        emu.restarts += 1
        emu.started_at = time.time()
        emu.users.expire_all()  # the app restarts: every token is gone
        return ok()

    for path, handler in (
        ("/api/v1/login", login),
        ("/api/v1/logout", logout),
        ("/api/v1/get_cam_list", get_cam_list),
        ("/api/v1/get_cam_event_list", get_cam_event_list),
        ("/api/v1/get_file", get_file),
        ("/api/v1/get_status", get_status),
        ("/axis-cgi/jpg/image.cgi", image),
        ("/axis-cgi/mjpg/video.cgi", video),
        ("/axis-cgi/audio/receive.wav", audio),
        ("/axis-cgi/com/ptz.cgi", ptz),
        ("/axis-cgi/io/lightcontrol.cgi", lightcontrol),
        ("/param.cgi", param),
        ("/axis-cgi/admin/restart.cgi", restart),
    ):
        r.add_get(path, handler)
