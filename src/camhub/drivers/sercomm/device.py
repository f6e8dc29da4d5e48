"""The Sercomm camera driver (kind ``sercomm``): RC8221, RC8221D, OC821D, RC8230.

Capabilities: snapshot, MJPEG stream, pan/tilt and presets (pan/tilt models only:
``ptctrl=on`` in ``/util/query.cgi`` and for our user in ``/img/query.cgi``; see
:mod:`.ptz`), arm, motion detection, the information LED (``SYSTEM.led_mode``),
settings over the configuration groups with the motion windows (:mod:`.settings`),
reboot, HTTP-notify events and raw requests. ``events`` needs ``server.hook_base_url``
(the URL the camera calls camhub back on); without it the capability is dropped with
one warning. An account that is not the camera's admin (no ``/adm/`` access) keeps
what ``/util`` and ``/img`` allow: snapshot, stream and, with pan/tilt rights, PTZ.

State (``poll``): ``arm`` {armed} (``EVENT.event_trigger``), ``motion_detection``
{enabled, sensitivity in percent} (``MOTION.md_mode``; the camera's 1..10 sensitivity
x 10), ``led`` {on}, ``ptz`` (the estimated position, ``estimated: true``), ``presets``.
``vendor``: ``firmware``, ``host_name``, ``ir_filter`` (``/io/query_filter.cgi``, on
cameras that answer it) and ``info`` (model, firmware, firmware date, serial number,
MAC, maker, host name, IP address, HTTP/RTSP ports), read once per ``connect()`` from
``/util/query.cgi``, its ``extension=yes`` page and ``/adm/sysinfo.cgi``, any of which
may lack keys.

Settings and raw replies are redacted (:mod:`camhub.drivers.sercomm.redact`): no
password, WiFi key or camhub hook secret leaves the driver.

Options: :class:`~camhub.drivers.sercomm.options.SercommOptions` (``ptz_step``,
``notify``).
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

from camhub.capabilities import (
    ArmState,
    Capability,
    DeviceState,
    Direction,
    HttpSource,
    LedState,
    MotionDetectionState,
    Preset,
    PresetsState,
    State,
    implemented,
)
from camhub.config import DeviceConfig
from camhub.drivers.base import Device, DeviceContext, EventIn
from camhub.drivers.http import peer
from camhub.drivers.registry import options_of, register
from camhub.drivers.sercomm.motion import read_sensitivity, read_windows, sensitivity_changes
from camhub.drivers.sercomm.notify import NotifyOutcome, configure_notify
from camhub.drivers.sercomm.options import SercommOptions
from camhub.drivers.sercomm.protocol import SercommProtocol
from camhub.drivers.sercomm.ptz import PanTilt
from camhub.drivers.sercomm.redact import redact_group, redact_text
from camhub.drivers.sercomm.settings import (
    EVENT_LOG,
    MOTION_WINDOWS,
    settings_changes,
    settings_schema,
    shown,
)
from camhub.drivers.sercomm.transport import SercommTransport
from camhub.errors import ConfigError, DeviceAuthError, InvalidArgument

log = logging.getLogger(__name__)

# the ``event`` of an HTTP notify call -> camhub's event type (anything else: motion)
_EVENT_TYPES = {"motion": "motion", "audio": "sound", "sound": "sound", "io": "alarm"}
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


@register("sercomm")
class SercommCamera(Device):
    kind: ClassVar[str] = "sercomm"
    options_model = SercommOptions

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self.check_config(config)
        self._options = options_of(self, SercommOptions)
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
        self.ptz = PanTilt(self.protocol, self._options.ptz_step, self.name)
        self.firmware = ""
        self.info: dict[str, str] = {}
        self.admin = True  # False: the account is the camera's viewer (no /adm/ access)
        self.has_ir_filter = True  # until the camera answers 404
        self._groups: dict[str, list[str]] = {}  # keys of each group last read (schema)
        self._logged: set[str] = set()  # warnings given once per device
        if ctx.hook_url is None:
            self.capabilities -= {Capability.EVENTS}
            log.warning(
                "%s: no events from this camera: set server.hook_base_url so that it can "
                "call camhub back",
                self.name,
            )

    @property
    def options(self) -> SercommOptions:
        return self._options

    @classmethod
    def check_config(cls, config: DeviceConfig) -> None:
        if config.username and ":" in config.username:
            raise ConfigError([f"devices.{config.name}.username: must not contain ':'"])

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
        caps = set(implemented(type(self)))
        if not (info.get("ptctrl") == "on" and access.get("ptctrl") == "on"):
            caps -= {Capability.PTZ, Capability.PRESETS}
        sysinfo: dict[str, str] = {}
        events = False
        if self.admin:
            sysinfo = await self.protocol.sysinfo()
            if info.get("ptctrl") == "on":
                await self.ptz.read_home()
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

    async def poll(self) -> DeviceState:
        vendor: dict[str, Any] = {"firmware": self.firmware}
        if self.info:
            vendor["info"] = dict(self.info)
        values: list[State] = []
        if not self.admin:
            info = await self.protocol.query()
            vendor["host_name"] = info.get("hostname", "")
        else:
            event = await self.protocol.get_group("EVENT", "event_trigger")
            motion = await self.protocol.get_group("MOTION")
            system = await self.protocol.get_group("SYSTEM")
            vendor["host_name"] = system.get("host_name", "")
            values += [
                ArmState(armed=event["event_trigger"] == "1"),
                MotionDetectionState(
                    enabled=motion.get("md_mode") == "1", sensitivity=read_sensitivity(motion)
                ),
                LedState(on=system.get("led_mode") == "1"),
            ]
        if self.has_ir_filter:
            ir_filter = await self.protocol.ir_filter()
            if ir_filter is None:
                self.has_ir_filter = False
            else:
                vendor["ir_filter"] = ir_filter
        if Capability.PTZ in self.capabilities:
            values.append(self.ptz.state())
        if Capability.PRESETS in self.capabilities:
            values.append(PresetsState(presets=await self.ptz.presets(saved_too=self.admin)))
        return DeviceState.of(*values, vendor=vendor)

    # events ------------------------------------------------------------------------
    def event_types(self) -> frozenset[str]:
        return frozenset(_EVENT_TYPES.values())

    async def handle_hook(self, query: dict[str, str], body: bytes) -> None:
        said = query.get("event", "motion").lower()
        data: dict[str, Any] = {"source": "http_notify", "vendor_type": said[:32]}
        window = query.get("window", "")
        if window.isdecimal():
            data["window"] = int(window)
        if "time" in query:
            data["camera_time"] = query["time"][:32]
        self.ctx.emit(EventIn(_EVENT_TYPES.get(said, "motion"), data))

    # media -------------------------------------------------------------------------
    async def snapshot(self) -> bytes:
        return await self.protocol.snapshot()

    async def stream_source(self) -> HttpSource:
        return HttpSource(
            url=f"{self.transport.base_url}/img/video.mjpeg",
            headers=self.transport.auth_headers,
        )

    # pan / tilt and presets (see .ptz) ---------------------------------------------
    def _require(self, cap: Capability) -> None:
        self.need(cap, object)  # Unsupported on a fixed camera

    async def ptz_step(self, direction: Direction) -> None:
        self._require(Capability.PTZ)
        await self.ptz.step(direction)

    async def ptz_move(self, pan: int, tilt: int, zoom: int = 0) -> None:
        """Relative move in the camera's steps: pan > 0 right, tilt > 0 up."""
        self._require(Capability.PTZ)
        if zoom:
            raise InvalidArgument("this camera cannot zoom", ["zoom: not supported"])
        await self.ptz.move(pan, tilt)

    async def ptz_home(self) -> None:
        self._require(Capability.PTZ)
        await self.ptz.go_home()

    async def ptz_stop(self) -> None:
        """Sercomm moves are discrete steps: there is nothing to stop."""
        self._require(Capability.PTZ)

    async def list_presets(self) -> list[Preset]:
        self._require(Capability.PRESETS)
        return await self.ptz.presets(saved_too=self.admin)

    async def save_preset(self, name: str) -> str:
        self._require(Capability.PRESETS)
        return await self.ptz.save(name)

    async def goto_preset(self, preset_id: str) -> None:
        self._require(Capability.PRESETS)
        await self.ptz.goto(preset_id)

    async def delete_preset(self, preset_id: str) -> None:
        self._require(Capability.PRESETS)
        await self.ptz.delete(preset_id)

    # switches and motion detection -------------------------------------------------
    async def set_armed(self, on: bool) -> None:
        await self.protocol.set_group("EVENT", {"event_trigger": 1 if on else 0})

    async def set_led(self, on: bool) -> None:
        await self.protocol.set_group("SYSTEM", {"led_mode": 1 if on else 0})

    async def set_motion_detection(self, enabled: bool | None, sensitivity: int | None) -> None:
        """``md_mode``, and the sensitivity (percent) on the camera's 1..10 for every
        window (the windows themselves are settings: ``motion_windows``)."""
        values: dict[str, str] = {}
        if enabled is not None:
            values["md_mode"] = "1" if enabled else "0"
        if sensitivity is not None:
            if not 1 <= sensitivity <= 100:
                raise InvalidArgument("sensitivity: 1-100", ["sensitivity: 1-100"])
            values |= sensitivity_changes(sensitivity)
        if values:
            await self.protocol.set_checked("MOTION", values)

    # settings ----------------------------------------------------------------------
    def _redacted(self, group: dict[str, str]) -> dict[str, str]:
        return redact_group(group, self.ctx.hook_url, self.name)

    async def get_settings(self) -> dict[str, Any]:
        """Every group (redacted), the motion windows and the camera's ``event_log``."""
        settings: dict[str, Any] = {}
        for group in await self.protocol.list_groups():
            values = self._redacted(await self.protocol.get_group(group))
            settings[group] = shown(group, values)
            if group == "MOTION":
                settings[MOTION_WINDOWS] = read_windows(values)
        self._groups = {g: list(v) for g, v in settings.items() if g != MOTION_WINDOWS}
        settings[EVENT_LOG] = await self.protocol.log()
        return settings

    async def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Writes each group once; answers the groups changed (and the windows)."""
        per_group = settings_changes(changes, await self.protocol.list_groups())
        errors: list[str] = []
        for group, values in per_group.items():
            try:
                await self.protocol.set_checked(group, values)
            except InvalidArgument as exc:
                errors += exc.errors
        if errors:
            raise InvalidArgument(
                f"{self.name} refused some settings", errors=errors, device=self.name
            )
        out: dict[str, Any] = {}
        for group in per_group:
            values = self._redacted(await self.protocol.get_group(group))
            out[group] = shown(group, values)
            if group == "MOTION":
                out[MOTION_WINDOWS] = read_windows(values)
        return out

    def settings_schema(self) -> dict[str, Any]:
        return settings_schema(self._groups)

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
