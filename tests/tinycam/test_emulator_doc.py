"""Every example of seed 002 sent to the emulator gets the documented kind of answer."""

from __future__ import annotations

import base64
import json

import aiohttp
import pytest

from camhub.sim import SimOptions
from camhub.sim.tinycam import TinyCamEmulator
from camhub.sim.video import jpeg_size

from .conftest import DOORBELL, FRONT_YARD, read_mjpeg_part


def basic(user: str, pwd: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{pwd}".encode()).decode()}


async def get(http: aiohttp.ClientSession, url: str, **kw: object) -> tuple[int, bytes, str]:
    async with http.get(url, **kw) as r:  # type: ignore[arg-type]
        return r.status, await r.read(), r.content_type


# authentication -----------------------------------------------------------------------
async def test_three_ways_to_authenticate_open_the_mjpeg_stream(emu, http, token):
    video = f"{emu.url}/axis-cgi/mjpg/video.cgi"
    for kw in (
        {"headers": basic("admin", "admin")},
        {"params": {"user": "admin", "pwd": "admin"}},
        {"params": {"token": token}},
    ):
        async with http.get(video, **kw) as r:
            assert r.status == 200
            assert r.content_type == "multipart/x-mixed-replace"
            assert (await read_mjpeg_part(r)).startswith(b"\xff\xd8")


async def test_login_returns_a_token_and_the_access_level(emu, http):
    for user, access in (("admin", "admin"), ("guest", "guest")):
        status, body, ctype = await get(
            http, f"{emu.url}/api/v1/login", params={"user": user, "pwd": user}
        )
        assert status == 200 and ctype == "application/json"
        data = json.loads(body)["data"]
        assert data["access"] == access
        assert len(data["token"]) == 40 and int(data["token"], 16) >= 0


async def test_bad_credentials_are_refused_everywhere(emu, http):
    status, body, _ = await get(
        http, f"{emu.url}/api/v1/login", params={"user": "admin", "pwd": "x"}
    )
    assert status == 401 and body.startswith(b"HTTP 401")
    status, _, _ = await get(http, f"{emu.url}/api/v1/get_cam_list", headers=basic("admin", "no"))
    assert status == 401
    async with http.get(f"{emu.url}/api/v1/get_cam_list") as r:
        assert r.status == 401
        assert "Basic" in r.headers["WWW-Authenticate"]
    status, body, _ = await get(http, f"{emu.url}/api/v1/get_cam_list", params={"token": "f" * 40})
    assert status == 403 and b"Invalid token" in body


async def test_logout_deletes_the_token(emu, http, token):
    url = f"{emu.url}/api/v1/get_cam_list"
    assert (await get(http, url, params={"token": token}))[0] == 200
    status, body, _ = await get(http, f"{emu.url}/api/v1/logout", params={"token": token})
    assert status == 200 and b'"data"' in body
    assert (await get(http, url, params={"token": token}))[0] == 403


GUEST_OK = [
    "/api/v1/get_cam_list",
    "/api/v1/get_cam_event_list",
    "/axis-cgi/jpg/image.cgi",
]
ADMIN_ONLY = [
    "/api/v1/get_status",
    f"/api/v1/get_status?cameraId={FRONT_YARD}",
    "/api/v1/get_file?file=/Front%20yard/x.mp4",
    "/axis-cgi/audio/receive.wav",
    "/axis-cgi/com/ptz.cgi?move=home",
    "/axis-cgi/io/lightcontrol.cgi?action=L1:-100",
    "/param.cgi?action=update&root.BackgroundMode=on",
    "/param.cgi?action=update&root.Notifications=off",
    "/param.cgi?action=delete&root.Filename=/IPV68P2P/2016-10-21%2010.03.33.mp4",
    "/axis-cgi/admin/restart.cgi",
]


@pytest.mark.parametrize("path", GUEST_OK)
async def test_guest_may_view(emu, http, path):
    status, _, _ = await get(http, emu.url + path, params={"user": "guest", "pwd": "guest"})
    assert status == 200


@pytest.mark.parametrize("path", ADMIN_ONLY)
async def test_guest_is_refused_admin_routes(emu, http, path):
    status, body, _ = await get(http, emu.url + path, headers=basic("guest", "guest"))
    assert status == 403 and b"Admin access required" in body


async def test_legacy_servers_send_errors_as_text_with_status_200():
    async with (
        TinyCamEmulator(SimOptions(extra={"legacy_errors": True, "scene": "quiet"})) as emu,
        aiohttp.ClientSession() as http,
    ):
        status, body, _ = await get(http, f"{emu.url}/api/v1/get_cam_list", params={"token": "x"})
        assert status == 200 and body == b"HTTP 403. Invalid token."


# JSON API -----------------------------------------------------------------------------
async def test_cam_list_has_the_documented_cameras(emu, http, token):
    _, body, _ = await get(http, f"{emu.url}/api/v1/get_cam_list", params={"token": token})
    cams = json.loads(body)["data"]
    assert [(c["name"], c["id"], c["ptzCapabilities"]) for c in cams] == [
        ("Front yard", FRONT_YARD, 230911),
        ("Doorbell", DOORBELL, 32768),
    ]
    assert set(cams[0]) == {
        "name",
        "enabled",
        "id",
        "ptzCapabilities",
        "audioListening",
        "cloudAccess",
    }


async def events(http, emu, token, **params):
    async with http.get(
        f"{emu.url}/api/v1/get_cam_event_list", params={"token": token, **params}
    ) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["data"]


async def test_event_list_filters_and_order(emu, http, token):
    emu.add_event(FRONT_YARD, "person")
    emu.add_event(DOORBELL, "pet")
    every = await events(http, emu, token)
    times = [e["time"] for e in every]
    assert times == sorted(times, reverse=True)
    assert set(every[0]) == {"time", "duration", "motion", "video", "image"}
    assert every[0]["video"].startswith("/api/v1/get_file?file=/")
    assert every[0]["image"] == every[0]["video"] + ".jpg"

    # the document's example
    example = await events(
        http,
        emu,
        token,
        cameraId=FRONT_YARD,
        endtime=1601381164000,
        count=15,
        type="local",
        filter="person",
    )
    assert example == []  # nothing that old
    person = await events(http, emu, token, cameraId=FRONT_YARD, filter="person")
    assert person and all(e["motion"] == "person" for e in person)
    assert all("Front%20yard" in e["video"] for e in person)
    assert len(await events(http, emu, token, count=2)) == 2
    newest = every[0]["time"]
    older = await events(http, emu, token, endtime=newest - 1)
    assert older and all(e["time"] <= newest - 1 for e in older)
    cloud = await events(http, emu, token, type="cloud")
    assert cloud and all("Doorbell" in e["video"] for e in cloud)
    assert await events(http, emu, token, filter="pin") == []
    for bad in ({"type": "remote"}, {"filter": "cat"}, {"count": "x"}):
        status, _, _ = await get(
            http, f"{emu.url}/api/v1/get_cam_event_list", params={"token": token, **bad}
        )
        assert status == 400


async def test_get_file_serves_recordings_and_nothing_else(emu, http, token):
    event = emu.add_event(FRONT_YARD, "person")
    listed = (await events(http, emu, token, cameraId=FRONT_YARD, count=1))[0]
    status, jpg, ctype = await get(http, emu.url + listed["image"], params={"token": token})
    assert status == 200 and ctype == "image/jpeg" and jpeg_size(jpg) == (640, 360)
    status, mp4, ctype = await get(http, emu.url + listed["video"], params={"token": token})
    assert status == 200 and ctype == "video/mp4" and mp4[4:8] == b"ftyp"
    assert listed["video"].endswith(event.video.replace(" ", "%20"))
    url = f"{emu.url}/api/v1/get_file"
    for bad in (
        "/Front yard/2020-09-29 10.51.26 43sec motion.mp4.jpg",  # the document's example
        "/../../../../etc/passwd",
        "/Front yard/../../etc/hostname",
        "etc/passwd",
        "/",
    ):
        assert (await get(http, url, params={"token": token, "file": bad}))[0] == 404, bad
    assert (await get(http, url, params={"token": token}))[0] == 400


async def test_status_global_and_per_camera(http):
    async with TinyCamEmulator(SimOptions(extra={"scene": "motion"})) as emu:
        params = {"user": "admin", "pwd": "admin"}
        _, body, _ = await get(http, f"{emu.url}/api/v1/get_status", params=params)
        data = json.loads(body)["data"]
        for key in ("backgroundMode", "cpuUsagePercents", "memoryAvailable", "processes",
                    "batteryLevel", "uptime", "streamProfile", "powerSafeMode", "notifications",
                    "rootAvailable", "spaceUsed", "spaceAvailable", "liveConnections"):  # fmt: skip
            assert key in data
        assert data["motionCameras"] == ["Front yard", "Doorbell"]
        _, body, _ = await get(
            http, f"{emu.url}/api/v1/get_status", params={**params, "cameraId": FRONT_YARD}
        )
        assert json.loads(body) == {"data": {"motion": True}}


async def test_status_reports_no_motion_on_a_still_scene(emu, http, token):
    _, body, _ = await get(
        http, f"{emu.url}/api/v1/get_status", params={"token": token, "cameraId": DOORBELL}
    )
    assert json.loads(body) == {"data": {"motion": False}}
