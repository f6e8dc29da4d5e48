"""The HTTP routes of the Sercomm emulator: configuration groups and administration.

Replies are plain text ``OK`` or INI/``key=value`` text as seed 004 shows. A refused
``set_group.cgi`` changes nothing and answers (status 200, like the rest of this
terse API) an ``[ERROR]`` section with one ``key=code`` line per refused key, codes
from :class:`~camhub.sim.sercomm.groups.SetError`.
"""

from __future__ import annotations

import calendar
import time
from typing import TYPE_CHECKING

from aiohttp import web

from camhub.sim.sercomm.emulator import ROLE
from camhub.sim.sercomm.groups import HIDDEN_KEYS, SetError, check_value
from camhub.sim.sercomm.ini import decode_config, encode_config, ini_group, kv_lines, parse_ini
from camhub.sim.sercomm.media import add_media_routes

if TYPE_CHECKING:
    from camhub.sim.sercomm.emulator import SercommEmulator

FIRMWARE = "V1.0.15R00"
MAC = "00:0e:8f:92:ff:f7"


def text(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/plain")


def ok() -> web.Response:
    return text("OK\n")


def errors_reply(errors: dict[str, SetError]) -> web.Response:
    return text(ini_group("ERROR", {k: str(int(v)) for k, v in errors.items()}))


def add_routes(emu: SercommEmulator) -> None:
    r = emu.app.router

    def served(group: str) -> dict[str, str]:
        return {k: ("" if k in HIDDEN_KEYS else v) for k, v in emu.groups[group].items()}

    async def get_group(request: web.Request) -> web.Response:
        spec = request.query.get("group")
        if spec is None:
            return text("".join(f"[{g}]\n" for g in emu.groups))
        group, _, key = spec.partition(".")
        if group not in emu.groups:
            return errors_reply({group or "group": SetError.UNKNOWN_GROUP})
        values = served(group)
        if key:
            if key not in values:
                return errors_reply({key: SetError.UNKNOWN_KEY})
            values = {key: values[key]}
        return text(ini_group(group, values))

    async def set_group(request: web.Request) -> web.Response:
        group = request.query.get("group", "")
        if group not in emu.groups:
            return errors_reply({group or "group": SetError.UNKNOWN_GROUP})
        changes = {k: v for k, v in request.query.items() if k != "group"}
        return apply_changes(group, changes)

    def apply_changes(group: str, changes: dict[str, str]) -> web.Response:
        current = emu.groups[group]
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
            emu.add_log("System", f"{group} settings changed.")
            emu.config_changed()
        return ok()

    async def query(request: web.Request) -> web.Response:
        """``/util/query.cgi``; with ``extension=yes`` only the extension keys (seed 004)."""
        sys_, net = emu.groups["SYSTEM"], emu.groups["NETWORK"]
        items: list[tuple[str, object]]
        if request.query.get("extension") == "yes":
            items = [
                ("fw_ver", FIRMWARE),
                ("ip_addr", net["ip_addr"]),
                ("netmask", net["netmask"]),
                ("gateway", net["gateway"]),
                ("timezone", sys_["time_zone"]),
                ("current_time", time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(emu.now()))),
                ("http_port", emu.port),
                ("rtsp_port", emu.g("RTSP_RTP", "rtsp_port")),
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
            ("ptctrl", "on" if emu.model.pan_tilt else "off"),
            ("wlled", "off"),
            ("irled", "on" if emu.model.ir_led else "off"),
            ("serial", "off"),
            ("resolutions", "1280x720,640*480,320*240,160*120"),
            ("mac", MAC),
            ("privacy_button", "off"),
            ("pir_sensor", "off"),
            ("wps_pin_code", "1234567"),
            ("ioctrl", "on" if emu.model.io_pins else "off"),
            ("company_name", "Xanboo"),
            ("model_number", emu.model.name),
            ("wireless", "on" if emu.model.wireless else "off"),
            ("sw_pppoe", "yes"),
        ]
        return text(kv_lines(items))

    async def sysinfo(request: web.Request) -> web.Response:
        return text(
            f"Firmware Version: {FIRMWARE[:-3]}\nSerial Number:12345\n"
            "Firmware Release Date: Mar 01,2013\n"
        )

    async def user_access(request: web.Request) -> web.Response:
        admin = request[ROLE] == "admin"
        users = emu.groups["USER"]

        def allowed(key: str) -> bool:
            return admin or users[key].split(",")[0] == "1"

        items = [
            ("mic_in", "on" if allowed("audio_in_ctrl") else "off"),
            ("speaker_out", "on" if allowed("audio_out_ctrl") else "off"),
            ("ptctrl", "on" if emu.model.pan_tilt and allowed("pt_ctrl") else "off"),
            ("ioctrl", "on" if emu.model.io_pins and allowed("io_ctrl") else "off"),
        ]
        return text(kv_lines(items))

    async def query_filter(request: web.Request) -> web.Response:
        return text(f"filter={1 if emu.g('VIDEO', 'night_mode') == '1' else 0}\n")

    async def date(request: web.Request) -> web.Response:
        action = request.query.get("action", "get")
        if action == "get":
            t = time.gmtime(emu.now())
            return text(
                kv_lines(
                    [
                        ("timezone", emu.g("SYSTEM", "time_zone")),
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
        t = time.gmtime(emu.now())
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
        emu.clock_offset = target - time.time()
        emu.add_log("System", "Date and time set.")
        return ok()

    async def event_log(request: web.Request) -> web.Response:
        return text("".join(f"{line}\n" for line in emu.log_lines))

    def all_groups_ini() -> str:
        return "".join(ini_group(g, v) for g, v in emu.groups.items())

    async def admcfg(request: web.Request) -> web.Response:
        return web.Response(
            text=encode_config(all_groups_ini()),
            content_type="application/octet-stream",
            headers={"Content-Disposition": 'attachment; filename="admcfg.cfg"'},
        )

    async def upload(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            cfg = parse_ini(decode_config(body.decode("ascii", "replace")))
        except ValueError:
            return errors_reply({"config": SetError.BAD_FORMAT})
        for group, values in cfg.items():
            if group in emu.groups:
                emu.groups[group].update(
                    {k: v for k, v in values.items() if k in emu.groups[group] and v != ""}
                )
        emu.add_log("System", "Configuration restored.")
        emu.config_changed()
        return ok()

    async def reboot(request: web.Request) -> web.Response:
        emu.reboots += 1
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(emu.now()))
        emu.groups["SYSTEM"].update(
            reboot_time=stamp, boot_up_time=stamp, reboot_reason="Reboot by user"
        )
        emu.add_log("System", "Reboot by user.")
        return ok()

    async def reset(request: web.Request) -> web.Response:
        emu.factory_reset()
        return ok()

    async def enable_ui(request: web.Request) -> web.Response:
        emu.ui_enabled = True
        return ok()

    r.add_get("/adm/get_group.cgi", get_group)
    r.add_get("/adm/set_group.cgi", set_group)
    r.add_get("/util/query.cgi", query)
    r.add_get("/adm/sysinfo.cgi", sysinfo)
    r.add_get("/img/query.cgi", user_access)
    r.add_get("/io/query_filter.cgi", query_filter)
    r.add_get("/adm/date.cgi", date)
    r.add_get("/adm/log.cgi", event_log)
    r.add_get("/adm/admcfg.cfg", admcfg)
    r.add_post("/adm/upload.cgi", upload)
    r.add_get("/adm/reboot.cgi", reboot)
    r.add_get("/adm/reset_to_default.cgi", reset)
    r.add_get("/adm/enable_ui.cgi", enable_ui)
    add_media_routes(emu)
