"""One camera behind a tinyCam server, as a child device of the server.

Each endpoint names the camera the way seed 002 gives for it: the Axis CGIs
(``image.cgi``, ``video.cgi``, ``ptz.cgi``, ``lightcontrol.cgi``) take only
``camera=<1..n>``, the camera's place in ``get_cam_list``; that number shifts when a
camera is added or removed, so it is re-read from every list (:meth:`update`).
``receive.wav``, ``get_status`` and the event list take the stable ``cameraId``.

A child has no connection of its own: its :meth:`poll` fails while its server's does,
so the cameras of an unreachable server are offline too.

``ptzCapabilities`` is read as a bit mask: bits 0-3 pan/tilt, bit 10 presets, bit 15
a light (LED / IR), as the document's two samples suggest; the document does not
decode the mask itself.

A continuous move (``continuouspantiltmove=x,y``) runs until ``0,0``:
:meth:`ptz_move` holds it for the server's ``ptz_move_seconds`` option (0.5 s by
default) before stopping.

Presets are tinyCam's *server* presets (``setserverpresetno`` / ``gotoserverpresetno``,
numbers 1..n). tinyCam cannot list or delete them, so their names live in
``<data_dir>/tinycam-presets-<server>.json``, written whole and atomically under the
server's lock; deleting one only forgets its name.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from camhub.capabilities import Capability
from camhub.drivers.base import Device, HttpSource, PtzDirection
from camhub.drivers.tinycam.protocol import CameraInfo
from camhub.errors import DeviceError, DeviceUnreachable, InvalidArgument, NotFound

if TYPE_CHECKING:
    from camhub.drivers.tinycam.device import TinyCamServer

PTZ_PAN_TILT = 0x000F
PTZ_PRESETS = 0x0400
PTZ_LIGHT = 0x8000
STEP_SPEED = 50
_STEPS: dict[str, tuple[int, int]] = {
    "left": (-STEP_SPEED, 0),
    "right": (STEP_SPEED, 0),
    "up": (0, STEP_SPEED),
    "down": (0, -STEP_SPEED),
}


def capabilities_for(info: CameraInfo) -> set[Capability]:
    caps = {Capability.SNAPSHOT, Capability.STREAM, Capability.MOTION_DETECTION}
    if info.audio_listening:
        caps.add(Capability.AUDIO)
    if info.ptz_capabilities & PTZ_PAN_TILT:
        caps.add(Capability.PTZ)
        if info.ptz_capabilities & PTZ_PRESETS:
            caps.add(Capability.PRESETS)
    if info.ptz_capabilities & PTZ_LIGHT:
        caps.add(Capability.LIGHT)
    return caps


class TinyCamCamera(Device):
    """A camera of a tinyCam server. Built by :class:`TinyCamServer`, never configured."""

    kind: ClassVar[str] = "tinycam"

    def __init__(self, server: TinyCamServer, info: CameraInfo, name: str, index: int) -> None:
        super().__init__(server.config.model_copy(update={"name": name}), server.ctx)
        self.server = server
        self.info = info
        self.index = index  # camera=<1..n>: the place in get_cam_list
        self.model = "tinyCam camera"
        self.capabilities = capabilities_for(info)
        self.motion: bool | None = None
        self.light: str | None = None
        self.removed = False

    def update(self, info: CameraInfo, index: int) -> None:
        self.info = info
        self.index = index
        self.capabilities = capabilities_for(info)

    # lifecycle ---------------------------------------------------------------------------
    async def poll(self) -> dict[str, Any]:
        """Cheap: what the server's last poll learnt about this camera. Fails while
        the server's last poll (or connect) failed: the camera is out of reach too."""
        failure = self.server.failure
        if failure is not None:
            raise DeviceUnreachable(
                f"{self.name}: its tinyCam server {self.server.name} is offline "
                f"({failure.message})",
                device=self.name,
            )
        self.state = {
            "cameraId": self.info.id,
            "camera": self.index,
            "cameraName": self.info.name,
            "server": self.server.name,
            "enabled": self.info.enabled,
            "removed": self.removed,
            "motion": self.motion,
            "light": self.light,
            "audio": self.info.audio_listening,
            "cloudAccess": self.info.cloud_access,
            "ptzCapabilities": self.info.ptz_capabilities,
        }
        return self.state

    # media -------------------------------------------------------------------------------
    def _cgi_params(self) -> dict[str, Any]:
        """How image.cgi, video.cgi, ptz.cgi and lightcontrol.cgi name this camera."""
        return {"camera": self.index}

    async def snapshot(self) -> bytes:
        reply = await self.server.api.media("/axis-cgi/jpg/image.cgi", self._cgi_params())
        if not reply.body.startswith(b"\xff\xd8"):
            raise DeviceError(
                f"{self.name}: the tinyCam server sent no JPEG for the snapshot",
                device=self.name,
            )
        return reply.body

    async def stream_source(self) -> HttpSource:
        return await self.server.media_source("/axis-cgi/mjpg/video.cgi", self._cgi_params())

    async def audio_source(self) -> HttpSource:
        if Capability.AUDIO not in self.capabilities:
            raise self._unsupported(Capability.AUDIO)
        return await self.server.media_source(
            "/axis-cgi/audio/receive.wav", {"cameraId": self.info.id}
        )

    # PTZ ------------------------------------------------------------------------------------
    async def _ptz(self, **params: Any) -> None:
        if Capability.PTZ not in self.capabilities:
            raise self._unsupported(Capability.PTZ)
        await self.server.api.command("/axis-cgi/com/ptz.cgi", {**self._cgi_params(), **params})

    async def ptz_move(self, x: int, y: int) -> None:
        """A continuous move at speed (x, y), -100..100 each, held for the server's
        ``ptz_move_seconds``, then stopped (also when the wait is cancelled)."""
        if not (-100 <= x <= 100 and -100 <= y <= 100):
            raise InvalidArgument("x and y must be within -100..100", errors=["x, y: -100..100"])
        await self._ptz(continuouspantiltmove=f"{x},{y}")
        try:
            await asyncio.sleep(self.server.ptz_move_seconds)
        finally:
            await self._ptz(continuouspantiltmove="0,0")

    async def ptz_step(self, direction: PtzDirection) -> None:
        if direction not in _STEPS:
            raise InvalidArgument(f"unknown direction {direction!r}")
        await self.ptz_move(*_STEPS[direction])

    async def ptz_home(self) -> None:
        await self._ptz(move="home")

    async def ptz_stop(self) -> None:
        await self._ptz(continuouspantiltmove="0,0", continuouszoommove=0)

    # light, motion -----------------------------------------------------------------------
    async def set_light(self, on: bool) -> None:
        await self.set_light_mode("on" if on else "off")

    async def set_light_mode(self, mode: str) -> None:
        """on, off or auto."""
        action = {"on": "L1:-100", "off": "L1:-0", "auto": "L1:-50"}.get(mode)
        if action is None:
            raise InvalidArgument("light mode must be on, off or auto")
        if Capability.LIGHT not in self.capabilities:
            raise self._unsupported(Capability.LIGHT)
        await self.server.api.command(
            "/axis-cgi/io/lightcontrol.cgi", {**self._cgi_params(), "action": action}
        )
        self.light = mode

    async def get_motion_detection(self) -> dict[str, Any]:
        """Whether tinyCam sees motion on this camera right now (read only)."""
        data = await self.server.api.status(self.info.id)
        motion = data.get("motion")
        if not isinstance(motion, bool):
            raise self.server.api.malformed("get_status")
        self.motion = motion
        return {"motion": motion, "enabled": self.info.enabled}

    # presets ---------------------------------------------------------------------------------
    def _presets_file(self) -> Path:
        return self.ctx.data_dir / f"tinycam-presets-{self.server.name}.json"

    def _load_presets(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self._presets_file().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _mine(self) -> dict[str, str]:
        found = self._load_presets().get(str(self.info.id), {})
        return {k: v for k, v in found.items() if k.isdecimal() and isinstance(v, str)}

    def _store(self, mine: dict[str, str]) -> None:
        """Rewrite the file with this camera's names; a crash mid-write leaves the old
        file whole (the new one is written aside, then renamed over it)."""
        data = self._load_presets()
        data[str(self.info.id)] = mine
        path = self._presets_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def _check_presets(self) -> None:
        if Capability.PRESETS not in self.capabilities:
            raise self._unsupported(Capability.PRESETS)

    async def list_presets(self) -> list[dict[str, Any]]:
        self._check_presets()
        mine = self._mine()
        return [{"id": k, "name": mine[k]} for k in sorted(mine, key=int)]

    async def save_preset(self, name: str) -> str:
        self._check_presets()
        async with self.server.presets_lock:  # two saves must not pick one number
            mine = self._mine()
            number = next(n for n in range(1, len(mine) + 2) if str(n) not in mine)
            await self._ptz(setserverpresetno=number)
            mine[str(number)] = name
            self._store(mine)
        return str(number)

    def _known(self, preset_id: str) -> dict[str, str]:
        self._check_presets()
        mine = self._mine()
        if preset_id not in mine:
            raise NotFound(f"{self.name}: no preset {preset_id!r}", device=self.name)
        return mine

    async def goto_preset(self, preset_id: str) -> None:
        self._known(preset_id)
        await self._ptz(gotoserverpresetno=int(preset_id))

    async def delete_preset(self, preset_id: str) -> None:
        async with self.server.presets_lock:
            mine = self._known(preset_id)
            del mine[preset_id]
            self._store(mine)
