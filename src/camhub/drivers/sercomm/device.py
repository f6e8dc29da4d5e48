"""The Sercomm camera driver (kind ``sercomm``): RC8221, RC8221D, OC821D, RC8230.

Capabilities: snapshot, MJPEG stream, pan/tilt with presets 100..104 (pan/tilt models
only: ``ptctrl=on`` in ``/util/query.cgi`` and for our user in ``/img/query.cgi``),
arming, motion detection windows, settings over the configuration groups, the
information LED (``SYSTEM.led_mode``), reboot, HTTP-notify events and raw requests.
``events`` needs ``server.hook_base_url`` (the URL the camera calls camhub back on);
without it the capability is dropped with one warning.

Device information and logs:

- ``poll()`` state has ``info``: model, firmware (``fw_ver``, else ``/adm/sysinfo.cgi``),
  firmware date, serial number, MAC, maker, host name, IP address, HTTP/RTSP ports.
  It is read once per ``connect()`` from ``/util/query.cgi``, its ``extension=yes``
  page and ``/adm/sysinfo.cgi``, any of which may lack keys. The state also has
  ``ir_filter`` (``/io/query_filter.cgi``) on cameras that answer it.
- ``get_settings()`` has, beside the groups, ``event_log``: the camera's event log
  (``/adm/log.cgi``), newest first, read-only. ``raw({"path": "/adm/log.cgi"})``
  gives the same as text.

Settings and raw replies are redacted (:mod:`camhub.drivers.sercomm.redact`): no
password, WiFi key or camhub hook secret leaves the driver.

Pan/tilt position is not readable from the camera; the driver keeps an estimate in
the camera's own units (pan -63..63, tilt -36..28), reset by ``ptz_home``.

``DeviceConfig.options``: see :mod:`camhub.drivers.sercomm.options` (``ptz_step``,
``notify``).
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext, EventIn, HttpSource, PtzDirection
from camhub.drivers.http import peer
from camhub.drivers.sercomm.motion import motion_changes, read_motion
from camhub.drivers.sercomm.notify import NotifyOutcome, configure_notify
from camhub.drivers.sercomm.options import parse_options
from camhub.drivers.sercomm.protocol import SercommProtocol, SercommRefused, code_meaning
from camhub.drivers.sercomm.redact import redact_group, redact_text
from camhub.drivers.sercomm.settings import EVENT_LOG, settings_changes
from camhub.drivers.sercomm.transport import SercommTransport
from camhub.errors import ConfigError, DeviceAuthError, InvalidArgument, NotFound

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
_ADMIN_ONLY = {
    Capability.ARM, Capability.MOTION_DETECTION, Capability.SETTINGS,
    Capability.LED, Capability.EVENTS, Capability.REBOOT,
}  # fmt: skip
# poll()'s ``info``: (name in camhub, where it is read, the camera's key)
_INFO_KEYS = (
    ("model", "query", "model_number"),
    ("firmware", "ext", "fw_ver"),
    ("firmware", "sysinfo", "Firmware Version"),
    ("firmware_date", "sysinfo", "Firmware Release Date"),
    ("serial_number", "sysinfo", "Serial Number"),
    ("mac", "query", "mac"),
    ("maker", "query", "company_name"),
    ("host_name", "query", "hostname"),
    ("ip_address", "ext", "ip_addr"),
    ("http_port", "ext", "http_port"),
    ("rtsp_port", "ext", "rtsp_port"),
)
_RAW_PATH = re.compile(r"^/[A-Za-z0-9_./-]*$")


def _clamp(value: int, limits: tuple[int, int]) -> int:
    return max(limits[0], min(limits[1], value))


@register("sercomm")
class SercommCamera(Device):
    kind: ClassVar[str] = "sercomm"

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self.options = parse_options(config)  # also checked up front: check_config
        username = ctx.username or config.username
        if username and ":" in username:
            raise ConfigError([f"devices.{self.name}.username: must not contain ':'"])
        self.transport = SercommTransport(
            ctx.http,
            host=config.host or "",
            port=config.port,
            username=username,
            password=ctx.password
            if ctx.password is not None
            else (config.password.get_secret_value() if config.password else None),
            timeout=config.timeout,
            device=self.name,
        )
        self.protocol = SercommProtocol(self.transport)
        self.firmware = ""
        self.info: dict[str, str] = {}
        self.admin = True  # False: the account is the camera's viewer (no /adm/ access)
        self.has_ir_filter = True  # until the camera answers 404
        self.pan = 0
        self.tilt = 0
        self.home = (0, 0)
        self.ptz_step_size = self.options.ptz_step
        self._logged: set[str] = set()  # warnings given once per device
        if ctx.hook_url is None:
            self.capabilities.discard(Capability.EVENTS)
            log.warning(
                "%s: no events from this camera: set server.hook_base_url so that it can "
                "call camhub back",
                self.name,
            )

    @classmethod
    def check_config(cls, config: DeviceConfig) -> None:
        parse_options(config)

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
        info = await self.protocol.query()
        ext = await self.protocol.query_extension()
        access = await self.protocol.user_access()
        try:
            await self.protocol.get_group("SYSTEM", "host_name")  # needs the admin
            self.admin = True
        except DeviceAuthError:
            self.admin = False  # a viewer account: /util and /img work, /adm does not
        caps = type(self).default_capabilities()
        pan_tilt = info.get("ptctrl") == "on" and access.get("ptctrl") == "on"
        if pan_tilt:
            caps |= {Capability.PTZ, Capability.PRESETS}
        sysinfo: dict[str, str] = {}
        events = False
        if self.admin:
            sysinfo = await self.protocol.sysinfo()
            if info.get("ptctrl") == "on":
                self.home = await self._read_home()
            if self.ctx.hook_url:
                events = await self._configure_notify(self.ctx.hook_url)
        else:
            caps -= _ADMIN_ONLY
            self._warn_once(
                "viewer", "%s: the account is not the camera's admin; read-only", self.name
            )
        if not events:
            caps.discard(Capability.EVENTS)
        self.capabilities = caps
        self.info = _device_info({"query": info, "ext": ext, "sysinfo": sysinfo})
        self.model = self.info.get("model") or self.model
        self.firmware = self.info.get("firmware", "")

    def _warn_once(self, key: str, message: str, *args: object) -> None:
        if key not in self._logged:
            self._logged.add(key)
            log.warning(message, *args)

    async def _read_home(self) -> tuple[int, int]:
        home = (await self.protocol.get_group("PTZ", "PredefineHome"))["PredefineHome"]
        x, _, y = home.partition(",")
        if x.lstrip("-").isdecimal() and y.lstrip("-").isdecimal():
            return int(x), int(y)
        return (0, 0)

    async def _configure_notify(self, hook_url: str) -> bool:
        """Point the camera's HTTP notify at camhub; False when events cannot come."""
        outcome, found = await configure_notify(
            self.protocol, hook_url, device=self.name, mode=self.options.notify
        )
        if outcome is NotifyOutcome.KEPT:
            self._warn_once(
                "notify-kept",
                "%s: the camera already notifies %s; kept (options.notify: keep), so "
                "camhub gets no events from it",
                self.name,
                peer(found),
            )
            return False
        if outcome is NotifyOutcome.REPLACED:
            self._warn_once(
                "notify-replaced",
                "%s: the camera notified %s; now it notifies camhub instead (set "
                "options.notify: keep to leave the camera's own target)",
                self.name,
                peer(found),
            )
        return True

    async def poll(self) -> dict[str, Any]:
        state: dict[str, Any] = {"model": self.model, "firmware": self.firmware}
        if self.info:
            state["info"] = dict(self.info)
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
        if self.has_ir_filter:
            ir_filter = await self.protocol.ir_filter()
            if ir_filter is None:
                self.has_ir_filter = False
            else:
                state["ir_filter"] = ir_filter
        if Capability.PTZ in self.capabilities:
            state["position"] = {"pan": self.pan, "tilt": self.tilt, "estimated": True}
        self.state = state
        return state

    async def handle_hook(self, query: dict[str, str], body: bytes) -> None:
        kind = _EVENT_TYPES.get(query.get("event", "motion").lower(), "motion")
        data: dict[str, Any] = {"source": "http_notify"}
        window = query.get("window", "")
        if window.isdecimal():
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
    def _redacted(self, group: dict[str, str]) -> dict[str, str]:
        return redact_group(group, self.ctx.hook_url, self.name)

    async def get_settings(self) -> dict[str, Any]:
        """Every group (redacted), and the camera's ``event_log`` (read-only)."""
        settings: dict[str, Any] = {
            g: self._redacted(await self.protocol.get_group(g))
            for g in await self.protocol.list_groups()
        }
        settings[EVENT_LOG] = await self.protocol.log()
        return settings

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
        return {g: self._redacted(await self.protocol.get_group(g)) for g in per_group}

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
        return redact_text(reply.text, self.ctx.hook_url, self.name)


def _device_info(pages: dict[str, dict[str, str]]) -> dict[str, str]:
    """The first non-empty value of each ``_INFO_KEYS`` name, from the pages read."""
    info: dict[str, str] = {}
    for name, page, key in _INFO_KEYS:
        value = pages[page].get(key, "").strip()
        if value and name not in info:
            info[name] = value
    return info
