"""The HTTP routes of the Sercomm emulator: configuration groups and administration.

Replies are plain text ``OK`` or INI/``key=value`` text as seed 004 shows. A refused
``set_group.cgi`` changes nothing and answers (status 200, like the rest of this
terse API) an ``[ERROR]`` section with one ``key=code`` line per refused key, codes
from :class:`~camhub.sim.sercomm.codes.SetError`.
"""

from __future__ import annotations

import calendar
import time

from aiohttp import web

from camhub.sim.sercomm.codes import SetError
from camhub.sim.sercomm.groups import HIDDEN_KEYS, check_value
from camhub.sim.sercomm.host import ROLE, AdminHost
from camhub.sim.sercomm.ini import decode_config, encode_config, ini_group, kv_lines, parse_ini

FIRMWARE = "V1.0.15R00"
MAC = "00:0e:8f:92:ff:f7"


def text(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/plain")


def ok() -> web.Response:
    return text("OK\n")


def errors_reply(errors: dict[str, SetError]) -> web.Response:
    return text(ini_group("ERROR", {k: str(int(v)) for k, v in errors.items()}))


class SercommRoutes:
    """Configuration groups, information, date, logs, backup and administration."""

    def __init__(self, host: AdminHost) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/adm/get_group.cgi", self.get_group)
        r.add_get("/adm/set_group.cgi", self.set_group)
        r.add_get("/util/query.cgi", self.query)
        r.add_get("/adm/sysinfo.cgi", self.sysinfo)
        r.add_get("/img/query.cgi", self.user_access)
        r.add_get("/io/query_filter.cgi", self.query_filter)
        r.add_get("/adm/date.cgi", self.date)
        r.add_get("/adm/log.cgi", self.event_log)
        r.add_get("/adm/admcfg.cfg", self.admcfg)
        r.add_post("/adm/upload.cgi", self.upload)
        r.add_get("/adm/reboot.cgi", self.reboot)
        r.add_get("/adm/reset_to_default.cgi", self.reset)
        r.add_get("/adm/enable_ui.cgi", self.enable_ui)

    def _served(self, group: str) -> dict[str, str]:
        return {k: ("" if k in HIDDEN_KEYS else v) for k, v in self.host.groups[group].items()}

    async def get_group(self, request: web.Request) -> web.Response:
        spec = request.query.get("group")
        if spec is None:
            return text("".join(f"[{g}]\n" for g in self.host.groups))
        group, _, key = spec.partition(".")
        if group not in self.host.groups:
            return errors_reply({group or "group": SetError.UNKNOWN_GROUP})
        values = self._served(group)
        if key:
            if key not in values:
                return errors_reply({key: SetError.UNKNOWN_KEY})
            values = {key: values[key]}
        return text(ini_group(group, values))

    async def set_group(self, request: web.Request) -> web.Response:
        group = request.query.get("group", "")
        if group not in self.host.groups:
            return errors_reply({group or "group": SetError.UNKNOWN_GROUP})
        changes = {k: v for k, v in request.query.items() if k != "group"}
        return self._apply_changes(group, changes)

    def _apply_changes(self, group: str, changes: dict[str, str]) -> web.Response:
        current = self.host.groups[group]
        errors: dict[str, SetError] = {}
        for key, value in changes.items():
            if key not in current:
                errors[key] = SetError.UNKNOWN_KEY
            elif (err := check_value(group, key, value)) is not None:
                errors[key] = err
        if errors:
            return errors_reply(errors)
        current.update(changes)
        if changes:
            self.host.add_log("System", f"{group} settings changed.")
            self.host.config_changed()
        return ok()

    async def query(self, request: web.Request) -> web.Response:
        """``/util/query.cgi``; with ``extension=yes`` only the extension keys (seed 004)."""
        sys_, net = self.host.groups["SYSTEM"], self.host.groups["NETWORK"]
        items: list[tuple[str, object]]
        if request.query.get("extension") == "yes":
            items = [
                ("fw_ver", FIRMWARE),
                ("ip_addr", net["ip_addr"]),
                ("netmask", net["netmask"]),
                ("gateway", net["gateway"]),
                ("timezone", sys_["time_zone"]),
                ("current_time", time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(self.host.now()))),
                ("http_port", self.host.port),
                ("rtsp_port", self.host.g("RTSP_RTP", "rtsp_port")),
                ("https_port", 443),
            ]
            return text(kv_lines(items))
        items = [
            ("hostname", sys_["host_name"]),
            ("description", sys_["comment"]),
            ("defname", "SC92FFF7"),
            ("mpeg4_resolution", 640),
            ("mjpeg_resolution", 1280),
            ("h264_resolution", 1280),
            ("h264_resolution2", 320),
            ("h264_resolution3", 320),
            ("mic_in", "on"),
            ("speaker_out", "off"),
            ("ptctrl", "on" if self.host.model.pan_tilt else "off"),
            ("wlled", "off"),
            ("irled", "on" if self.host.model.ir_led else "off"),
            ("serial", "off"),
            ("resolutions", "1280x720,640*480,320*240,160*120"),
            ("mac", MAC),
            ("privacy_button", "off"),
            ("pir_sensor", "off"),
            ("wps_pin_code", "1234567"),
            ("ioctrl", "on" if self.host.model.io_pins else "off"),
            ("company_name", "Xanboo"),
            ("model_number", self.host.model.name),
            ("wireless", "on" if self.host.model.wireless else "off"),
            ("sw_pppoe", "yes"),
        ]
        return text(kv_lines(items))

    async def sysinfo(self, request: web.Request) -> web.Response:
        return text(
            f"Firmware Version: {FIRMWARE[:-3]}\nSerial Number:12345\n"
            "Firmware Release Date: Mar 01,2013\n"
        )

    async def user_access(self, request: web.Request) -> web.Response:
        admin = request[ROLE] == "admin"
        users = self.host.groups["USER"]

        def allowed(key: str) -> bool:
            return admin or users[key].split(",")[0] == "1"

        items = [
            ("mic_in", "on" if allowed("audio_in_ctrl") else "off"),
            ("speaker_out", "on" if allowed("audio_out_ctrl") else "off"),
            ("ptctrl", "on" if self.host.model.pan_tilt and allowed("pt_ctrl") else "off"),
            ("ioctrl", "on" if self.host.model.io_pins and allowed("io_ctrl") else "off"),
        ]
        return text(kv_lines(items))

    async def query_filter(self, request: web.Request) -> web.Response:
        return text(f"filter={1 if self.host.g('VIDEO', 'night_mode') == '1' else 0}\n")

    async def date(self, request: web.Request) -> web.Response:
        action = request.query.get("action", "get")
        if action == "get":
            t = time.gmtime(self.host.now())
            return text(
                kv_lines(
                    [
                        ("timezone", self.host.g("SYSTEM", "time_zone")),
                        ("year", t.tm_year),
                        ("month", f"{t.tm_mon:02d}"),
                        ("day", f"{t.tm_mday:02d}"),
                        ("hour", f"{t.tm_hour:02d}"),
                        ("minute", f"{t.tm_min:02d}"),
                        ("second", f"{t.tm_sec:02d}"),
                    ]
                )
            )
        if action != "set":
            return errors_reply({"action": SetError.OUT_OF_RANGE})
        t = time.gmtime(self.host.now())
        fields = {
            "year": (t.tm_year, 1970, 2037),
            "month": (t.tm_mon, 1, 12),
            "day": (t.tm_mday, 1, 31),
            "hour": (t.tm_hour, 0, 23),
            "minute": (t.tm_min, 0, 59),
            "second": (t.tm_sec, 0, 59),
        }
        values: dict[str, int] = {}
        errors: dict[str, SetError] = {}
        for name, (current, lo, hi) in fields.items():
            raw = request.query.get(name)
            if raw is None:
                values[name] = current
            elif raw.isdecimal() and lo <= int(raw) <= hi:
                values[name] = int(raw)
            else:
                errors[name] = SetError.OUT_OF_RANGE
        if errors:
            return errors_reply(errors)
        try:
            target = calendar.timegm(
                (values["year"], values["month"], values["day"],
                 values["hour"], values["minute"], values["second"], 0, 0, 0)
            )  # fmt: skip
            time.gmtime(target)
        except (ValueError, OverflowError):
            return errors_reply({"day": SetError.OUT_OF_RANGE})
        self.host.clock_offset = target - time.time()
        self.host.add_log("System", "Date and time set.")
        return ok()

    async def event_log(self, request: web.Request) -> web.Response:
        return text("".join(f"{line}\n" for line in self.host.log_lines))

    def _all_groups_ini(self) -> str:
        return "".join(ini_group(g, v) for g, v in self.host.groups.items())

    async def admcfg(self, request: web.Request) -> web.Response:
        return web.Response(
            text=encode_config(self._all_groups_ini()),
            content_type="application/octet-stream",
            headers={"Content-Disposition": 'attachment; filename="admcfg.cfg"'},
        )

    async def upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            cfg = parse_ini(decode_config(body.decode("ascii", "replace")))
        except ValueError:
            return errors_reply({"config": SetError.BAD_FORMAT})
        groups = self.host.groups
        for group, values in cfg.items():
            if group in groups:
                groups[group].update(
                    {k: v for k, v in values.items() if k in groups[group] and v != ""}
                )
        self.host.add_log("System", "Configuration restored.")
        self.host.config_changed()
        return ok()

    async def reboot(self, request: web.Request) -> web.Response:
        self.host.reboots += 1
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.host.now()))
        self.host.groups["SYSTEM"].update(
            reboot_time=stamp, boot_up_time=stamp, reboot_reason="Reboot by user"
        )
        self.host.add_log("System", "Reboot by user.")
        return ok()

    async def reset(self, request: web.Request) -> web.Response:
        self.host.factory_reset()
        return ok()

    async def enable_ui(self, request: web.Request) -> web.Response:
        self.host.ui_enabled = True
        return ok()
