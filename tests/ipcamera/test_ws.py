"""Seed 003's WebSocket: auth window, state snapshot, ping, settings acks, live events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from camhub.sim.ipcamera import IpCameraEmulator
from tests.ipcamera.conftest import login, options

SNAPSHOT = ["status", "system_info", "mqtt_status", "rtsp_status"]


def ws_url(emu: IpCameraEmulator) -> str:
    return emu.url.replace("https://", "wss://") + "/ws"


async def receive(ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
    """The next message of type ``kind``, skipping others."""
    while True:
        data: dict[str, Any] = await ws.receive_json(timeout=5)
        if data["type"] == kind:
            return data


@pytest.fixture
async def token(emu: IpCameraEmulator, http: aiohttp.ClientSession) -> str:
    """A session token of ``emu``'s app, from its password."""
    return str((await login(http, emu))["token"])


@asynccontextmanager
async def connect(
    http: aiohttp.ClientSession, emu: IpCameraEmulator, token: str
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A WebSocket signed in with ``token``, past its greeting and state snapshot."""
    async with http.ws_connect(ws_url(emu), params={"token": token}) as ws:
        hello = await ws.receive_json(timeout=5)
        assert hello["type"] == "connected" and hello["authenticated"] is True
        assert [(await ws.receive_json(timeout=5))["type"] for _ in SNAPSHOT] == SNAPSHOT
        yield ws


async def test_token_gives_connected_and_state_snapshot(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    async with http.ws_connect(ws_url(emu), params={"token": token}) as ws:
        hello = await ws.receive_json(timeout=5)
        assert hello["type"] == "connected" and hello["authenticated"] is True
        assert hello["timestamp"] > 10**12
        messages = [await ws.receive_json(timeout=5) for _ in SNAPSHOT]
        assert [m["type"] for m in messages] == SNAPSHOT
        status = messages[0]
        assert status["streaming"] is True and "settings" in status and "detection" in status
        assert messages[2]["enabled"] is False and messages[3]["port"] == 8554


async def test_auth_required_then_auth_message(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    async with http.ws_connect(ws_url(emu)) as ws:
        await receive(ws, "auth_required")
        await ws.send_json({"type": "ping"})
        assert (await receive(ws, "pong"))["type"] == "pong"
        await ws.send_json({"type": "setting", "key": "frameRate", "value": 10})
        error = await receive(ws, "error")
        assert error["message"] == "Authentication required"
        await ws.send_json({"type": "auth", "token": token})
        assert (await receive(ws, "auth"))["success"] is True
        assert (await receive(ws, "status"))["cameraRunning"] is True


async def test_no_auth_within_the_window_closes(
    emu: IpCameraEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(ws_url(emu)) as ws:
        await receive(ws, "auth_required")
        assert (await receive(ws, "error"))["code"] == "auth_timeout"
        msg = await ws.receive(timeout=5)
        assert msg.type == aiohttp.WSMsgType.CLOSE
        assert ws.close_code == 4001


async def test_bad_token_in_auth_message_is_refused(
    emu: IpCameraEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.ws_connect(ws_url(emu), params={"token": "forged"}) as ws:
        await receive(ws, "auth_required")
        await ws.send_json({"type": "auth", "token": "forged"})
        assert (await receive(ws, "auth"))["success"] is False
        assert (await ws.receive(timeout=5)).type == aiohttp.WSMsgType.CLOSE


async def test_setting_ack_and_broadcast(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    async with connect(http, emu, token) as a, connect(http, emu, token) as b:
        await a.send_json({"type": "ping"})
        assert (await receive(a, "pong"))["timestamp"] > 0
        await a.send_json({"type": "setting", "key": "resolution", "value": "1920x1080"})
        ack = await receive(a, "setting_ack")
        assert ack["success"] is True and ack["key"] == "resolution"
        for ws in (a, b):  # every client hears about it
            assert (await receive(ws, "settings"))["settings"] == {"resolution": "1920x1080"}
        assert emu.settings["resolution"] == "1920x1080"
        await a.send_json({"type": "setting", "key": "frameRate", "value": 99})
        ack = await receive(a, "setting_ack")
        assert ack["success"] is False
        assert ack["error"] == "frameRate: Value must be between 1 and 60"
        await a.send_json({"type": "settings_batch", "settings": {"jpegQuality": 50, "bogus": 1}})
        batch = await receive(a, "settings_batch_ack")
        assert batch["success"] is False and batch["errors"] == ["bogus: Unknown setting"]
        await a.send_json(
            {"type": "settings_batch", "settings": {"jpegQuality": 50, "rotation": 180}}
        )
        batch = await receive(a, "settings_batch_ack")
        assert batch["success"] is True and batch["applied"] == ["jpegQuality", "rotation"]
        assert (await receive(b, "settings"))["settings"] == {"jpegQuality": 50, "rotation": 180}
        await a.send_json({"type": "teleport"})
        error = await receive(a, "error")
        assert "teleport" in error["message"]
        await a.send_str("not json")
        assert (await receive(a, "error"))["code"] == "bad_request"


async def test_capture_and_other_client_messages(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    async with http.get(f"{emu.url}/capture", params={"token": token}) as r:
        assert r.status == 404
    async with connect(http, emu, token) as ws:
        await ws.send_json({"type": "capture"})
        ready = await receive(ws, "capture_ready")
        async with http.get(emu.url + ready["url"], params={"token": token}) as r:
            assert r.status == 200 and r.content_type == "image/jpeg"
        await ws.send_json({"type": "enableH264", "enabled": True})
        assert (await receive(ws, "h264_ack"))["enabled"] is True
        await ws.send_json({"type": "audio_subscribe"})
        assert (await receive(ws, "audio_ack"))["subscribed"] is True
        await ws.send_json({"type": "h264_quality", "value": 101})
        assert (await receive(ws, "error"))["code"] == "bad_request"
        await ws.send_json({"type": "stream_control", "action": "stop"})
        assert (await receive(ws, "status"))["cameraRunning"] is False
        async with http.get(f"{emu.url}/snapshot", params={"token": token}) as r:
            assert r.status == 503


async def test_scene_motion_is_broadcast_and_stored(http: aiohttp.ClientSession) -> None:
    async with IpCameraEmulator(options(scene="bursts", period=0.4, burst=0.2)) as emu:
        assert isinstance(emu, IpCameraEmulator)
        emu.settings.apply({"motionCooldown": 0, "objectPersonDetectionEnabled": True})
        token = (await login(http, emu))["token"]
        async with connect(http, emu, token) as ws:
            motion = await receive(ws, "motion_detected")
            assert motion["width"] == 1280 and motion["changedPercent"] > 0
            person = await receive(ws, "object_detected")
            assert person["objectClass"] == "person"
            stored = [e["eventId"] for e in emu.events.events]
            assert motion["eventId"] in stored


async def test_ws_drop_fault_closes_sockets(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    async with connect(http, emu, token) as ws:
        emu.set_fault("ws-drop")
        assert (await ws.receive(timeout=5)).type == aiohttp.WSMsgType.CLOSE
    async with http.get(
        emu.url + "/ws", params={"token": token}, headers={"Upgrade": "websocket"}
    ) as r:
        assert r.status == 503
    emu.set_fault("ws-drop", on=False)
    async with connect(http, emu, token):
        pass  # a new connection is greeted again


async def test_sim_state_counts_clients(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    async with connect(http, emu, token):
        await emu.record_event("MOTION")
        async with http.get(f"{emu.url}/__sim/state") as r:
            state = await r.json()
        assert state["kind"] == "ipcamera" and state["wsClients"] == 1
        assert state["events"] == 1 and state["torch"] is False
        assert state["settings"]["resolution"] == "1280x720"


async def test_camera_switch_announces_the_new_hardware(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    async with connect(http, emu, token) as ws:
        await http.post(f"{emu.url}/settings", json={"resolution": "1920x1080"}, headers=auth)
        assert (await receive(ws, "settings"))["settings"] == {"resolution": "1920x1080"}
        await ws.send_json({"type": "setting", "key": "useFrontCamera", "value": True})
        changed = (await receive(ws, "settings"))["settings"]
        assert changed["cameraId"] == "1" and changed["resolution"] == "1280x720"  # stepped down
        caps = await receive(ws, "capabilitiesChanged")
        assert caps["cameraId"] == "1" and caps["capabilities"]["maxFrameRate"] == 30
        async with http.get(f"{emu.url}/capabilities", headers=auth) as r:
            assert await r.json() == caps["capabilities"]
        async with http.post(f"{emu.url}/settings", json={"frameRate": 60}, headers=auth) as r:
            assert r.status == 400
            assert (await r.json())["errors"] == ["frameRate: Value must be between 1 and 30"]
        async with http.post(f"{emu.url}/settings", json={"cameraId": "0"}, headers=auth) as r:
            assert r.status == 200
        assert (await receive(ws, "capabilitiesChanged"))["capabilities"]["maxFrameRate"] == 60


async def test_license_change_is_announced(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    async with connect(http, emu, token) as ws:
        async with http.post(f"{emu.url}/__sim/license", params={"pro": "0"}) as r:
            assert (await r.json())["pro"] is False
        lic = (await receive(ws, "license:changed"))["license"]
        assert lic["isPro"] is False and lic["state"] == "INACTIVE"
        async with http.get(f"{emu.url}/status", headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 403  # direct API access is a Pro feature
        await http.post(f"{emu.url}/__sim/license", params={"pro": "1"})
        assert (await receive(ws, "license:changed"))["license"]["isPro"] is True


async def test_object_detection_comes_with_a_detection_frame(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    async with connect(http, emu, token) as ws:
        await http.post(f"{emu.url}/__sim/event", params={"type": "OBJECT_DOG"})
        assert (await receive(ws, "object_detected"))["objectClass"] == "dog"
        frame = await receive(ws, "detection_frame")
        assert [o["objectClass"] for o in frame["objects"]] == ["dog"]
        box = frame["objects"][0]["box"]
        assert 0 <= box["x"] < box["x"] + box["width"] <= frame["width"]


async def test_a_second_capture_while_one_runs_is_busy(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    async with connect(http, emu, token) as ws:
        await ws.send_json({"type": "capture"})
        await ws.send_json({"type": "capture"})
        assert (await receive(ws, "capture_busy"))["message"] == "Capture already in progress"
        assert (await receive(ws, "capture_ready"))["width"] == 1920
        await ws.send_json({"type": "capture"})  # done: a new one may start
        assert (await receive(ws, "capture_ready"))["url"] == "/capture"


async def test_without_its_database_the_history_is_unavailable(
    emu: IpCameraEmulator, http: aiohttp.ClientSession, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    async with connect(http, emu, token) as ws:
        emu.set_fault("no-db")
        history = [("GET", "/events"), ("GET", "/events/range"),
                   ("POST", "/events/clear?confirm=true"),
                   ("GET", "/api/storage/stats"), ("GET", "/api/events/export")]  # fmt: skip
        for method, path in history:
            async with http.request(method, emu.url + path, headers=auth) as r:
                assert (r.status, await r.json()) == (500, {"error": "Event history unavailable"})
        await emu.record_event("MOTION")
        assert (await receive(ws, "motion_detected"))["eventKind"] == "MOTION"  # live still
        emu.set_fault("no-db", on=False)
        async with http.get(f"{emu.url}/events/range", headers=auth) as r:
            assert (await r.json())["totalEvents"] == 0  # nothing was stored meanwhile
