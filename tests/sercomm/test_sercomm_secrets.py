"""No password, WiFi key or camhub hook secret leaves the driver in an API answer."""

from __future__ import annotations

import json
from collections.abc import Callable

from camhub.drivers.sercomm.device import SercommCamera
from camhub.sim.sercomm import SercommEmulator

MakeCamera = Callable[..., SercommCamera]
HOOK_SECRET = "0123456789abcdef0123456789abcdef"
HOOK = f"http://127.0.0.1:9/hooks/porch/{HOOK_SECRET}"
SECRETS = {
    ("WIRELESS", "wpa_ascii"): "wifi-key-4711",
    ("WIRELESS", "wep_kep1"): "wep-key-0815",
    ("DDNS", "ddns_password"): "ddns-pw-1",
    ("LOG", "im_password"): "im-pw-2",
    ("HTTP_NOTIFY", "http_password"): "notify-pw-3",
    ("HTTP_NOTIFY", "proxy_password"): "proxy-pw-4",
    ("SMBC", "smbc_passwd"): "smb-pw-5",
    ("USER", "user2"): "bob,bob-pw-6",
    ("HTTP_EVENT", "http_post_url"): "http://poster:url-pw-7@192.0.2.9/up?token=tok-8&cam=1",
}


def plant_secrets(emu: SercommEmulator) -> None:
    for (group, key), value in SECRETS.items():
        emu.groups[group][key] = value


def leaked(text: str) -> list[str]:
    words = ["wifi-key-4711", "wep-key-0815", "ddns-pw-1", "im-pw-2", "notify-pw-3"]
    words += ["proxy-pw-4", "smb-pw-5", "bob-pw-6", "url-pw-7", "tok-8", HOOK_SECRET]
    return [w for w in words if w in text]


async def test_settings_hide_every_secret_and_the_hook(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    cam = make_camera(emu, hook_url=HOOK)
    await cam.connect()
    assert emu.groups["HTTP_NOTIFY"]["http_url"] == HOOK  # the camera does hold it
    plant_secrets(emu)
    settings = await cam.get_settings()
    assert leaked(json.dumps(settings)) == []
    assert settings["HTTP_NOTIFY"]["http_url"] == "<camhub hook>"
    assert settings["WIRELESS"]["wpa_ascii"] == "********"
    assert settings["WIRELESS"]["wpa_ttls_pass"] == "********"  # empty or not: the same
    assert settings["USER"]["user2"] == "bob,********"
    assert settings["HTTP_EVENT"]["http_post_url"].startswith("http://poster:********@192.0.2.9/")
    assert "cam=1" in settings["HTTP_EVENT"]["http_post_url"]
    assert settings["FTP"]["ftp1_passive"] == "1"  # not a password
    changed = await cam.update_settings({"WIRELESS": {"wlan_essid": "Home"}})
    assert changed["WIRELESS"]["wlan_essid"] == "Home" and leaked(json.dumps(changed)) == []


async def test_raw_replies_are_redacted_too(emu: SercommEmulator, make_camera: MakeCamera) -> None:
    cam = make_camera(emu, hook_url=HOOK)
    await cam.connect()
    plant_secrets(emu)
    for group in ("WIRELESS", "HTTP_NOTIFY", "USER", "HTTP_EVENT"):
        text = await cam.raw({"path": "/adm/get_group.cgi", "query": {"group": group}})
        assert text.startswith(f"[{group}]\n") and leaked(text) == [], group
    text = await cam.raw({"path": "/adm/get_group.cgi", "query": {"group": "HTTP_NOTIFY"}})
    assert "http_url=<camhub hook>\n" in text and "http_notify=1\n" in text


async def test_an_earlier_hook_of_camhub_is_recognised(
    emu: SercommEmulator, make_camera: MakeCamera
) -> None:
    emu.groups["HTTP_NOTIFY"]["http_url"] = f"http://10.0.0.2:8080/hooks/porch/{HOOK_SECRET}"
    settings = await make_camera(emu).get_settings()  # no hook URL configured now
    assert settings["HTTP_NOTIFY"]["http_url"] == "<camhub hook>"
