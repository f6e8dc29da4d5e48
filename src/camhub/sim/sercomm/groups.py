"""The configuration groups of a Sercomm camera: defaults, per-model lists, rules.

Every group of seed 004 is held as an ordered ``key -> value`` dict of strings, in
the order the document shows. :data:`RULES` gives what ``/adm/set_group.cgi`` accepts
for a key; keys without a rule take free text of up to 64 ASCII characters. The
passwords of the groups seed 004 says are never displayed are write-only
(:data:`HIDDEN_KEYS`): stored but always served empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from camhub.sim.sercomm.codes import SetError
from camhub.sim.sercomm.defaults import DEFAULTS, parse_keys

# Group order of ``/adm/get_group.cgi`` (seed 004), and which models lack which.
GROUP_ORDER = [
    "Manufacture", "SYSTEM", "LOG", "NETWORK", "WIRELESS", "DDNS", "HTTP", "RTSP_RTP",
    "UPNP", "EMAIL", "FTP", "SMBC", "VIDEO", "H264", "MPEG4", "JPEG", "STREAMS", "AUDIO",
    "USER", "IP_FILTER", "MOTION", "IO", "EVENT", "QOS", "MCWS", "HTTP_NOTIFY",
    "HTTP_EVENT", "PPPOE", "BONJOUR", "SDCARD", "PTZ",
]  # fmt: skip


@dataclass(frozen=True)
class Model:
    name: str
    pan_tilt: bool
    wireless: bool
    ir_led: bool
    sd_card: bool
    io_pins: bool = False  # ``ioctrl`` of /util/query.cgi and /img/query.cgi

    @property
    def groups(self) -> list[str]:
        missing = set()
        if not self.pan_tilt:
            missing.add("PTZ")
        if not self.sd_card:
            missing.add("SDCARD")
        return [g for g in GROUP_ORDER if g not in missing]


MODELS: dict[str, Model] = {
    "RC8221": Model("RC8221", pan_tilt=False, wireless=True, ir_led=False, sd_card=False),
    "RC8221D": Model("RC8221D", pan_tilt=False, wireless=True, ir_led=False, sd_card=True),
    "OC821D": Model("OC821D", pan_tilt=False, wireless=True, ir_led=True, sd_card=True),
    "RC8230": Model("RC8230", pan_tilt=True, wireless=True, ir_led=False, sd_card=False),
}

# Write-only keys: stored, always served empty. Only the groups where seed 004 says
# "The response will *never* display your passwords" (USER, EMAIL, FTP, HTTP_EVENT,
# PPPOE); the other groups' passwords and WiFi keys are served as stored.
HIDDEN_KEYS = frozenset(
    {
        "admin_password", "viewer_password", "smtp_password", "smtp2_password",
        "ftp1_passwd", "ftp2_passwd", "http_post_pass", "pppoe_password",
    }
)  # fmt: skip

READ_ONLY: dict[str, frozenset[str]] = {
    "Manufacture": frozenset(parse_keys(DEFAULTS["Manufacture"])),
    "SYSTEM": frozenset(
        {"cfg_ver", "reboot_time", "boot_up_time", "reboot_reason", "wd_reboot_num"}
        | {"wd_reboot_time"}
    ),
    "STREAMS": frozenset({"channel1", "channel2", "channel3"}),
}


def default_groups(model: Model) -> dict[str, dict[str, str]]:
    return {g: parse_keys(DEFAULTS[g].replace("{model}", model.name)) for g in model.groups}


# -- value rules -------------------------------------------------------------------
Rule = Callable[[str], bool]

_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$")
_HOST_NAME = re.compile(r"^[0-9A-Za-z ]{1,16}$")


def _int(value: str) -> int | None:
    if not re.fullmatch(r"-?\d{1,6}", value):
        return None
    return int(value)


def rng(lo: int, hi: int, *, even: bool = False) -> Rule:
    def check(value: str) -> bool:
        n = _int(value)
        return n is not None and lo <= n <= hi and (not even or n % 2 == 0)

    return check


def one_of(*values: int | str) -> Rule:
    allowed = {str(v) for v in values}
    return lambda value: value in allowed


def text(max_len: int) -> Rule:
    return lambda value: len(value) <= max_len and value.isascii() and value.isprintable()


def ip(value: str) -> bool:
    return bool(_IPV4.match(value))


def window(value: str) -> bool:
    parts = [_int(p) for p in value.split(",")]
    if len(parts) != 4 or any(p is None for p in parts):
        return False
    x0, y0, x1, y1 = (p or 0 for p in parts)
    return 0 <= x0 <= x1 <= 639 and 0 <= y0 <= y1 <= 479


def point(value: str) -> bool:
    parts = [_int(p) for p in value.split(",")]
    if len(parts) != 2 or parts[0] is None or parts[1] is None:
        return False
    return -63 <= parts[0] <= 63 and -36 <= parts[1] <= 28


def mv_limit(value: str) -> bool:
    return value == "" or point(value)


def event_actions(value: str) -> bool:
    items = [p.partition(":") for p in value.split(";")]
    known = {"email", "ftpu", "httpn", "httppost", "smbc"}
    return all(k in known and v in ("0", "1") and s == ":" for k, s, v in items)


ON_OFF = one_of(0, 1)

RULES: dict[str, dict[str, Rule]] = {
    "SYSTEM": {
        "host_name": lambda v: bool(_HOST_NAME.match(v)),
        "comment": text(32),
        "time_format": one_of(12, 24),
        "date_format": one_of(1, 2, 3),
        "time_zone": rng(0, 75),
        "daylight_saving": ON_OFF,
        "ntp_mode": ON_OFF,
        "ntp_server": text(64),
        "led_mode": ON_OFF,
    },
    "LOG": {"syslog_mode": ON_OFF, "syslog_server": text(64), "syslog_port": rng(1, 65535)},
    "NETWORK": {
        "ip_addr": ip,
        "netmask": ip,
        "gateway": ip,
        "dhcp": ON_OFF,
        "dns_type": ON_OFF,
        "dns_server1": ip,
        "dns_server2": lambda v: v == "" or ip(v),
    },
    "WIRELESS": {
        "wlan_type": ON_OFF,
        "wlan_essid": text(32),
        "wlan_channel": rng(0, 13),
        "wlan_domain": rng(1, 12),
        "wlan_security": rng(0, 9),
        "wpa_ascii": lambda v: 8 <= len(v) <= 63 and text(63)(v),
        "connection_mode": rng(0, 3),
        "wmm": ON_OFF,
        "wpa_ep_auth_type": one_of(1, 2),
        "wpa_tls_user": text(64),
        "wpa_tls_priv_keypass": text(64),
        "wpa_ttls_auth_type": rng(1, 5),
        "wpa_ttls_user": text(64),
        "wpa_ttls_pass": text(64),
        "wpa_ttls_anony_name": text(64),
    },
    "RTSP_RTP": {
        "rtsp_port": lambda v: v == "554" or rng(1024, 65535)(v),
        "rtp_port": rng(1024, 65535),
        "rtp_size": rng(400, 1400),
        "mcast_enable": ON_OFF,
        "mcast_video_addr": ip,
        "mcast_video_port": rng(1024, 65534, even=True),
        "mcast_h264_addr": ip,
        "mcast_h264_port": rng(1024, 65534, even=True),
        "mcast_audio_addr": ip,
        "mcast_audio_port": rng(1024, 65534, even=True),
        "mcast_hops": rng(1, 255),
    },
    "UPNP": {"upnp_mode": ON_OFF},
    "VIDEO": {
        "time_stamp": ON_OFF,
        "text_overlay": ON_OFF,
        "text": text(20),
        "power_line": one_of(50, 60),
        "color": rng(0, 5),
        "exposure": rng(1, 7),
        "sharpness": rng(1, 7),
        "flip": ON_OFF,
        "mirror": ON_OFF,
        "hue": rng(1, 7),
        "saturation": rng(1, 7),
        "contrast": rng(1, 7),
        "night_mode": rng(0, 2),
    },
    "JPEG": {
        **{f"resolution{s}": rng(1, 4) for s in ("", "2", "3")},
        **{f"quality_level{s}": rng(1, 5) for s in ("", "2", "3")},
        **{f"frame_rate{s}": rng(1, 30) for s in ("", "2", "3")},
        **{f"mode{s}": ON_OFF for s in ("", "2", "3")},
    },
    "H264": {
        **{f"resolution{s}": rng(1, 4) for s in ("", "2", "3")},
        **{f"quality_level{s}": rng(1, 5) for s in ("", "2", "3")},
        **{f"frame_rate{s}": rng(1, 30) for s in ("", "2", "3")},
        **{f"mode{s}": ON_OFF for s in ("", "2", "3")},
    },
    "USER": {
        "login_check": ON_OFF,
        "admin_timeout": rng(1, 60),
        "admin_name": lambda v: 1 <= len(v) <= 32 and text(32)(v),
        "admin_password": text(32),
        "viewer_name": text(32),
        "viewer_password": text(32),
    },
    "MOTION": {
        "md_mode": ON_OFF,
        "md_point": point,
        **{f"md_switch{i}": ON_OFF for i in range(1, 5)},
        **{f"md_name{i}": text(12) for i in range(1, 5)},
        **{f"md_window{i}": window for i in range(1, 5)},
        **{f"md_threshold{i}": rng(0, 255) for i in range(1, 5)},
        **{f"md_sensitivity{i}": rng(1, 10) for i in range(1, 5)},
        **{f"md_update_freq{i}": rng(1, 255) for i in range(1, 5)},
    },
    "EVENT": {
        "event_trigger": ON_OFF,
        "event_schedule": ON_OFF,
        "event_interval": rng(0, 3600),
        "event_mt": event_actions,
        "event_audio": event_actions,
        "event_httpc": event_actions,
    },
    "HTTP_NOTIFY": {
        "http_notify": ON_OFF,
        "http_url": text(256),
        "http_proxy_no": rng(1, 65535),
        "http_method": one_of(0, 1),
        "event_data_flag": ON_OFF,
    },
    "HTTP_EVENT": {"http_event_en": ON_OFF, "http_post_en": ON_OFF, "http_post_url": text(256)},
    "PTZ": {
        "PredefineHome": point,
        **{f"Preset{i}Position": mv_limit for i in range(1, 10)},
        **{f"Preset{i}Name": text(16) for i in range(1, 10)},
    },
}
_FREE_TEXT = text(64)


def check_value(group: str, key: str, value: str) -> SetError | None:
    """Why ``group.key=value`` is refused, or None when it is accepted."""
    if key in READ_ONLY.get(group, frozenset()):
        return SetError.READ_ONLY
    if "\n" in value or "\r" in value:
        return SetError.BAD_FORMAT
    rule = RULES.get(group, {}).get(key)
    if rule is None:
        return None if _FREE_TEXT(value) else SetError.BAD_FORMAT
    return None if rule(value) else SetError.OUT_OF_RANGE
