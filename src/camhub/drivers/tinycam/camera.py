"""One camera behind a tinyCam server, as a child device of the server.

Built by :class:`~camhub.drivers.tinycam.device.TinyCamServer`, never configured. It
reaches its server only through its :class:`~camhub.drivers.tinycam.port.CameraPort`
and has no connection of its own: its :meth:`poll` fails while its server's does, so
the cameras of an unreachable server are offline too.

``ptzCapabilities`` is read as a bit mask: bits 0-3 pan/tilt, bits 4-5 zoom, bit 10
presets, bit 15 a light (LED / IR), as the document's two samples suggest; the
document does not decode the mask itself.

State: ``ptz`` (tinyCam never tells the position: only ``can_zoom``), ``presets``,
``light`` {on (any mode but off), mode: on | off | auto} once camhub has set it
(tinyCam cannot read it);
``vendor``: tinyCam's ids, the camera's place in the list, its name, ``enabled``,
``removed`` (gone from the server's list), ``motion`` (tinyCam sees motion on it right
now, from the server's status; None for a guest account), ``cloudAccess`` and
``ptzCapabilities``. tinyCam cannot switch a camera's motion detection (only every
camera under a tag, see the server's ``notifications`` setting), so there is no
``motion_detection`` capability.

A continuous move (``continuouspantiltmove=x,y``, ``continuouszoommove=z``) runs until
stopped: :meth:`ptz_move` holds it for the server's ``ptz_move_seconds`` option (0.5 s
by default) before stopping.

Presets are tinyCam's *server* presets (numbers 1..n), named by camhub
(:mod:`camhub.drivers.tinycam.presets`); deleting one only forgets its name.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from camhub.capabilities import (
    Capability,
    DeviceState,
    Direction,
    HttpSource,
    LightState,
    Preset,
    PresetsState,
    PtzState,
    State,
)
from camhub.config import DeviceConfig
from camhub.drivers.base import Device, DeviceContext
from camhub.drivers.tinycam.port import CameraPort
from camhub.drivers.tinycam.protocol import CameraInfo
from camhub.errors import DeviceError, DeviceUnreachable, InvalidArgument, NotFound

PTZ_PAN_TILT = 0x000F
PTZ_ZOOM = 0x0030
PTZ_PRESETS = 0x0400
PTZ_LIGHT = 0x8000
STEP_SPEED = 50
_STEPS: dict[str, tuple[int, int, int]] = {
    "left": (-STEP_SPEED, 0, 0),
    "right": (STEP_SPEED, 0, 0),
    "up": (0, STEP_SPEED, 0),
    "down": (0, -STEP_SPEED, 0),
    "zoom_in": (0, 0, STEP_SPEED),
    "zoom_out": (0, 0, -STEP_SPEED),
}
LIGHT_ACTIONS = {"on": "L1:-100", "off": "L1:-0", "auto": "L1:-50"}  # lightcontrol.cgi
# tinyCam's event kinds (the event list's "motion" field) -> camhub's event types
EVENT_TYPES = {
    "motion": "motion",
    "person": "person",
    "vehicle": "vehicle",
    "pet": "pet",
    "face": "face",
    "audio": "sound",
}


def event_type(kind: str) -> str:
    return EVENT_TYPES.get(kind, "other")


def capabilities_for(info: CameraInfo) -> set[Capability]:
    caps = {Capability.SNAPSHOT, Capability.STREAM, Capability.EVENTS}
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
    """A camera of a tinyCam server."""

    kind: ClassVar[str] = "tinycam"

    def __init__(
        self, config: DeviceConfig, ctx: DeviceContext, port: CameraPort, info: CameraInfo
    ) -> None:
        super().__init__(config, ctx)
        self.port = port
        self.info = info
        self.model = "tinyCam camera"
        self.capabilities = capabilities_for(info)
        self.light: str | None = None  # the mode camhub last set (tinyCam cannot tell)
        self.removed = False

    def update(self, info: CameraInfo, index: int) -> None:
        """The server's list has this camera again (maybe at another place)."""
        self.info = info
        self.port.index = index
        self.capabilities = capabilities_for(info)

    def remove(self) -> None:
        """The camera is gone from the server's list."""
        self.removed = True

    # lifecycle ---------------------------------------------------------------------------
    async def poll(self) -> DeviceState:
        """Cheap: what the server's last poll learnt about this camera. Fails while
        the server's last poll (or connect) failed: the camera is out of reach too."""
        failure = self.port.server_failure()
        if failure is not None:
            raise DeviceUnreachable(
                f"{self.name}: its tinyCam server {self.port.server} is offline "
                f"({failure.message})",
                device=self.name,
            )
        values: list[State] = []
        if Capability.PTZ in self.capabilities:
            values.append(PtzState(can_zoom=self._can_zoom))
        if Capability.PRESETS in self.capabilities:
            values.append(PresetsState(presets=self._presets()))
        if Capability.LIGHT in self.capabilities:
            # tinyCam cannot tell the light's state: unknown until camhub sets it
            on = None if self.light is None else self.light != "off"
            values.append(LightState(on=on, mode=self.light, modes=[*LIGHT_ACTIONS]))
        vendor = {
            "cameraId": self.info.id,
            "camera": self.port.index,
            "cameraName": self.info.name,
            "server": self.port.server,
            "enabled": self.info.enabled,
            "removed": self.removed,
            "motion": self.port.moving(self.info.name),
            "cloudAccess": self.info.cloud_access,
            "ptzCapabilities": self.info.ptz_capabilities,
        }
        return DeviceState.of(*values, vendor=vendor)

    def event_types(self) -> frozenset[str]:
        """The server reports this camera's recorded events under its name."""
        return frozenset({*EVENT_TYPES.values(), "other"})

    def _require(self, cap: Capability) -> None:
        self.need(cap, object)  # Unsupported when the camera lacks it

    # media -------------------------------------------------------------------------------
    async def snapshot(self) -> bytes:
        jpeg = await self.port.still()
        if not jpeg.startswith(b"\xff\xd8"):
            raise DeviceError(
                f"{self.name}: the tinyCam server sent no JPEG for the snapshot",
                device=self.name,
            )
        return jpeg

    async def stream_source(self) -> HttpSource:
        return await self.port.video()

    async def audio_source(self) -> HttpSource:
        self._require(Capability.AUDIO)
        return await self.port.audio()

    # PTZ ------------------------------------------------------------------------------------
    @property
    def _can_zoom(self) -> bool:
        return bool(self.info.ptz_capabilities & PTZ_ZOOM)

    async def ptz_move(self, pan: int, tilt: int, zoom: int = 0) -> None:
        """A continuous move at speeds (pan, tilt, zoom), -100..100 each, held for the
        server's ``ptz_move_seconds``, then stopped (also when the wait is cancelled)."""
        self._require(Capability.PTZ)
        if not all(-100 <= v <= 100 for v in (pan, tilt, zoom)):
            raise InvalidArgument(
                "pan, tilt and zoom must be within -100..100", ["pan, tilt, zoom: -100..100"]
            )
        if zoom and not self._can_zoom:
            raise InvalidArgument("this camera cannot zoom", ["zoom: not supported"])
        start: dict[str, Any] = {}
        stop: dict[str, Any] = {}
        if pan or tilt or not zoom:
            start["continuouspantiltmove"], stop["continuouspantiltmove"] = f"{pan},{tilt}", "0,0"
        if zoom:
            start["continuouszoommove"], stop["continuouszoommove"] = zoom, 0
        await self.port.ptz(**start)
        try:
            await asyncio.sleep(self.port.ptz_move_seconds)
        finally:
            await self.port.ptz(**stop)

    async def ptz_step(self, direction: Direction) -> None:
        if direction not in _STEPS:
            raise InvalidArgument(f"unknown direction {direction!r}")
        await self.ptz_move(*_STEPS[direction])

    async def ptz_home(self) -> None:
        self._require(Capability.PTZ)
        await self.port.ptz(move="home")

    async def ptz_stop(self) -> None:
        self._require(Capability.PTZ)
        await self.port.ptz(continuouspantiltmove="0,0", continuouszoommove=0)

    # light ------------------------------------------------------------------------------
    async def set_light(self, on: bool, mode: str | None = None) -> None:
        """``mode`` on, off or auto; None: on or off as ``on`` says."""
        wanted = mode or ("on" if on else "off")
        if wanted not in LIGHT_ACTIONS:
            raise InvalidArgument("light mode must be on, off or auto", ["mode: on, off or auto"])
        if (wanted == "off") == on:
            raise InvalidArgument(f"mode {wanted} with on={on}", ["mode: contradicts on"])
        self._require(Capability.LIGHT)
        await self.port.light(LIGHT_ACTIONS[wanted])
        self.light = wanted

    # presets ---------------------------------------------------------------------------------
    def _presets(self) -> list[Preset]:
        mine = self.port.presets.of(self.port.camera_id)
        return [Preset(id=k, name=mine[k]) for k in sorted(mine, key=int)]

    async def list_presets(self) -> list[Preset]:
        self._require(Capability.PRESETS)
        return self._presets()

    async def save_preset(self, name: str) -> str:
        self._require(Capability.PRESETS)
        store = self.port.presets
        async with store.lock:  # two saves must not pick one number
            mine = store.of(self.port.camera_id)
            number = next(n for n in range(1, len(mine) + 2) if str(n) not in mine)
            await self.port.ptz(setserverpresetno=number)
            mine[str(number)] = name
            store.store(self.port.camera_id, mine)
        return str(number)

    def _known(self, preset_id: str) -> dict[str, str]:
        self._require(Capability.PRESETS)
        mine = self.port.presets.of(self.port.camera_id)
        if preset_id not in mine:
            raise NotFound(f"{self.name}: no preset {preset_id!r}", device=self.name)
        return mine

    async def goto_preset(self, preset_id: str) -> None:
        self._known(preset_id)
        await self.port.ptz(gotoserverpresetno=int(preset_id))

    async def delete_preset(self, preset_id: str) -> None:
        async with self.port.presets.lock:
            mine = self._known(preset_id)
            del mine[preset_id]
            self.port.presets.store(self.port.camera_id, mine)
