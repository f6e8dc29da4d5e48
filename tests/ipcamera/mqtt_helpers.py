"""Point an emulated phone's MQTT client at a broker, and talk to it over MQTT."""

from __future__ import annotations

from typing import Any

import aiohttp
import aiomqtt

from camhub.sim.ipcamera import IpCameraEmulator
from tests.helpers.mosquitto import Broker, Listener
from tests.helpers.wait import until
from tests.ipcamera.conftest import bearer, login


async def call(
    http: aiohttp.ClientSession, emu: IpCameraEmulator, method: str, path: str, **kw: Any
) -> tuple[int, Any]:
    """One request to the phone's API with a fresh token: (status, JSON body)."""
    token = (await login(http, emu))["token"]
    async with http.request(method, emu.url + path, headers=bearer(token), **kw) as r:
        return r.status, await r.json()


async def apply_mqtt(
    http: aiohttp.ClientSession, emu: IpCameraEmulator, settings: dict[str, Any], **kw: Any
) -> None:
    """``POST /api/mqtt/apply-settings`` (which restarts the client); must succeed."""
    status, body = await call(
        http, emu, "POST", "/api/mqtt/apply-settings", json={"settings": settings, **kw}
    )
    assert (status, body) == (200, {"success": True}), body


async def enable_mqtt(
    http: aiohttp.ClientSession, emu: IpCameraEmulator, broker: Broker, **more: Any
) -> None:
    """Turn the phone's client on towards ``broker`` and wait until it is connected."""
    settings = {"mqttEnabled": True, "mqttBrokerUrl": broker.host, "mqttPort": broker.port,
                "mqttTelemetryIntervalSec": 5, **more}  # fmt: skip
    await apply_mqtt(http, emu, settings)
    await until(lambda: emu.mqtt.connected, 15, "the phone's MQTT client connected")


async def mqtt_status(http: aiohttp.ClientSession, emu: IpCameraEmulator) -> dict[str, Any]:
    status, body = await call(http, emu, "GET", "/api/mqtt/status")
    assert status == 200
    return dict(body)


class Commander:
    """Publishes ``ipcamera/command/<name>`` and returns the phone's answer."""

    def __init__(self, heard: Listener, client: aiomqtt.Client, prefix: str = "ipcamera") -> None:
        self.heard, self.client, self.prefix = heard, client, prefix

    async def __call__(self, name: str, payload: bytes | str) -> dict[str, Any]:
        topic = f"{self.prefix}/result/{name}"
        before = len(self.heard.all(topic))
        await self.client.publish(f"{self.prefix}/command/{name}", payload, qos=1)
        await until(lambda: len(self.heard.all(topic)) > before, 10, f"an answer on {topic}")
        answer: dict[str, Any] = self.heard.all(topic)[before]
        return answer
