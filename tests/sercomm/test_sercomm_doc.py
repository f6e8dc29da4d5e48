"""Every example URL of seed 004, sent to the emulator, gets the documented answer."""

from __future__ import annotations

import base64
import struct
import xml.etree.ElementTree as ET

import aiohttp
import pytest

from camhub.sim.sercomm import SercommEmulator
from camhub.sim.video import jpeg_size

from .conftest import ADMIN, VIEWER, options

SERCOMM_TABLE = "ACEGIKMOQSUWYBDFHJLNPRTVXZacegikmoqsuwybdfhjlnprtvxz0246813579=+/"
STANDARD_TABLE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
DOC_GROUPS = [
    "Manufacture",
    "SYSTEM",
    "LOG",
    "NETWORK",
    "WIRELESS",
    "DDNS",
    "HTTP",
    "RTSP_RTP",
    "UPNP",
    "EMAIL",
    "FTP",
    "SMBC",
    "VIDEO",
    "H264",
    "MPEG4",
    "JPEG",
    "STREAMS",
    "AUDIO",
    "USER",
    "IP_FILTER",
    "MOTION",
    "IO",
    "EVENT",
    "QOS",
    "MCWS",
    "HTTP_NOTIFY",
    "HTTP_EVENT",
    "PPPOE",
    "BONJOUR",
    "SDCARD",
    "PTZ",
]


async def get(http: aiohttp.ClientSession, emu: SercommEmulator, path: str) -> tuple[int, str]:
    async with http.get(emu.url + path, headers=ADMIN) as resp:
        return resp.status, await resp.text()


def ini(text: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("["):
            current = out.setdefault(line.strip("[]"), {})
        elif "=" in line:
            k, _, v = line.partition("=")
            current[k] = v
    return out


def kv(text: str) -> dict[str, str]:
    return dict(line.partition("=")[::2] for line in text.splitlines() if "=" in line)


@pytest.mark.parametrize(
    "path",
    [
        "/adm/enable_ui.cgi",
        "/adm/set_group.cgi?group=H264&resolution=4",
        "/adm/set_group.cgi?group=JPEG&resolution=4",
        "/adm/set_group.cgi?group=EVENT&event_trigger=1",
        "/adm/set_group.cgi?group=EVENT&event_trigger=0",
        "/adm/set_group.cgi?group=MOTION&md_window2=30,60,100,120",
        "/adm/set_group.cgi?group=HTTP_NOTIFY&http_url=http://example.com",
        "/adm/set_group.cgi?group=SYSTEM&ntp_server=0.uk.pool.ntp.org",
        "/adm/date.cgi?action=set&year=2015&month=10&day=13&second=57",
        "/adm/reboot.cgi",
        "/adm/reset_to_default.cgi",
    ],
)
async def test_documented_commands_answer_ok(
    emu: SercommEmulator, http: aiohttp.ClientSession, path: str
) -> None:
    assert await get(http, emu, path) == (200, "OK\n")


async def test_settings_read_back(emu: SercommEmulator, http: aiohttp.ClientSession) -> None:
    await get(http, emu, "/adm/set_group.cgi?group=MOTION&md_window2=30,60,100,120")
    await get(http, emu, "/adm/set_group.cgi?group=SYSTEM&ntp_server=0.uk.pool.ntp.org")
    await get(http, emu, "/adm/set_group.cgi?group=EVENT&event_trigger=1")
    motion = ini((await get(http, emu, "/adm/get_group.cgi?group=MOTION"))[1])["MOTION"]
    assert motion["md_window2"] == "30,60,100,120"
    assert len([k for k in motion if k.startswith("md_")]) == 26  # md_mode, 4 windows x 6, md_point
    one = (await get(http, emu, "/adm/get_group.cgi?group=SYSTEM.ntp_server"))[1]
    assert one == "[SYSTEM]\nntp_server=0.uk.pool.ntp.org\n"
    event = ini((await get(http, emu, "/adm/get_group.cgi?group=EVENT"))[1])["EVENT"]
    assert event["event_trigger"] == "1"
    assert event["event_mt"] == "email:0;ftpu:1;httpn:0;httppost:0;smbc:0"


async def test_group_list_and_model_groups(http: aiohttp.ClientSession) -> None:
    for model, missing in (("RC8230", {"SDCARD"}), ("RC8221", {"SDCARD", "PTZ"})):
        async with SercommEmulator(options(model)) as emu:
            status, text = await get(http, emu, "/adm/get_group.cgi")
            assert status == 200
            assert text.split() == [f"[{g}]" for g in DOC_GROUPS if g not in missing]
            notify = (await get(http, emu, "/adm/get_group.cgi?group=HTTP_NOTIFY.http_notify"))[1]
            assert notify == "[HTTP_NOTIFY]\nhttp_notify=1\n"


async def test_refused_values_change_nothing(
    emu: SercommEmulator, http: aiohttp.ClientSession
) -> None:
    cases = {
        "group=MOTION&md_threshold1=256": ("md_threshold1", "4"),
        "group=MOTION&md_window1=0,0,640,479": ("md_window1", "4"),
        "group=MOTION&md_name1=ThirteenChars": ("md_name1", "4"),
        "group=SYSTEM&cfg_ver=X": ("cfg_ver", "3"),
        "group=SYSTEM&time_zone=76": ("time_zone", "4"),
        "group=RTSP_RTP&mcast_video_port=2241": ("mcast_video_port", "4"),
        "group=MOTION&no_such_key=1": ("no_such_key", "2"),
        "group=NOPE&x=1": ("NOPE", "1"),
    }
    for query, (key, code) in cases.items():
        status, text = await get(http, emu, f"/adm/set_group.cgi?{query}")
        assert status == 200
        assert ini(text)["ERROR"] == {key: code}, query
    motion = ini((await get(http, emu, "/adm/get_group.cgi?group=MOTION"))[1])["MOTION"]
    assert motion["md_threshold1"] == "80" and motion["md_name1"] == "Window 1"


async def test_passwords_are_never_shown(emu: SercommEmulator, http: aiohttp.ClientSession) -> None:
    await get(http, emu, "/adm/set_group.cgi?group=EMAIL&smtp_password=hunter2")
    for group in ("USER", "EMAIL", "FTP", "PPPOE", "HTTP_EVENT"):
        text = (await get(http, emu, f"/adm/get_group.cgi?group={group}"))[1]
        assert "s3cret" not in text and "hunter2" not in text


@pytest.mark.parametrize(
    ("query", "size"),
    [("", (1280, 720)), ("?size=1", (1280, 720)), ("?size=2", (320, 240)), ("?size=3", (640, 480))],
)
async def test_snapshot_sizes(
    emu: SercommEmulator, http: aiohttp.ClientSession, query: str, size: tuple[int, int]
) -> None:
    async with http.get(emu.url + "/img/snapshot.cgi" + query, headers=ADMIN) as resp:
        assert resp.content_type == "image/jpeg"
        assert jpeg_size(await resp.read()) == size


async def test_snapshot_quality_changes_file_size(
    emu: SercommEmulator, http: aiohttp.ClientSession
) -> None:
    sizes = []
    for q in (1, 5):
        async with http.get(f"{emu.url}/img/snapshot.cgi?size=3&quality={q}", headers=ADMIN) as r:
            sizes.append(len(await r.read()))
    assert sizes[0] > sizes[1]


async def test_mjpeg_stream_is_multipart_jpeg(
    emu: SercommEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(emu.url + "/img/video.mjpeg", headers=VIEWER) as resp:
        assert resp.content_type == "multipart/x-mixed-replace"
        reader = aiohttp.MultipartReader.from_response(resp)
        part = await reader.next()
        assert isinstance(part, aiohttp.BodyPartReader)
        assert jpeg_size(await part.read()) == (1280, 720)


async def test_pan_tilt_moves_and_presets(
    emu: SercommEmulator, http: aiohttp.ClientSession
) -> None:
    expected = {"L": (-10, 0), "R": (0, 0), "U": (0, 10), "D": (0, 0), "UL": (-10, 10),
                "UR": (0, 20), "DL": (-10, 10), "DR": (0, 0)}  # fmt: skip
    for direction, position in expected.items():
        status, text = await get(http, emu, f"/pt/ptctrl.cgi?mv={direction},10")
        assert (status, text) == (200, "")
        assert (emu.pan, emu.tilt) == position, direction
    await get(http, emu, "/pt/ptctrl.cgi?mv=U,500")
    await get(http, emu, "/pt/ptctrl.cgi?mv=R,500")
    assert (emu.pan, emu.tilt) == (63, 28)  # clamped to the md_point limits
    for preset in (100, 101, 102, 104, 103):
        assert await get(http, emu, f"/pt/ptctrl.cgi?preset=move,{preset}") == (200, "")
    assert (emu.pan, emu.tilt, emu.last_preset) == (0, 0, 103)


async def test_fixed_camera_has_no_pan_tilt(http: aiohttp.ClientSession) -> None:
    async with SercommEmulator(options("OC821D")) as emu:
        assert (await get(http, emu, "/pt/ptctrl.cgi?mv=L,10"))[0] == 404
        info = kv((await get(http, emu, "/util/query.cgi"))[1])
        assert info["ptctrl"] == "off" and info["model_number"] == "OC821D"


async def test_information_pages(emu: SercommEmulator, http: aiohttp.ClientSession) -> None:
    info = kv((await get(http, emu, "/util/query.cgi"))[1])
    assert info["model_number"] == "RC8230" and info["ptctrl"] == "on"
    assert "fw_ver" not in info
    extension = kv((await get(http, emu, "/util/query.cgi?extension=yes"))[1])
    assert list(extension) == [  # exactly the keys seed 004 shows, in its order
        "fw_ver", "ip_addr", "netmask", "gateway", "timezone", "current_time",
        "http_port", "rtsp_port", "https_port",
    ]  # fmt: skip
    assert extension["fw_ver"] == "V1.0.15R00" and extension["http_port"] == str(emu.port)
    sysinfo = (await get(http, emu, "/adm/sysinfo.cgi"))[1]
    assert sysinfo.startswith("Firmware Version: V1.0.15\n")
    assert kv((await get(http, emu, "/img/query.cgi"))[1])["ptctrl"] == "on"
    assert (await get(http, emu, "/io/query_filter.cgi"))[1] == "filter=0\n"
    date = kv((await get(http, emu, "/adm/date.cgi?action=get"))[1])
    assert set(date) == {"timezone", "year", "month", "day", "hour", "minute", "second"}
    await get(http, emu, "/adm/date.cgi?action=set&year=2015&month=10&day=13&hour=8")
    assert kv((await get(http, emu, "/adm/date.cgi?action=get"))[1])["year"] == "2015"
    log = (await get(http, emu, "/adm/log.cgi"))[1].splitlines()
    assert log[0].startswith("2015-10-13 08:") and "System:" in log[0]
    wifi = kv((await get(http, emu, "/adm/wireless_status.cgi"))[1])
    assert wifi["essid"] == "MyNetwork" and wifi["signal_strength"] == "100"


async def test_xml_surveys(emu: SercommEmulator, http: aiohttp.ClientSession) -> None:
    sites = ET.fromstring((await get(http, emu, "/adm/site_survey.cgi"))[1].encode())
    assert sites.tag == "SiteList" and sites[0].findtext("SSID") == "MyWiFiNetwork"
    smb = ET.fromstring((await get(http, emu, "/adm/smb_survey.cgi?timeout=5"))[1].encode())
    assert smb.find("WorkGroup/Name") is not None
    assert "ERROR" in ini((await get(http, emu, "/adm/smb_survey.cgi?timeout=200"))[1])


async def test_config_download_uses_custom_base64(
    emu: SercommEmulator, http: aiohttp.ClientSession
) -> None:
    await get(http, emu, "/adm/set_group.cgi?group=SYSTEM&host_name=Porch")
    text = (await get(http, emu, "/adm/admcfg.cfg"))[1]
    raw = base64.b64decode(text.translate(str.maketrans(SERCOMM_TABLE, STANDARD_TABLE)))
    body, (checksum,) = raw[:-4], struct.unpack("<I", raw[-4:])
    aligned = len(body) - len(body) % 4
    assert sum(struct.unpack(f"<{aligned // 4}I", body[:aligned])) & 0xFFFFFFFF == checksum
    assert "[SYSTEM]\n" in body.decode() and "host_name=Porch\n" in body.decode()
    # and it restores: change the name, upload the saved file, the old name is back
    await get(http, emu, "/adm/set_group.cgi?group=SYSTEM&host_name=Other")
    async with http.post(emu.url + "/adm/upload.cgi", data=text, headers=ADMIN) as resp:
        assert await resp.text() == "OK\n"
    assert emu.groups["SYSTEM"]["host_name"] == "Porch"


async def test_access_control(emu: SercommEmulator, http: aiohttp.ClientSession) -> None:
    async with http.get(emu.url + "/util/query.cgi") as resp:
        assert resp.status == 401 and resp.headers["WWW-Authenticate"].startswith("Basic")
    for path, status in (("/adm/get_group.cgi", 401), ("/adm/reboot.cgi", 401),
                         ("/pt/ptctrl.cgi?mv=L,1", 401), ("/img/snapshot.cgi", 200),
                         ("/util/query.cgi", 200)):  # fmt: skip
        async with http.get(emu.url + path, headers=VIEWER) as resp:
            assert resp.status == status, path
    assert emu.reboots == 0 and emu.pan == 0


async def test_factory_reset_restores_default_account(
    emu: SercommEmulator, http: aiohttp.ClientSession
) -> None:
    await get(http, emu, "/adm/set_group.cgi?group=SYSTEM&host_name=Porch")
    assert await get(http, emu, "/adm/reset_to_default.cgi") == (200, "OK\n")
    async with http.get(emu.url + "/adm/get_group.cgi?group=SYSTEM.host_name", headers=ADMIN) as r:
        assert r.status == 401
    factory = {"Authorization": "Basic " + base64.b64encode(b"administrator:").decode()}
    url = emu.url + "/adm/get_group.cgi?group=SYSTEM.host_name"
    async with http.get(url, headers=factory) as r:
        assert await r.text() == "[SYSTEM]\nhost_name=MyCamera\n"


async def test_firmware_and_licences(emu: SercommEmulator, http: aiohttp.ClientSession) -> None:
    async with http.get(emu.url + "/adm/flash_dumper.cgi", headers=ADMIN) as resp:
        assert 'filename="fw.bin"' in resp.headers["Content-Disposition"]
        assert (await resp.read()).startswith(b"SCFW")
    async with http.post(emu.url + "/adm/upgrade.cgi", data=b"AAAA", headers=ADMIN) as resp:
        assert await resp.text() == "OK\n"
    assert "GPL" in (await get(http, emu, "/adm/Licenses.txt"))[1]


async def test_sim_state_shows_what_happened(
    emu: SercommEmulator, http: aiohttp.ClientSession
) -> None:
    await get(http, emu, "/pt/ptctrl.cgi?mv=UL,5")
    await get(http, emu, "/adm/set_group.cgi?group=EVENT&event_trigger=1")
    async with http.get(emu.url + "/__sim/state") as resp:
        state = await resp.json()
    assert state["kind"] == "sercomm" and state["model"] == "RC8230"
    assert (state["pan"], state["tilt"], state["armed"]) == (-5, 5, True)


async def test_media_sdp_describes_the_streams(
    emu: SercommEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(emu.url + "/img/media.sdp", headers=VIEWER) as resp:
        assert resp.status == 200 and resp.content_type == "application/sdp"
        sdp = (await resp.text()).split("\r\n")
    assert sdp[0] == "v=0"
    video = sdp.index("m=video 0 RTP/AVP 96")
    assert "a=rtpmap:96 H264/90000" in sdp[video:] and "a=framesize:96 1280-720" in sdp
    assert any(line.startswith("m=audio 0 RTP/AVP") for line in sdp)
    await get(http, emu, "/adm/set_group.cgi?group=H264&resolution=3")
    await get(http, emu, "/adm/set_group.cgi?group=AUDIO&audio_in=0")
    sdp = (await get(http, emu, "/img/media.sdp"))[1].split("\r\n")
    assert "a=framesize:96 640-480" in sdp and not any(x.startswith("m=audio") for x in sdp)


@pytest.mark.parametrize("name", ["media.sav", "video.sav", "audio.sav"])
async def test_rtsp_resources_name_their_rtsp_url(
    emu: SercommEmulator, http: aiohttp.ClientSession, name: str
) -> None:
    status, text = await get(http, emu, f"/img/{name}")
    assert (status, text) == (501, f"RTSP only: rtsp://127.0.0.1:554/img/{name}\n")


async def test_flash_endpoints_answer_typed_bodies(
    emu: SercommEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(emu.url + "/img/media.flv", headers=VIEWER) as resp:
        assert resp.content_type == "video/x-flv"
        assert (await resp.read())[:5] == b"FLV\x01\x05"
    for name in ("media.swf", "sc_flvplayer.swf"):
        async with http.get(f"{emu.url}/img/{name}", headers=VIEWER) as resp:
            assert resp.content_type == "application/x-shockwave-flash"
            body = await resp.read()
        assert body[:3] == b"FWS" and struct.unpack("<I", body[4:8])[0] == len(body)


@pytest.mark.parametrize("model", ["RC8230", "OC821D"])
async def test_both_query_pages_agree_on_io_control(
    http: aiohttp.ClientSession, model: str
) -> None:
    async with SercommEmulator(options(model)) as emu:
        util = kv((await get(http, emu, "/util/query.cgi"))[1])
        access = kv((await get(http, emu, "/img/query.cgi"))[1])
    assert access["ioctrl"] == util["ioctrl"] == "off"  # seed 004: no I/O control
    assert util["irled"] == ("on" if model == "OC821D" else "off")


async def test_wifi_key_is_served_as_stored(
    emu: SercommEmulator, http: aiohttp.ClientSession
) -> None:
    # seed 004 promises hidden passwords only for USER, EMAIL, FTP, HTTP_EVENT, PPPOE
    await get(http, emu, "/adm/set_group.cgi?group=WIRELESS&wpa_ascii=wifi-key-4711")
    text = (await get(http, emu, "/adm/get_group.cgi?group=WIRELESS.wpa_ascii"))[1]
    assert text == "[WIRELESS]\nwpa_ascii=wifi-key-4711\n"
