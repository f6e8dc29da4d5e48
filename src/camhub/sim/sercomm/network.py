"""Network and firmware routes: site survey, WiFi status, SMB survey, licences, firmware.

``/adm/site_survey.cgi`` and ``/adm/smb_survey.cgi`` answer XML as in seed 004;
``smb_survey`` takes ``timeout`` (5..120 s, default 30) or ``action=stop``.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from aiohttp import web

from camhub.sim.sercomm.codes import SetError
from camhub.sim.sercomm.host import LogHost
from camhub.sim.sercomm.ini import ini_group, kv_lines

SITES = [
    ("MyWiFiNetwork", "34:44:11:A9:C2:D4", "WPA2-PSK", "SharedKey", "AES", 1, 100, "Yes"),
    ("Neighbours", "C1:15:A2:01:1D:11", "WPA-PSK", "SharedKey", "TKIP", 11, 42, "No"),
]
LICENSES = (
    "This product includes open source software: Linux kernel (GPLv2), BusyBox (GPLv2),\n"
    "uClibc (LGPLv2.1), OpenSSL (OpenSSL License).\n"
)


def _xml(body: str) -> web.Response:
    return web.Response(
        text='<?xml version="1.0" encoding="utf-8"?>\n' + body, content_type="text/xml"
    )


class NetworkRoutes:
    """WiFi and SMB surveys, WiFi status, licences, firmware."""

    def __init__(self, host: LogHost) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/adm/site_survey.cgi", self.site_survey)
        r.add_get("/adm/wireless_status.cgi", self.wireless_status)
        r.add_get("/adm/smb_survey.cgi", self.smb_survey)
        r.add_get("/adm/Licenses.txt", self.licenses)
        r.add_get("/adm/flash_dumper.cgi", self.flash_dumper)
        r.add_post("/adm/upgrade.cgi", self.upgrade)

    async def site_survey(self, request: web.Request) -> web.Response:
        sites = "".join(
            "  <Site>\n"
            f"    <SSID>{escape(ssid)}</SSID>\n    <BSSID>{bssid}</BSSID>\n"
            "    <Mode>Infrastructure</Mode>\n"
            f"    <Security>{sec}</Security>\n    <AUTH>{auth}</AUTH>\n"
            f"    <Encryption>{enc}</Encryption>\n    <Channel>{ch}</Channel>\n"
            f"    <Signal>{signal}</Signal>\n    <WPS>{wps}</WPS>\n"
            "  </Site>\n"
            for ssid, bssid, sec, auth, enc, ch, signal, wps in SITES
        )
        return _xml(f"<SiteList>\n{sites}</SiteList>\n")

    async def wireless_status(self, request: web.Request) -> web.Response:
        if not self.host.model.wireless:
            raise web.HTTPNotFound()
        items: list[tuple[str, object]] = [
            ("signal_strength", 100),
            ("signal_strength-A", 0),
            ("signal_strength-B", 0),
            ("essid", self.host.g("WIRELESS", "wlan_essid")),
            ("domain", "Europe"),
            ("channel", 11),
            ("bssid", "C1:15:A2:01:1D:11"),
            ("wps_pin_code", 123456),
        ]
        return web.Response(text=kv_lines(items), content_type="text/plain")

    async def smb_survey(self, request: web.Request) -> web.Response:
        if request.query.get("action") == "stop":
            return web.Response(text="OK\n", content_type="text/plain")
        timeout = request.query.get("timeout", "30")
        if not timeout.isdecimal() or not 5 <= int(timeout) <= 120:
            body = ini_group("ERROR", {"timeout": str(int(SetError.OUT_OF_RANGE))})
            return web.Response(text=body, content_type="text/plain")
        return _xml(
            "<List>\n  <WorkGroup>\n    <Name>WORKGROUP</Name>\n    <List>\n"
            "      <Server>\n        <Name>MYSERVER</Name>\n"
            "        <Comment>Samba 4.1.6-Ubuntu</Comment>\n      </Server>\n"
            "    </List>\n  </WorkGroup>\n</List>\n"
        )

    async def licenses(self, request: web.Request) -> web.Response:
        return web.Response(text=LICENSES, content_type="text/plain")

    async def flash_dumper(self, request: web.Request) -> web.Response:
        image = b"SCFW" + self.host.model.name.encode().ljust(12, b"\0") + bytes(240)
        return web.Response(
            body=image,
            content_type="application/octet-stream",
            headers={"Content-Disposition": 'attachment; filename="fw.bin"'},
        )

    async def upgrade(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not body:
            body_err = ini_group("ERROR", {"firmware": str(int(SetError.BAD_FORMAT))})
            return web.Response(text=body_err, content_type="text/plain")
        self.host.add_log("System", "Firmware upgrade received.")
        return web.Response(text="OK\n", content_type="text/plain")
