"""The Sercomm camera driver (kind ``sercomm``): RC8221, RC8221D, OC821D, RC8230.

Capabilities: snapshot, MJPEG stream, pan/tilt with presets 100..104 (pan/tilt models
only: ``ptctrl=on`` in ``/util/query.cgi`` and for our user in ``/img/query.cgi``),
arming, motion detection windows, settings over the configuration groups, the
information LED (``SYSTEM.led_mode``), reboot, HTTP-notify events and raw requests.

Pan/tilt position is not readable from the camera; the driver keeps an estimate in
the camera's own units (pan -63..63, tilt -36..28), reset by ``ptz_home``.

``DeviceConfig.options``: ``ptz_step`` (distance of one ``ptz_step``, default 10).
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext, EventIn, HttpSource, PtzDirection
from camhub.drivers.sercomm.motion import motion_changes, read_motion
from camhub.drivers.sercomm.protocol import SercommProtocol, SercommRefused, code_meaning
from camhub.drivers.sercomm.settings import settings_changes
from camhub.drivers.sercomm.transport import SercommTransport
from camhub.errors import DeviceAuthError, InvalidArgument, NotFound

log = logging.getLogger(__name__)

PAN_LIMIT = (-63, 63)
TILT_LIMIT = (-36, 28)
MAX_TILT_STEP = 64
PRESETS: dict[str, str] = {
    "100": "Motion detection point",
    "101": "Patrol",
    "102": "Pan right, then left",
    "103": "Home",
    "104": "Calibration",
}
_DIRECTIONS: dict[str, tuple[str, int, int]] = {
    "left": ("L", -1, 0),
    "right": ("R", 1, 0),
    "up": ("U", 0, 1),
    "down": ("D", 0, -1),
}
_EVENT_TYPES = {"motion": "motion", "audio": "sound", "sound": "sound", "io": "io"}
_RAW_PATH = re.compile(r"^/[A-Za-z0-9_./-]*$")


def _clamp(value: int, limits: tuple[int, int]) -> int:
    return max(limits[0], min(limits[1], value))


@register("sercomm")
class SercommCamera(Device):
    kind: ClassVar[str] = "sercomm"

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self.transport = SercommTransport(
            ctx.http,
            host=config.host or "",
            port=config.port,
            username=ctx.username or config.username,
            password=ctx.password
            if ctx.password is not None
            else (config.password.get_secret_value() if config.password else None),
            timeout=config.timeout,
            device=self.name,
        )
        self.protocol = SercommProtocol(self.transport)
        self.firmware = ""
        self.admin = True  # False: the account is the camera's viewer (no /adm/ access)
        self.pan = 0
        self.tilt = 0
        self.home = (0, 0)
        self.ptz_step_size = int(config.options.get("ptz_step", 10))

    @classmethod
    def default_capabilities(cls) -> set[Capability]:
        return {
            Capability.SNAPSHOT,
            Capability.STREAM,
            Capability.ARM,
            Capability.MOTION_DETECTION,
            Capability.SETTINGS,
            Capability.LED,
            Capability.EVENTS,
            Capability.REBOOT,
            Capability.RAW,
        }

    # lifecycle -------------------------------------------------------------------
    async def connect(self) -> None:
        info = await self.protocol.query(extension=True)
        self.model = info["model_number"] or self.model
        self.firmware = info.get("fw_ver", "")
        access = await self.protocol.user_access()
        try:
            await self.protocol.get_group("SYSTEM", "host_name")  # needs the admin
            self.admin = True
            if info.get("ptctrl") == "on":
                self.home = await self._read_home()
        except DeviceAuthError:
            self.admin = False  # a viewer account: /util and /img work, /adm does not
        if info.get("ptctrl") == "on" and access.get("ptctrl") == "on":
            self.capabilities |= {Capability.PTZ, Capability.PRESETS}
        else:
            self.capabilities -= {Capability.PTZ, Capability.PRESETS}
        if not self.admin:
            self.capabilities -= {
                Capability.ARM, Capability.MOTION_DETECTION, Capability.SETTINGS,
                Capability.LED, Capability.EVENTS, Capability.REBOOT,
            }  # fmt: skip
            log.warning("%s: the account is not the camera's admin; read-only", self.name)
        elif self.ctx.hook_url:
            await self._configure_notify(self.ctx.hook_url)

    async def _read_home(self) -> tuple[int, int]:
        home = (await self.protocol.get_group("PTZ", "PredefineHome"))["PredefineHome"]
        x, _, y = home.partition(",")
        if x.lstrip("-").isdigit() and y.lstrip("-").isdigit():
            return int(x), int(y)
        return (0, 0)

    async def _configure_notify(self, hook_url: str) -> None:
        """Point the camera's HTTP notify at camhub and turn it on for motion."""
        await self.protocol.set_group(
            "HTTP_NOTIFY",
            {"http_notify": 1, "http_url": hook_url, "http_method": 1, "event_data_flag": 1},
        )
        event_mt = (await self.protocol.get_group("EVENT", "event_mt"))["event_mt"]
        actions = dict(p.partition(":")[::2] for p in event_mt.split(";") if p)
        if actions.get("httpn") != "1":
            actions["httpn"] = "1"
            joined = ";".join(f"{k}:{v}" for k, v in actions.items())
            await self.protocol.set_group("EVENT", {"event_mt": joined})

    async def poll(self) -> dict[str, Any]:
        state: dict[str, Any] = {"model": self.model, "firmware": self.firmware}
        if not self.admin:
            info = await self.protocol.query()
            state["host_name"] = info.get("hostname", "")
        else:
            event = await self.protocol.get_group("EVENT", "event_trigger")
            motion = await self.protocol.get_group("MOTION", "md_mode")
            system = await self.protocol.get_group("SYSTEM")
            state |= {
                "host_name": system.get("host_name", ""),
                "armed": event["event_trigger"] == "1",
                "motion_enabled": motion["md_mode"] == "1",
                "led": system.get("led_mode") == "1",
            }
        if Capability.PTZ in self.capabilities:
            state["position"] = {"pan": self.pan, "tilt": self.tilt, "estimated": True}
        self.state = state
        return state

    async def handle_hook(self, query: dict[str, str], body: bytes) -> None:
        kind = _EVENT_TYPES.get(query.get("event", "motion").lower(), "motion")
        data: dict[str, Any] = {"source": "http_notify"}
        window = query.get("window", "")
        if window.isdigit():
            data["window"] = int(window)
        if "time" in query:
            data["camera_time"] = query["time"][:32]
        self.ctx.emit(EventIn(kind, data))

    # media -------------------------------------------------------------------------
    async def snapshot(self) -> bytes:
        return await self.protocol.snapshot()

    async def stream_source(self) -> HttpSource:
        return HttpSource(
            url=f"{self.transport.base_url}/img/video.mjpeg",
            headers=self.transport.auth_headers,
        )

    # pan / tilt --------------------------------------------------------------------
    def _need_ptz(self) -> None:
        if Capability.PTZ not in self.capabilities:
            raise self._unsupported(Capability.PTZ)

    async def _move(self, direction: str, distance: int) -> None:
        await self.protocol.pt_move(direction, distance)

    async def ptz_step(self, direction: PtzDirection) -> None:
        self._need_ptz()
        if direction not in _DIRECTIONS:
            raise InvalidArgument(f"unknown direction {direction!r}")
        code, dx, dy = _DIRECTIONS[direction]
        step = self.ptz_step_size
        await self._move(code, min(step, MAX_TILT_STEP) if dy else step)
        self.pan = _clamp(self.pan + dx * step, PAN_LIMIT)
        self.tilt = _clamp(self.tilt + dy * step, TILT_LIMIT)

    async def ptz_move(self, x: int, y: int) -> None:
        """Relative move: x > 0 right, y > 0 up, in the camera's steps."""
        self._need_ptz()
        if abs(y) > MAX_TILT_STEP:
            raise InvalidArgument(f"y: at most {MAX_TILT_STEP} steps up or down")
        if x and y and abs(x) == abs(y):
            await self._move(("U" if y > 0 else "D") + ("R" if x > 0 else "L"), abs(x))
        else:
            if x:
                await self._move("R" if x > 0 else "L", abs(x))
            if y:
                await self._move("U" if y > 0 else "D", abs(y))
        self.pan = _clamp(self.pan + x, PAN_LIMIT)
        self.tilt = _clamp(self.tilt + y, TILT_LIMIT)

    async def ptz_home(self) -> None:
        self._need_ptz()
        await self.protocol.pt_preset(103)
        self.pan, self.tilt = self.home

    async def ptz_stop(self) -> None:
        """Sercomm moves are discrete steps: there is nothing to stop."""
        self._need_ptz()

    async def list_presets(self) -> list[dict[str, Any]]:
        if Capability.PRESETS not in self.capabilities:
            raise self._unsupported(Capability.PRESETS)
        return [{"id": k, "name": v} for k, v in PRESETS.items()]

    async def goto_preset(self, preset_id: str) -> None:
        if Capability.PRESETS not in self.capabilities:
            raise self._unsupported(Capability.PRESETS)
        if preset_id not in PRESETS:
            raise NotFound(f"{self.name} has no preset {preset_id!r}", device=self.name)
        await self.protocol.pt_preset(int(preset_id))
        if preset_id in ("103", "104"):
            self.pan, self.tilt = self.home

    # switches ----------------------------------------------------------------------
    async def set_armed(self, on: bool) -> None:
        await self.protocol.set_group("EVENT", {"event_trigger": 1 if on else 0})

    async def set_led(self, on: bool) -> None:
        await self.protocol.set_group("SYSTEM", {"led_mode": 1 if on else 0})

    async def get_motion_detection(self) -> dict[str, Any]:
        return read_motion(await self.protocol.get_group("MOTION"))

    async def set_motion_detection(self, changes: dict[str, Any]) -> dict[str, Any]:
        values = motion_changes(changes)
        if values:
            await self._set_validated("MOTION", values)
        return await self.get_motion_detection()

    async def _set_validated(self, group: str, values: dict[str, str]) -> None:
        try:
            await self.protocol.set_group(group, values)
        except SercommRefused as exc:
            raise InvalidArgument(
                f"{self.name} refused the {group} settings",
                errors=[f"{group}.{k}: {code_meaning(c)}" for k, c in exc.refusals],
                device=self.name,
            ) from None

    # settings ----------------------------------------------------------------------
    async def get_settings(self) -> dict[str, Any]:
        return {g: await self.protocol.get_group(g) for g in await self.protocol.list_groups()}

    async def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        groups = await self.protocol.list_groups()
        per_group = settings_changes(changes, groups)
        errors: list[str] = []
        for group, values in per_group.items():
            try:
                await self._set_validated(group, values)
            except InvalidArgument as exc:
                errors += exc.errors
        if errors:
            raise InvalidArgument(
                f"{self.name} refused some settings", errors=errors, device=self.name
            )
        return {g: await self.protocol.get_group(g) for g in per_group}

    async def reboot(self) -> None:
        await self.protocol.expect_ok("/adm/reboot.cgi")

    async def raw(self, request: Any) -> Any:
        """``{"path": "/adm/get_group.cgi", "query": {...}}`` -> the camera's text."""
        if not isinstance(request, dict) or not isinstance(request.get("path"), str):
            raise InvalidArgument("raw: give {'path': '/...', 'query': {...}}")
        path, query = request["path"], request.get("query") or {}
        if not _RAW_PATH.match(path) or ".." in path:
            raise InvalidArgument("raw: path must be an absolute path on the camera")
        if not isinstance(query, dict) or not all(
            isinstance(k, str) and isinstance(v, str | int) and not isinstance(v, bool)
            for k, v in query.items()
        ):
            raise InvalidArgument("raw: query must map names to strings or integers")
        reply = await self.transport.get(path, query)
        return reply.text
