"""Seed 003's settings, status, torch, media, events and RTSP/MQTT endpoints."""

from __future__ import annotations

import csv
import io
from typing import Any

import aiohttp
import pytest

from camhub.sim.ipcamera import IpCameraEmulator
from camhub.sim.video import jpeg_size
from tests.helpers.net import free_port
from tests.ipcamera.conftest import bearer, login

DOCUMENTED_KEYS = [
    "resolution",
    "frameRate",
    "jpegQuality",
    "cameraId",
    "useFrontCamera",
    "torchEnabled",
    "rotation",
    "keepScreenOn",
    "showPreview",
    "runInBackground",
    "cameraStandbyMode",
    "audioEnabled",
    "motionEnabled",
    "motionSensitivity",
    "motionCooldown",
    "soundEnabled",
    "soundThreshold",
    "soundCooldown",
    "dogBarkClassificationEnabled",
    "dogBarkClassificationConfidence",
    "babyCryClassificationEnabled",
    "babyCryClassificationConfidence",
    "objectPersonDetectionEnabled",
    "objectPersonDetectionConfidence",
    "objectDogDetectionEnabled",
    "objectDogDetectionConfidence",
    "objectDetectionSamplingRate",
    "eventHistoryEnabled",
    "rtspEnabled",
    "rtspPort",
    "rtspPath",
    "rtspUsername",
    "rtspHasPassword",
    "mqttEnabled",
    "mqttBrokerUrl",
    "mqttPort",
    "mqttHasUsername",
    "mqttHasPassword",
    "mqttClientId",
    "mqttTopicPrefix",
    "mqttUseTls",
    "mqttAcceptSelfSigned",
    "mqttTelemetryIntervalSec",
    "mqttCommandsEnabled",
    "license",
]


@pytest.fixture
async def api(emu: IpCameraEmulator, http: aiohttp.ClientSession) -> Any:
    token = (await login(http, emu))["token"]

    async def call(method: str, path: str, **kw: Any) -> tuple[int, Any]:
        async with http.request(method, emu.url + path, headers=bearer(token), **kw) as r:
            if r.content_type == "application/json":
                return r.status, await r.json()
            return r.status, await r.read()

    return call


async def test_settings_show_every_documented_key(api: Any) -> None:
    status, settings = await api("GET", "/settings")
    assert status == 200
    assert set(DOCUMENTED_KEYS) <= set(settings)
    assert settings["license"] == {
        "isPro": True,
        "state": "ACTIVE",
        "source": "REAL_PURCHASE",
        "billing": {"available": True, "status": "CONNECTED"},
    }


async def test_settings_partial_update(api: Any) -> None:
    status, body = await api("POST", "/settings", json={"resolution": "1920x1080", "frameRate": 20})
    assert status == 200 and body["success"] is True
    _, settings = await api("GET", "/settings")
    assert settings["resolution"] == "1920x1080" and settings["frameRate"] == 20
    assert settings["jpegQuality"] == 85  # untouched


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"unknownKey": 1}, "unknownKey: Unknown setting"),
        ({"frameRate": 61}, "frameRate: Value must be between 1 and 60"),
        ({"frameRate": 0}, "frameRate: Value must be between 1 and 60"),
        ({"jpegQuality": 101}, "jpegQuality: Value must be between 1 and 100"),
        ({"motionSensitivity": 11}, "motionSensitivity: Value must be between 1 and 10"),
        ({"soundThreshold": -1}, "soundThreshold: Value must be between 0 and 100"),
        ({"babyCryClassificationConfidence": 0}, "babyCryClassificationConfidence: Value must be between 1 and 100"),  # noqa: E501
        ({"rotation": 45}, "rotation: Value must be one of 0, 90, 180, 270"),
        ({"torchEnabled": "yes"}, "torchEnabled: Expected boolean"),
        ({"frameRate": "30"}, "frameRate: Expected integer"),
        ({"rtspHasPassword": True}, "rtspHasPassword: Setting is read-only"),
        ({"mqttHasUsername": False}, "mqttHasUsername: Setting is read-only"),
    ],
)  # fmt: skip
async def test_settings_errors_array(api: Any, changes: dict[str, Any], error: str) -> None:
    status, body = await api("POST", "/settings", json=changes)
    assert status == 400
    assert body == {"success": False, "errors": [error]}


async def test_invalid_update_applies_nothing(api: Any) -> None:
    status, body = await api(
        "POST", "/settings", json={"unknownKey": 1, "frameRate": 99, "jpegQuality": 50}
    )
    assert status == 400
    assert body["errors"] == [
        "unknownKey: Unknown setting",
        "frameRate: Value must be between 1 and 60",
    ]
    _, settings = await api("GET", "/settings")
    assert settings["jpegQuality"] == 85


async def test_snapshot_follows_resolution_and_rotation(api: Any) -> None:
    _, jpeg = await api("GET", "/snapshot")
    assert jpeg_size(jpeg) == (1280, 720)
    await api("POST", "/settings", json={"resolution": "640x480", "rotation": 90})
    _, jpeg = await api("GET", "/snapshot")
    assert jpeg_size(jpeg) == (480, 640)


async def test_mjpeg_stream(emu: IpCameraEmulator, http: aiohttp.ClientSession) -> None:
    token = (await login(http, emu))["token"]
    async with http.get(f"{emu.url}/stream", params={"token": token}) as r:
        assert r.content_type == "multipart/x-mixed-replace"
        reader = aiohttp.MultipartReader.from_response(r)
        part = await reader.next()
        assert isinstance(part, aiohttp.BodyPartReader)
        jpeg = await part.read()
        assert jpeg_size(bytes(jpeg)) == (1280, 720)
        assert emu.stream_clients == 1


async def test_status_capabilities_and_torch(api: Any) -> None:
    _, status = await api("GET", "/status")
    assert {"clients", "wsClients", "streaming", "cameraRunning", "settings"} <= set(status)
    _, caps = await api("GET", "/capabilities")
    assert caps["cameraIds"] == ["0", "1"] and "1920x1080" in caps["resolutions"]
    assert caps["maxFrameRate"] == 60
    assert (await api("POST", "/torch"))[1] == {"torchEnabled": True}
    assert (await api("GET", "/settings"))[1]["torchEnabled"] is True
    assert (await api("POST", "/torch"))[1] == {"torchEnabled": False}


async def test_events_query_filters_and_summary(emu: IpCameraEmulator, api: Any) -> None:
    for kind in ("MOTION", "MOTION", "ANY_SOUND", "DOG_BARK", "OBJECT_PERSON"):
        await emu.record_event(kind)
    _, body = await api("GET", "/events", params={"since": "0", "type": "MOTION"})
    assert {"serverNow", "dayStart", "events", "summary"} <= set(body)
    assert [e["type"] for e in body["events"]] == ["MOTION", "MOTION"]
    assert {"id", "eventId", "timestamp", "changedPercent", "width", "height"} <= set(
        body["events"][0]
    )
    assert body["summary"][0]["type"] == "MOTION" and body["summary"][0]["count"] == 2
    _, body = await api("GET", "/events", params={"limit": "2"})
    assert [e["type"] for e in body["events"]] == ["DOG_BARK", "OBJECT_PERSON"]
    person = body["events"][1]
    assert person["objectClass"] == "person" and person["eventType"] == "appeared"
    status, body = await api("GET", "/events", params={"limit": "0"})
    assert status == 400 and "limit" in body["error"]


async def test_events_buckets(emu: IpCameraEmulator, api: Any) -> None:
    for kind in ("MOTION", "MOTION", "ANY_SOUND"):
        await emu.record_event(kind)
    _, body = await api("GET", "/events", params={"bucketMs": "60000"})
    assert body["bucketMs"] == 60000 and set(body["timeRange"]) == {"start", "end"}
    total: dict[str, int] = {}
    for bucket in body["buckets"]:
        assert bucket["timestamp"] % 60000 == 0
        for kind, n in bucket["counts"].items():
            total[kind] = total.get(kind, 0) + n
    assert total == {"MOTION": 2, "ANY_SOUND": 1}
    for bad in ("59999", "3600001"):
        status, _ = await api("GET", "/events", params={"bucketMs": bad})
        assert status == 400


async def test_events_range_clear_stats_export(emu: IpCameraEmulator, api: Any) -> None:
    for kind in ("MOTION", "ANY_SOUND", "OBJECT_DOG"):
        await emu.record_event(kind)
    _, rng = await api("GET", "/events/range")
    assert rng["totalEvents"] == 3 and rng["minTimestamp"] <= rng["maxTimestamp"]
    _, stats = await api("GET", "/api/storage/stats")
    assert stats["totalEvents"] == 3 and stats["motionEvents"] == 1 and stats["soundEvents"] == 1
    assert stats["eventsByType"]["OBJECT_DOG"] == 1 and stats["databaseSize"].endswith("KB")
    status, data = await api("GET", "/api/events/export")
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == [
        "id", "type", "timestamp", "confidence", "details", "cameraId", "resolution",
        "frameRate", "lightLevel", "motionZones", "thumbnailPath", "metadata",
    ]  # fmt: skip
    assert [r[1] for r in rows[1:]] == ["MOTION", "ANY_SOUND", "OBJECT_DOG"]
    status, _ = await api("POST", "/events/clear")
    assert status == 400
    assert (await api("POST", "/events/clear", params={"confirm": "true"}))[1] == {
        "success": True,
        "cleared": 3,
    }
    assert (await api("GET", "/events/range"))[1]["totalEvents"] == 0


async def test_rtsp_endpoints(api: Any) -> None:
    port = free_port()  # the server really listens: a port nobody uses
    _, status = await api("GET", "/api/rtsp/status")
    assert status == {
        "enabled": False,
        "running": False,
        "port": 8554,
        "path": "/stream",
        "clients": 0,
    }
    first = {
        "rtspEnabled": True,
        "rtspPort": port,
        "rtspPath": "/live",
        "rtspUsername": "admin",
        "rtspPassword": "secret",
    }
    assert (await api("POST", "/api/rtsp/apply-settings", json=first))[1] == {"success": True}
    _, status = await api("GET", "/api/rtsp/status")
    assert status["running"] is True and status["port"] == port and status["path"] == "/live"
    _, settings = await api("GET", "/settings")
    assert settings["rtspHasPassword"] is True and "rtspPassword" not in settings
    code, body = await api("POST", "/api/rtsp/apply-settings", json={"rtspPassword": "other"})
    assert code == 400 and body == {"error": "Current password required for credential changes"}
    code, _ = await api(
        "POST", "/api/rtsp/apply-settings", json={"rtspPassword": "x", "currentPassword": "bad"}
    )
    assert code == 403
    ok = {"rtspPassword": "other", "currentPassword": "secret"}
    assert (await api("POST", "/api/rtsp/apply-settings", json=ok))[1] == {"success": True}
    code, body = await api("POST", "/api/rtsp/settings", json={"rtspPort": 80})
    assert code == 400 and body["errors"] == ["rtspPort: Value must be between 1024 and 65535"]
    assert (await api("POST", "/api/rtsp/stop"))[1]["running"] is False


async def test_mqtt_apply_settings_password_rule(api: Any) -> None:
    settings = {
        "mqttEnabled": True, "mqttBrokerUrl": "192.168.1.100", "mqttPort": 1883,
        "mqttUsername": "newuser", "mqttPassword": "newpass", "mqttClientId": "ipcamera-001",
        "mqttTopicPrefix": "ipcamera", "mqttUseTls": False, "mqttAcceptSelfSigned": False,
        "mqttTelemetryIntervalSec": 60, "mqttCommandsEnabled": False,
    }  # fmt: skip
    # first-time credential setup needs no verification
    assert (await api("POST", "/api/mqtt/apply-settings", json={"settings": settings}))[1] == {
        "success": True
    }
    _, mqtt = await api("GET", "/api/mqtt/settings")
    assert mqtt["mqttPassword"] != "newpass" and mqtt["mqttHasPassword"] is True
    _, status = await api("GET", "/api/mqtt/status")
    assert status == {
        "enabled": True,
        "connected": False,
        "brokerUrl": "192.168.1.100",
        "port": 1883,
        "topicPrefix": "ipcamera",
    }
    change = {"settings": {**settings, "mqttUsername": "someone"}}
    code, body = await api("POST", "/api/mqtt/apply-settings", json=change)
    assert code == 400 and body == {"error": "Current password required for credential changes"}
    code, _ = await api(
        "POST", "/api/mqtt/apply-settings", json={**change, "currentPassword": "nope"}
    )
    assert code == 403
    # non-credential changes need no password
    body_ok = {"settings": {"mqttTopicPrefix": "garden"}}
    assert (await api("POST", "/api/mqtt/apply-settings", json=body_ok))[1] == {"success": True}
    verified = {**change, "currentPassword": "newpass"}
    assert (await api("POST", "/api/mqtt/apply-settings", json=verified))[1] == {"success": True}
