"""The phone's own MQTT client against a real mosquitto: status and will, telemetry,
state, events, commands (only with ``mqttCommandsEnabled``), and the broker going away."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from camhub.sim.ipcamera import IpCameraEmulator
from tests.helpers.mosquitto import Broker, listen
from tests.helpers.wait import until
from tests.ipcamera.conftest import login, options
from tests.ipcamera.mqtt_helpers import Commander, apply_mqtt, call, enable_mqtt, mqtt_status

FAST = 0.05  # mqtt_time_scale: a 5 s telemetry interval is 0.25 s, backoff 20x shorter


@pytest.fixture
async def phone() -> AsyncIterator[IpCameraEmulator]:
    async with IpCameraEmulator(options(mqtt_time_scale=FAST)) as e:
        assert isinstance(e, IpCameraEmulator)
        yield e


async def test_status_state_telemetry_and_events(
    phone: IpCameraEmulator, broker: Broker, http: aiohttp.ClientSession
) -> None:
    async with listen(broker, "ipcamera/#") as (heard, _):
        await enable_mqtt(http, phone, broker)
        await until(lambda: heard.last.get("ipcamera/status") == b"online", 10, "online")
        assert (await mqtt_status(http, phone))["connected"] is True
        _, settings = await call(http, phone, "GET", "/settings")
        assert await heard.value("ipcamera/state") == settings  # the settings, retained

        # telemetry every interval: the WebSocket's system_info and status fields
        await until(lambda: len(heard.all("ipcamera/telemetry")) >= 3, 10, "3 telemetries")
        telemetry = heard.all("ipcamera/telemetry")[-1]
        assert telemetry["battery"] == {"level": 87, "charging": True, "temperature": 31.5}
        assert telemetry["stream"]["width"] == 1280 and telemetry["cameraRunning"] is True
        assert telemetry["detection"]["motionEnabled"] is True and "settings" not in telemetry

        # an event as it happens: the same payload as the WebSocket message
        _, event = await call(http, phone, "POST", "/__sim/event?type=MOTION")
        published = await heard.value("ipcamera/event")
        assert published["type"] == "motion_detected" and published["eventKind"] == "MOTION"
        assert published["eventId"] == event["eventId"] == 1001
        assert published["changedPercent"] == event["changedPercent"]

        # a setting changed on the phone is the new retained state
        await call(http, phone, "POST", "/settings", json={"frameRate": 15})
        await until(lambda: (heard.json("ipcamera/state") or {}).get("frameRate") == 15, 10)

    # a client that subscribes later gets the retained status and state at once
    async with listen(broker, "ipcamera/status", "ipcamera/state") as (late, _):
        await until(lambda: late.last.get("ipcamera/status") == b"online", 10, "retained")
        assert (await late.value("ipcamera/state"))["frameRate"] == 15


async def test_commands_only_when_enabled(
    phone: IpCameraEmulator,
    broker: Broker,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="camhub.sim.ipcamera.mqtt")
    async with listen(broker, "ipcamera/result/#") as (heard, client):
        ask = Commander(heard, client)
        await enable_mqtt(http, phone, broker)  # mqttCommandsEnabled is off by default
        assert await ask("torch", "ON") == {
            "command": "torch", "success": False, "error": "MQTT commands are disabled"
        }  # fmt: skip
        assert phone.settings["torchEnabled"] is False
        assert "command 'torch' ignored: commands are disabled" in caplog.text

        await apply_mqtt(http, phone, {"mqttCommandsEnabled": True})  # restarts the client
        await until(lambda: phone.mqtt.connected, 15, "connected again")
        assert await ask("torch", "ON") == {
            "command": "torch", "success": True, "torchEnabled": True
        }  # fmt: skip
        assert phone.settings["torchEnabled"] is True
        assert (await ask("torch", "toggle"))["torchEnabled"] is False
        assert (await ask("motion", "OFF"))["motionEnabled"] is False
        answer = await ask("settings", '{"frameRate": 15, "jpegQuality": 70}')
        assert answer["success"] is True and answer["changed"] == {
            "frameRate": 15,
            "jpegQuality": 70,
        }
        _, settings = await call(http, phone, "GET", "/settings")
        assert settings["frameRate"] == 15 and settings["motionEnabled"] is False
        assert (await ask("stream", "stop"))["streaming"] is False
        assert phone.camera_running is False
        await ask("stream", "start")


async def test_bad_commands_are_answered_and_change_nothing(
    phone: IpCameraEmulator,
    broker: Broker,
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="camhub.sim.ipcamera.mqtt")
    async with listen(broker, "ipcamera/result/#") as (heard, client):
        ask = Commander(heard, client)
        await enable_mqtt(http, phone, broker, mqttCommandsEnabled=True)
        _, before = await call(http, phone, "GET", "/settings")
        bad: list[tuple[str, bytes | str, dict[str, Any]]] = [
            ("settings", "not json", {"error": "Payload must be a JSON object"}),
            ("settings", "[1, 2]", {"error": "Payload must be a JSON object"}),
            ("settings", '{"frameRate": 99, "torchEnabled": true}',
             {"errors": ["frameRate: Value must be between 1 and 60"]}),
            ("settings", '{"mqttEnabled": false}',
             {"errors": ["mqttEnabled: Change MQTT settings through /api/mqtt/apply-settings"]}),
            ("settings", b"{" + b" " * 20_000 + b"}", {"error": "Payload over 16384 bytes"}),
            ("torch", b"\xff\xfe", {"error": "Payload must be UTF-8 text"}),
            ("torch", "maybe", {"error": "Payload must be ON, OFF or TOGGLE"}),
            ("stream", "", {"error": "Payload must be start or stop"}),
            ("explode", "now", {"error": "Unknown command 'explode'"}),
        ]  # fmt: skip
        for name, payload, reason in bad:
            assert await ask(name, payload) == {"command": name, "success": False, **reason}
        _, after = await call(http, phone, "GET", "/settings")
        assert after == before  # nothing applied, not even the valid half of a bad update
        assert phone.mqtt.connected and phone.mqtt.connections == 1  # never dropped
        assert "command 'explode' refused: Unknown command" in caplog.text
        assert (await ask("torch", "ON"))["success"] is True  # and it still obeys


async def test_connected_follows_the_broker(
    phone: IpCameraEmulator, broker: Broker, http: aiohttp.ClientSession
) -> None:
    token = (await login(http, phone))["token"]
    ws_url = phone.url.replace("https://", "wss://") + "/ws"
    seen: list[bool] = []
    async with http.ws_connect(ws_url, params={"token": token}) as ws:

        async def read() -> None:
            async for msg in ws:
                data = msg.json()
                if data["type"] == "mqtt_status":
                    seen.append(data["connected"])

        reader = asyncio.create_task(read())
        try:
            await enable_mqtt(http, phone, broker)
            await until(lambda: seen and seen[-1] is True, 10, "mqtt_status connected")
            assert (await mqtt_status(http, phone)) == {
                "enabled": True, "connected": True, "brokerUrl": "127.0.0.1",
                "port": broker.port, "topicPrefix": "ipcamera",
            }  # fmt: skip

            broker.stop()
            await until(lambda: seen[-1] is False, 10, "mqtt_status disconnected")
            assert (await mqtt_status(http, phone))["connected"] is False
            assert phone.sim_state()["mqtt"]["error"]  # why, for /__sim/state

            broker.start()  # same port: the client comes back by itself
            await until(lambda: seen[-1] is True, 15, "mqtt_status connected again")
            assert (await mqtt_status(http, phone))["connected"] is True
            # the broker kept nothing (no persistence): status and state are sent again
            async with listen(broker, "ipcamera/status", "ipcamera/state") as (heard, _):
                await until(lambda: heard.last.get("ipcamera/status") == b"online", 10)
                assert (await heard.value("ipcamera/state"))["mqttEnabled"] is True

                # switched off on the phone: a clean goodbye, retained
                await call(http, phone, "POST", "/settings", json={"mqttEnabled": False})
                await until(lambda: heard.last.get("ipcamera/status") == b"offline", 10)
            assert seen[-1] is False and not phone.mqtt.running
            assert (await mqtt_status(http, phone))["enabled"] is False

            # back on from the WebSocket, as the app's dashboard does it
            await ws.send_json({"type": "setting", "key": "mqttEnabled", "value": True})
            await until(lambda: seen[-1] is True, 10, "connected after a WebSocket setting")
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
