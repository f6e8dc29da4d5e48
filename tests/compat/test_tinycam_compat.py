"""camhub as a tinyCam server: Sercomm emulators behind the hub, seen through the
tinyCam / Axis compatible routes, and camhub's own tinyCam driver talking to them."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import numpy as np
import pytest
import simplejpeg
from fastapi import FastAPI

from camhub.api.app import create_app
from camhub.api.routes.tinycam import router
from camhub.capabilities import Capability
from camhub.compat.tinycam_auth import ACCESS
from camhub.config import DeviceConfig
from camhub.drivers.base import DeviceContext, EventIn
from camhub.drivers.tinycam.device import TinyCamServer
from camhub.server import serve
from camhub.settings import AppSettings
from camhub.sim import SimOptions
from camhub.sim.sercomm import SercommEmulator
from camhub.sim.tinycam import TinyCamEmulator
from tests.conftest import ADMIN_PASSWORD, GUEST_PASSWORD, InProcess, make_settings
from tests.helpers.wait import until

CAM_PASSWORD = "s3cret-Pa55"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


ADMIN = basic("admin", ADMIN_PASSWORD)
GUEST = basic("viewer", GUEST_PASSWORD)


@pytest.fixture
async def cams() -> AsyncIterator[dict[str, SercommEmulator]]:
    """porch: an RC8230 (pan/tilt, presets, LED); garage: an RC8221 (no pan/tilt)."""
    async with contextlib.AsyncExitStack() as stack:
        out = {}
        for name, model in (("porch", "RC8230"), ("garage", "RC8221")):
            opts = SimOptions(password=CAM_PASSWORD, model=model, extra={"scene": "quiet"})
            out[name] = await stack.enter_async_context(SercommEmulator(opts))
        yield out


def devices(cams: dict[str, SercommEmulator]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "kind": "sercomm",
            "host": "127.0.0.1",
            "port": emu.port,
            "username": "admin",
            "password": CAM_PASSWORD,
        }
        for name, emu in cams.items()
    ]


def with_tinycam(app: FastAPI) -> FastAPI:
    """The app with the tinyCam routes (until create_app includes them itself)."""
    if not any(getattr(r, "path", "") == "/api/v1/get_cam_list" for r in app.routes):
        app.include_router(router)
    return app


@contextlib.asynccontextmanager
async def tinycam_hub(tmp_path: Path, cams: dict[str, SercommEmulator]) -> AsyncIterator[InProcess]:
    app = with_tinycam(create_app(make_settings(tmp_path / "data", devices=devices(cams))))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            hub = InProcess(c, app.state.camhub)
            porch = hub.state.hub.get("porch")
            await until(lambda: Capability.PTZ in porch.capabilities, what="porch connected")
            yield hub


@pytest.fixture
async def hub(tmp_path: Path, cams: dict[str, SercommEmulator]) -> AsyncIterator[InProcess]:
    async with tinycam_hub(tmp_path, cams) as h:
        yield h


async def test_login_token_lists_cameras_with_stable_ids_and_ptz(hub: InProcess) -> None:
    r = await hub.client.get("/api/v1/login", params={"user": "admin", "pwd": ADMIN_PASSWORD})
    assert r.status_code == 200
    login = r.json()["data"]
    assert login["access"] == "admin" and len(login["token"]) >= 20
    r = await hub.client.get("/api/v1/get_cam_list", params={"token": login["token"]})
    cams = {c["name"]: c for c in r.json()["data"]}
    assert [c["name"] for c in r.json()["data"]] == ["garage", "porch"]  # camera=1, 2
    assert cams["porch"]["id"] == zlib.crc32(b"porch") & 0x7FFFFFFF
    assert cams["porch"]["ptzCapabilities"] & 0x000F and cams["porch"]["ptzCapabilities"] & 0x400
    assert cams["garage"]["ptzCapabilities"] & 0x000F == 0
    assert cams["porch"]["enabled"] is True and cams["porch"]["cloudAccess"] is False
    # the token is a camhub session: logout ends it
    r = await hub.client.get("/api/v1/logout", params={"token": login["token"]})
    assert r.status_code == 200
    r = await hub.client.get("/api/v1/get_cam_list", params={"token": login["token"]})
    assert r.status_code == 403 and r.text.startswith("HTTP 403.")


async def test_access_levels_errors_and_lockout(hub: InProcess) -> None:
    c = hub.client
    r = await c.get("/api/v1/get_cam_list")
    assert r.status_code == 401 and r.text.startswith("HTTP 401.")
    assert r.headers["WWW-Authenticate"].startswith("Basic")
    guest = await c.get("/api/v1/login", params={"user": "viewer", "pwd": GUEST_PASSWORD})
    assert guest.json()["data"]["access"] == "guest"
    token = guest.json()["data"]["token"]
    assert (await c.get("/api/v1/get_cam_list", params={"token": token})).status_code == 200
    assert (await c.get("/axis-cgi/jpg/image.cgi", headers=GUEST)).status_code == 200
    for path in ("/api/v1/get_status", "/axis-cgi/com/ptz.cgi", "/param.cgi", "/api/v1/get_file"):
        r = await c.get(path, params={"token": token, "move": "home"})
        assert r.status_code == 403, path
        assert r.text == "HTTP 403. Admin access required."
    r = await c.get("/api/v1/get_status", params={"user": "admin", "pwd": ADMIN_PASSWORD})
    assert r.status_code == 200 and "liveConnections" in r.json()["data"]
    # a password found right a moment ago is remembered, never a near miss
    assert (await c.get("/api/v1/get_status", headers=ADMIN)).status_code == 200
    near = basic("admin", ADMIN_PASSWORD + " ")
    assert (await c.get("/api/v1/get_status", headers=near)).status_code == 401
    statuses = []
    for _ in range(4):
        r = await c.get("/api/v1/login", params={"user": "admin", "pwd": "wrong"})
        statuses.append(r.status_code)
    assert statuses == [401, 401, 401, 429] and r.text.startswith("HTTP 429. ")  # 5th failure
    r = await c.get("/api/v1/get_cam_list", headers=ADMIN)  # even the right password
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert ADMIN_PASSWORD not in r.text


async def test_image_cgi_by_camera_number_size_and_quality(hub: InProcess) -> None:
    c = hub.client
    r = await c.get(
        "/axis-cgi/jpg/image.cgi",
        params={"camera": 2, "resolution": "320x240"},
        headers=ADMIN,
    )
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert simplejpeg.decode_jpeg_header(r.content)[:2] == (240, 320)
    low = await c.get(
        "/axis-cgi/jpg/image.cgi",
        params={"user": "admin", "pwd": ADMIN_PASSWORD, "camera": 2, "compression": 95},
    )
    high = await c.get(
        "/axis-cgi/jpg/image.cgi",
        params={"user": "admin", "pwd": ADMIN_PASSWORD, "camera": 2, "compression": 0},
    )
    assert len(low.content) < len(high.content)
    r = await c.get("/axis-cgi/jpg/image.cgi", params={"camera": 3}, headers=ADMIN)
    assert r.status_code == 404 and r.text == "HTTP 404. Camera not found."
    r = await c.get("/axis-cgi/jpg/image.cgi", params={"camera": "²"}, headers=ADMIN)
    assert r.status_code == 400


async def test_ptz_moves_the_camera_and_refuses_what_it_cannot(
    hub: InProcess, cams: dict[str, SercommEmulator]
) -> None:
    c = hub.client
    before = cams["porch"].pan
    r = await c.get(
        "/axis-cgi/com/ptz.cgi",
        params={"camera": 2, "continuouspantiltmove": "100,0"},
        headers=ADMIN,
    )
    assert r.status_code == 200 and r.text == "OK"
    assert cams["porch"].pan != before
    r = await c.get(
        "/axis-cgi/com/ptz.cgi",
        params={"camera": 1, "continuouspantiltmove": "0,50"},
        headers=ADMIN,
    )
    assert r.status_code == 400 and "not supported" in r.text
    r = await c.get(
        "/axis-cgi/com/ptz.cgi", params={"camera": 2, "gotoserverpresetno": 99}, headers=ADMIN
    )
    assert r.status_code == 404
    r = await c.get("/axis-cgi/com/ptz.cgi", params={"camera": 2}, headers=ADMIN)
    assert r.status_code == 400 and r.text == "HTTP 400. No PTZ command."


async def test_events_list_links_saved_snapshots_and_refuses_other_files(
    hub: InProcess, tmp_path: Path
) -> None:
    c = hub.client
    store = hub.state.store
    folder = hub.state.settings.data_dir / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    jpeg = simplejpeg.encode_jpeg(np.zeros((16, 16, 3), np.uint8))
    (folder / "porch-1700000000000.jpg").write_bytes(jpeg)
    (hub.state.settings.data_dir / "secret.jpg").write_bytes(b"not for you")
    store.add_event("porch", "motion", 1_700_000_000_000, {"snapshot": "porch-1700000000000.jpg"})
    store.add_event("porch", "person", 1_700_000_100_000, {})
    store.add_event("porch", "sound", 1_700_000_200_000, {})
    store.add_event("garage", "motion", 1_700_000_300_000, {})
    await store.flush()
    porch = zlib.crc32(b"porch") & 0x7FFFFFFF

    r = await c.get("/api/v1/get_cam_event_list", params={"cameraId": porch}, headers=ADMIN)
    listed = r.json()["data"]
    assert [e["motion"] for e in listed] == ["audio", "person", "motion"]  # newest first
    r = await c.get("/api/v1/get_cam_event_list", params={"count": 2}, headers=ADMIN)
    assert [e["time"] for e in r.json()["data"]] == [1_700_000_300_000, 1_700_000_200_000]
    r = await c.get(
        "/api/v1/get_cam_event_list",
        params={"endtime": 1_700_000_150_000, "filter": "motion"},
        headers=ADMIN,
    )
    (only,) = r.json()["data"]
    assert only["time"] == 1_700_000_000_000
    image = only["image"]
    assert image == "/api/v1/get_file?file=/porch/porch-1700000000000.jpg"
    r = await c.get(image, headers=ADMIN)
    assert r.status_code == 200 and r.content == jpeg
    for hostile in (
        "/porch/../secret.jpg",
        "/porch/..%2fsecret.jpg",
        "../secret.jpg",
        "/etc/passwd",
    ):
        r = await c.get("/api/v1/get_file", params={"file": hostile}, headers=ADMIN)
        assert r.status_code == 404, hostile
    r = await c.get("/api/v1/get_cam_event_list", params={"filter": "bogus"}, headers=ADMIN)
    assert r.status_code == 400


async def test_status_shows_cameras_with_recent_motion(hub: InProcess) -> None:
    c = hub.client
    hub.state.store.add_event("porch", "motion", int(time.time() * 1000), {"area": 0.3})
    await hub.state.store.flush()
    ids = {name: zlib.crc32(name.encode()) & 0x7FFFFFFF for name in ("porch", "garage")}
    r = await c.get("/api/v1/get_status", params={"cameraId": ids["porch"]}, headers=ADMIN)
    assert r.json() == {"data": {"motion": True}}
    r = await c.get("/api/v1/get_status", params={"cameraId": ids["garage"]}, headers=ADMIN)
    assert r.json() == {"data": {"motion": False}}
    status = (await c.get("/api/v1/get_status", headers=ADMIN)).json()["data"]
    assert status["motionCameras"] == ["porch"] and status["spaceAvailable"] > 0
    r = await c.get("/api/v1/get_status", params={"cameraId": 12345}, headers=ADMIN)
    assert r.status_code == 404 and r.text == "HTTP 404. Camera not found."


async def test_param_cgi_switches_show_in_status(hub: InProcess) -> None:
    c = hub.client
    r = await c.get(
        "/param.cgi",
        params={"action": "update", "root.BackgroundMode": "off", "root.StreamProfile": "sub"},
        headers=ADMIN,
    )
    assert r.text == "OK"
    status = (await c.get("/api/v1/get_status", headers=ADMIN)).json()["data"]
    assert status["backgroundMode"] is False and status["streamProfile"] == 1
    r = await c.get(
        "/param.cgi", params={"action": "update", "root.PowerSafeMode": "x"}, headers=ADMIN
    )
    assert r.status_code == 400


@contextlib.asynccontextmanager
async def served(settings: AppSettings) -> AsyncIterator[str]:
    """The real server (TLS, uvicorn) with the tinyCam routes, on a free port."""
    app = with_tinycam(create_app(settings))
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(settings, ready.set_result, app))
    try:
        done, _ = await asyncio.wait([task, ready], timeout=30, return_when="FIRST_COMPLETED")
        if task in done:
            task.result()
        yield await ready
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_our_tinycam_driver_sees_camhub_cameras(
    tmp_path: Path, cams: dict[str, SercommEmulator]
) -> None:
    """Interop: camhub's tinyCam driver, pointed at camhub (TLS, real sockets), lists
    camhub's cameras as its children and gets a JPEG of one."""
    settings = make_settings(tmp_path / "data", devices=devices(cams))
    async with served(settings):
        await driver_roundtrip(settings.https_port, tmp_path)


async def read_until(resp: aiohttp.ClientResponse, marker: bytes, limit: int = 1 << 22) -> bytes:
    got = b""
    async for chunk in resp.content.iter_any():
        got += chunk
        if marker in got or len(got) > limit:
            break
    return got


async def test_tinycam_server_behind_camhub_streams_audio_and_light(tmp_path: Path) -> None:
    """A tinyCam server as camhub's device: its cameras come back out of camhub's
    tinyCam API with video, audio and light, over real sockets."""
    async with TinyCamEmulator(SimOptions(extra={"scene": "quiet"})) as phone:
        dev = {"name": "phone", "kind": "tinycam", "host": "127.0.0.1", "port": phone.port}
        dev |= {"username": "admin", "password": "admin"}
        settings = make_settings(tmp_path / "data", devices=[dev])
        async with (
            served(settings) as url,
            aiohttp.ClientSession(base_url=url, headers=ADMIN) as http,
        ):

            async def both_listed() -> list[dict[str, Any]] | None:
                async with http.get("/api/v1/get_cam_list", ssl=False) as r:
                    listed: list[dict[str, Any]] = (await r.json())["data"]
                return listed if len(listed) == 2 else None

            listed = await until(both_listed, what="both of the phone's cameras listed")
            assert [c["name"] for c in listed] == ["phone.doorbell", "phone.front-yard"]
            assert all(c["audioListening"] for c in listed)
            assert listed[0]["ptzCapabilities"] & 0x8000  # the doorbell's light
            async with http.get("/axis-cgi/mjpg/video.cgi?camera=2&fps=5", ssl=False) as r:
                assert r.status == 200
                assert r.headers["Content-Type"].startswith("multipart/x-mixed-replace")
                first = await read_until(r, b"\xff\xd9")
                assert b"Content-Type: image/jpeg" in first and b"\xff\xd8" in first
            async with http.get(
                f"/axis-cgi/audio/receive.wav?cameraId={listed[1]['id']}", ssl=False
            ) as r:
                assert r.status == 200
                head = await r.content.readexactly(12)
                assert head[:4] == b"RIFF" and head[8:12] == b"WAVE"
            async with http.get(
                "/axis-cgi/io/lightcontrol.cgi?camera=1&action=L1:-100", ssl=False
            ) as r:
                assert r.status == 200 and await r.text() == "OK"
            doorbell = next(c for c in phone.cameras if c.name == "Doorbell")
            assert doorbell.light == "on"


async def driver_roundtrip(port: int, tmp_path: Path) -> None:
    events: list[EventIn] = []
    async with aiohttp.ClientSession() as http:
        ctx = DeviceContext(
            http=http,
            emit=events.append,
            data_dir=tmp_path,
            username="admin",
            password=ADMIN_PASSWORD,
        )
        cfg = DeviceConfig(name="camhub", kind="tinycam", host="127.0.0.1", port=port, tls=True)
        server = TinyCamServer(cfg, ctx)
        await server.connect()
        try:
            children = {c.name.split("/")[-1]: c for c in await server.list_children()}
            assert set(children) >= {"porch", "garage"} or len(children) == 2
            child = next(iter(children.values()))
            jpeg = await child.snapshot()
            assert jpeg[:2] == b"\xff\xd8"
        finally:
            await server.close()


async def test_admin_commands_from_another_site_refused_led_and_restart(
    hub: InProcess, cams: dict[str, SercommEmulator]
) -> None:
    c = hub.client
    light = "/axis-cgi/io/lightcontrol.cgi"
    # a page on another site cannot ride on the browser's remembered basic auth
    evil = {**ADMIN, "Sec-Fetch-Site": "cross-site"}
    r = await c.get(light, params={"camera": 2, "action": "L1:-100"}, headers=evil)
    assert r.status_code == 403 and r.text == "HTTP 403. Cross-site request refused."
    r = await c.get("/axis-cgi/jpg/image.cgi", headers=evil)  # viewing is fine
    assert r.status_code == 200
    r = await c.get(light, params={"camera": 2, "action": "L1:-100"}, headers=ADMIN)
    assert r.status_code == 200 and r.text == "OK"
    r = await c.get(light, params={"camera": 2, "action": "L1:-7"}, headers=ADMIN)
    assert r.status_code == 400 and r.text == "HTTP 400. Invalid action."
    r = await c.get("/axis-cgi/audio/receive.wav", params={"camera": 2}, headers=ADMIN)
    assert r.status_code == 400 and "Audio not supported" in r.text
    r = await c.get("/axis-cgi/admin/restart.cgi", headers=ADMIN)
    assert r.status_code == 403  # camhub was not started from a config file


async def test_hostile_parameters_are_tinycam_errors_not_server_errors(hub: InProcess) -> None:
    c = hub.client
    weird = ["", "-1", "0", "²", "1e3", "99999999999999999999", "x" * 300, "\x00", "1,2", "../"]
    paths = [p for p in ACCESS if p not in ("/axis-cgi/mjpg/video.cgi", "/api/v1/logout")]
    names = ["camera", "cameraId", "resolution", "compression", "fps", "endtime", "count"]
    names += ["file", "action", "continuouspantiltmove", "gotoserverpresetno", "type", "filter"]
    r = await c.get("/api/v1/login", params={"user": "admin", "pwd": ADMIN_PASSWORD})
    token = r.json()["data"]["token"]
    for path in paths:
        for name in names:
            for value in weird:
                r = await c.get(path, params={name: value, "move": value, "token": token})
                assert r.status_code < 500, (path, name, value, r.text)
                if r.status_code >= 400:
                    assert r.text.startswith(f"HTTP {r.status_code}. "), (path, name, value)
    r = await c.get(
        "/api/v1/get_cam_list", headers={"Authorization": "Basic \u00e9t\u00e9".encode("latin-1")}
    )
    assert r.status_code == 400
