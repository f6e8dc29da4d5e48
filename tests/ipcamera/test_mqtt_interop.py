"""The phone's MQTT client with clients and brokers nobody here wrote: mosquitto_sub and
mosquitto_pub see and drive it, a kill -9 leaves its last will, a broker with passwords
and one with a self-signed TLS certificate accept it only with the right settings."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from camhub.sim.ipcamera import IpCameraEmulator
from camhub.tls import generate_self_signed
from tests.helpers.mosquitto import Broker, listen, mosquitto, password_file
from tests.helpers.net import free_port
from tests.helpers.wait import until
from tests.ipcamera.conftest import PASSWORD, login, options
from tests.ipcamera.mqtt_helpers import apply_mqtt, call, enable_mqtt, mqtt_status


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (apt-get install -y mosquitto-clients)")
    return found


async def test_mosquitto_sub_and_pub(broker: Broker, http: aiohttp.ClientSession) -> None:
    async with IpCameraEmulator(options()) as phone:
        assert isinstance(phone, IpCameraEmulator)
        await enable_mqtt(http, phone, broker, mqttCommandsEnabled=True, mqttTopicPrefix="porch")
        sub = await asyncio.create_subprocess_exec(
            tool("mosquitto_sub"), "-h", broker.host, "-p", str(broker.port), "-v",
            "-t", "porch/status", "-t", "porch/event", "-C", "2", "-W", "20",
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert sub.stdout is not None
        # the retained status first: mosquitto_sub is subscribed once it prints it
        first = await asyncio.wait_for(sub.stdout.readline(), 20)
        assert first == b"porch/status online\n"
        await call(http, phone, "POST", "/__sim/event?type=ANY_SOUND")
        topic, _, payload = (await asyncio.wait_for(sub.stdout.readline(), 20)).partition(b" ")
        assert topic == b"porch/event"
        event = json.loads(payload)
        assert event["type"] == "sound_detected" and event["db"] == -25.5
        assert await asyncio.wait_for(sub.wait(), 20) == 0

        pub = await asyncio.create_subprocess_exec(
            tool("mosquitto_pub"), "-h", broker.host, "-p", str(broker.port),
            "-t", "porch/command/torch", "-m", "ON", "-q", "1",
        )  # fmt: skip
        assert await asyncio.wait_for(pub.wait(), 20) == 0
        await until(lambda: phone.settings["torchEnabled"] is True, 10, "the torch on")


async def test_last_will_when_the_app_is_killed(
    broker: Broker, http: aiohttp.ClientSession
) -> None:
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, "-m", "camhub", "simulate", "ipcamera", "--port", str(port),
         "--password", PASSWORD],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert app.stdout is not None
        ready = await asyncio.wait_for(asyncio.to_thread(app.stdout.readline), 30)
        assert ready.startswith(b"ready: https://")
        phone = IpCameraEmulator(options(port=port))  # only for its URL: never started
        phone.port = port
        async with listen(broker, "ipcamera/status") as (heard, _):
            await apply_mqtt(http, phone, {"mqttEnabled": True, "mqttBrokerUrl": broker.host,
                                           "mqttPort": broker.port})  # fmt: skip
            await until(lambda: heard.last.get("ipcamera/status") == b"online", 15, "online")
            os.kill(app.pid, signal.SIGKILL)
            app.wait(timeout=10)
            # no DISCONNECT was sent: the broker publishes the will when the socket closes
            await until(lambda: heard.last.get("ipcamera/status") == b"offline", 15, "the will")
        async with listen(broker, "ipcamera/status") as (late, _):
            await until(lambda: late.last.get("ipcamera/status") == b"offline", 10, "retained")
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(timeout=10)
        if app.stdout is not None:
            app.stdout.close()


async def test_broker_credentials(
    tmp_path: Path, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    users = password_file(tmp_path, {"phone": "broker-pw-9"})
    with mosquitto(tmp_path, password_file=users) as broker:
        async with IpCameraEmulator(options(mqtt_time_scale=0.05)) as phone:
            assert isinstance(phone, IpCameraEmulator)
            wrong = {"mqttEnabled": True, "mqttBrokerUrl": f"tcp://{broker.host}:{broker.port}",
                     "mqttUsername": "phone", "mqttPassword": "guessed-pw-1"}  # fmt: skip
            await apply_mqtt(http, phone, wrong)
            status, answer = await call(http, phone, "POST", "/api/mqtt/test")
            assert status == 200 and answer["success"] is False
            assert answer["error"].startswith(f"Cannot connect to {broker.host}:{broker.port}: ")
            assert "authoriz" in answer["error"].lower()
            await until(lambda: phone.mqtt.error is not None, 10, "a refused attempt")
            assert (await mqtt_status(http, phone))["connected"] is False

            right = {"mqttPassword": "broker-pw-9"}
            await apply_mqtt(http, phone, right, currentPassword="guessed-pw-1")
            await until(lambda: phone.mqtt.connected, 10, "connected with the right password")
            assert (await call(http, phone, "POST", "/api/mqtt/test"))[1] == {
                "success": True, "message": "Connected to broker"
            }  # fmt: skip
            assert phone.mqtt.connections == 1  # the test used its own client id
            _, settings = await call(http, phone, "GET", "/api/mqtt/settings")
            assert settings["mqttPassword"] == "********"
    assert "broker-pw-9" not in caplog.text and "guessed-pw-1" not in caplog.text


async def test_tls_verified_unless_self_signed_accepted(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    cert, key = tmp_path / "broker.pem", tmp_path / "broker.key"
    generate_self_signed(cert, key, ["127.0.0.1", "localhost"], common_name="broker")
    with mosquitto(tmp_path, tls=(cert, key)) as broker:
        async with IpCameraEmulator(options(mqtt_time_scale=0.05)) as phone:
            assert isinstance(phone, IpCameraEmulator)
            tls = {"mqttEnabled": True, "mqttBrokerUrl": broker.host, "mqttPort": broker.port,
                   "mqttUseTls": True}  # fmt: skip
            await apply_mqtt(http, phone, tls)
            answer = (await call(http, phone, "POST", "/api/mqtt/test"))[1]
            assert answer["success"] is False
            assert "certificate verify failed" in answer["error"].lower()
            await until(lambda: phone.mqtt.error is not None, 10, "a refused attempt")
            assert not phone.mqtt.connected

            await apply_mqtt(http, phone, {"mqttAcceptSelfSigned": True})
            await until(lambda: phone.mqtt.connected, 10, "connected over TLS")
            # and ssl:// says TLS by itself
            url = f"ssl://localhost:{broker.port}"
            await apply_mqtt(http, phone, {"mqttUseTls": False, "mqttBrokerUrl": url})
            await until(lambda: phone.mqtt.connected, 10, "connected over ssl://")
            assert (await call(http, phone, "POST", "/api/mqtt/test"))[1]["success"] is True
            token = (await login(http, phone))["token"]
            assert token  # the phone's own API still answers while the client runs
