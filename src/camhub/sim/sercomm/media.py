"""Pictures and movement: ``/img/snapshot.cgi``, ``/img/video.mjpeg``, ``/pt/ptctrl.cgi``.

Snapshot ``size`` 1/2/3 is 1280x720 / 320x240 / 640x480 and ``quality`` 1..5 is JPEG
quality 85/70/55/40/25; without them the JPEG group's ``resolution`` and
``quality_level`` apply (resolution codes 1..4: 160x120, 320x240, 640x480, 1280x720).

Pan/tilt positions use the ``md_point`` units of seed 004: pan -63..63 (R positive),
tilt -36..28 (U positive). A move is clamped to those limits, U/D distances to 64.
Presets: 100 the motion-detection point, 101 a patrol over the saved presets, 102 a
sweep right then left ending where it started, 103 home (``PTZ.PredefineHome``),
104 calibration over the full range ending at home. Moves answer an empty 200.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import cast

from aiohttp import web

from camhub.sim.sercomm.host import MediaHost

SNAPSHOT_SIZES = {"1": (1280, 720), "2": (320, 240), "3": (640, 480)}
JPEG_RESOLUTIONS = {"1": (160, 120), "2": (320, 240), "3": (640, 480), "4": (1280, 720)}
QUALITIES = {"1": 85, "2": 70, "3": 55, "4": 40, "5": 25}
BOUNDARY = "myboundary"
DIRECTIONS = {
    "U": (0, 1), "D": (0, -1), "L": (-1, 0), "R": (1, 0),
    "UL": (-1, 1), "UR": (1, 1), "DL": (-1, -1), "DR": (1, -1),
}  # fmt: skip


def _point(value: str) -> tuple[int, int] | None:
    try:
        x, y = (int(p) for p in value.split(","))
    except ValueError:
        return None
    return x, y


class MediaRoutes:
    """Snapshot, MJPEG and pan/tilt."""

    def __init__(self, host: MediaHost) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/img/snapshot.cgi", self.snapshot)
        r.add_get("/img/video.mjpeg", self.mjpeg)
        r.add_get("/pt/ptctrl.cgi", self.ptctrl)

    def _default_size(self) -> tuple[int, int]:
        return JPEG_RESOLUTIONS.get(self.host.g("JPEG", "resolution"), (1280, 720))

    def _default_quality(self) -> int:
        return QUALITIES.get(self.host.g("JPEG", "quality_level"), 55)

    async def snapshot(self, request: web.Request) -> web.Response:
        w, h = SNAPSHOT_SIZES.get(request.query.get("size", ""), self._default_size())
        quality = QUALITIES.get(request.query.get("quality", ""), self._default_quality())
        jpeg = await asyncio.to_thread(self.host.video.frame, None, w, h, quality)
        return web.Response(body=jpeg, content_type="image/jpeg")

    async def mjpeg(self, request: web.Request) -> web.StreamResponse:
        w, h = SNAPSHOT_SIZES.get(request.query.get("size", ""), self._default_size())
        quality = QUALITIES.get(request.query.get("quality", ""), self._default_quality())
        fps = float(self.host.g("JPEG", "frame_rate", "15") or 15)
        resp = web.StreamResponse(
            headers={
                "Content-Type": f"multipart/x-mixed-replace; boundary={BOUNDARY}",
                "Cache-Control": "no-cache",
            }
        )
        await resp.prepare(request)
        frames = cast(
            AsyncGenerator[bytes, None],
            self.host.video.frames(fps=fps, width=w, height=h, quality=quality),
        )
        async with contextlib.aclosing(frames):
            async for jpeg in frames:
                if self.host.closing.is_set():
                    break
                head = (
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(jpeg)}\r\n\r\n"
                ).encode()
                await resp.write(b"".join((head, jpeg, b"\r\n")))
        return resp

    async def ptctrl(self, request: web.Request) -> web.Response:
        host = self.host
        if not host.model.pan_tilt:
            raise web.HTTPNotFound()
        if "mv" in request.query:
            direction, _, distance = request.query["mv"].partition(",")
            step = DIRECTIONS.get(direction.upper())
            if step is None or not distance.isdecimal() or int(distance) <= 0:
                raise web.HTTPBadRequest()
            n = int(distance)
            dy = min(n, 64)
            host.move_to(host.pan + step[0] * n, host.tilt + step[1] * dy)
            host.last_preset = None
            return web.Response(status=200)
        if "preset" in request.query:
            action, _, number = request.query["preset"].partition(",")
            if action != "move" or not number.isdecimal():
                raise web.HTTPBadRequest()
            if not self._run_preset(int(number)):
                raise web.HTTPBadRequest()
            return web.Response(status=200)
        raise web.HTTPBadRequest()

    def _run_preset(self, number: int) -> bool:
        host = self.host
        home = _point(host.g("PTZ", "PredefineHome", "0,0")) or (0, 0)
        if number == 100:
            target = _point(host.g("MOTION", "md_point", "0,0")) or (0, 0)
            host.move_to(*target)
        elif number == 101:
            for i in range(1, 10):
                pos = _point(host.g("PTZ", f"Preset{i}Position"))
                if pos is not None:
                    host.move_to(*pos)
        elif number == 102:
            host.sweeps += 1  # right to the limit, back left to where it started
        elif number == 103:
            host.move_to(*home)
        elif number == 104:
            host.sweeps += 1
            host.move_to(*home)
        else:
            return False
        host.last_preset = number
        return True
