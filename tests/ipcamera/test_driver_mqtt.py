"""The driver's ``mqtt`` option: detection events from the broker the phone publishes to,
deduplicated with the WebSocket's, through reconnections, into camhub's event history."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from camhub.config import DeviceConfig
from camhub.drivers import check_devices
from camhub.drivers.base import EventIn
from camhub.drivers.ipcamera.device import IpCameraDevice
from camhub.drivers.ipcamera.options import IpCameraOptions, MqttEvents
from camhub.errors import ConfigError
from camhub.sim.ipcamera import IpCameraEmulator
from tests.conftest import in_process, make_settings
from tests.helpers.mosquitto import Broker, listen
from tests.helpers.wait import until
from tests.ipcamera.conftest import PASSWORD, connected, make_device, options
from tests.ipcamera.mqtt_helpers import call, enable_mqtt


@pytest.fixture
async def phone(broker: Broker, http: aiohttp.ClientSession) -> AsyncIterator[IpCameraEmulator]:
    """A phone whose MQTT client publishes to ``broker`` under ``garden/``."""
    async with IpCameraEmulator(options(mqtt_time_scale=0.05)) as e:
        assert isinstance(e, IpCameraEmulator)
        await enable_mqtt(http, e, broker, mqttTopicPrefix="garden")
        yield e


def driver(
    http: aiohttp.ClientSession,
    phone: IpCameraEmulator,
    sink: list[EventIn],
    tmp_path: Path,
    **mqtt: Any,
) -> IpCameraDevice:
    device = make_device(http, phone.port, sink, tmp_path)
    device.ctx.options = IpCameraOptions(mqtt=MqttEvents(**mqtt))
    return device


async def test_events_come_from_the_broker(
    phone: IpCameraEmulator,
    broker: Broker,
    http: aiohttp.ClientSession,
    tmp_path: Path,
) -> None:
    events: list[EventIn] = []
    device = driver(http, phone, events, tmp_path, events="mqtt")  # the rest: from the phone
    async with connected(device):
        feed = device.mqtt_feed
        assert feed is not None and feed.sub.topic == "garden/event"
        assert (
            feed.sub.broker == f"127.0.0.1:{broker.port}" and feed.sub.client_id == "camhub-phone"
        )
        await until(feed.connected.is_set, 10, "subscribed")
        _, event = await call(http, phone, "POST", "/__sim/event?type=MOTION")
        await until(lambda: events, 10, "the motion event")
        assert events[0].type == "motion" and events[0].timestamp == event["timestamp"]
        assert events[0].data["vendor_type"] == "MOTION" and events[0].data["eventId"] == 1001

        # only the broker counts: a message published there is an event, whoever sent it
        async with listen(broker, "garden/result/#") as (_, client):
            cat = {"type": "object_detected", "objectClass": "cat", "eventId": 5, "timestamp": 7}
            for bad in (b"not json", b"[1, 2]", b"{" + b" " * 70_000 + b"}", json.dumps(cat)):
                await client.publish("garden/event", bad, qos=1)
            await until(lambda: len(events) == 2, 10, "the cat")
        assert events[1].type == "pet" and events[1].data["objectClass"] == "cat"
        assert feed.dropped == 3 and feed.connected.is_set() and feed.connections == 1
    assert device.mqtt_feed is not None and not device.mqtt_feed.connected.is_set()


async def test_both_sources_each_event_once(
    phone: IpCameraEmulator, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    events: list[EventIn] = []
    device = driver(http, phone, events, tmp_path)  # events: both (the default)
    ws_detections: list[dict[str, Any]] = []
    on_message = device.feed.on_message

    def counting(data: dict[str, Any]) -> None:
        if str(data.get("type")).endswith(("_detected", "_classified")):
            ws_detections.append(data)
        on_message(data)

    device.feed.on_message = counting
    async with connected(device):
        feed = device.mqtt_feed
        assert feed is not None
        await until(feed.connected.is_set, 10, "subscribed")
        await until(device.feed.connected.is_set, 10, "WebSocket up")
        for kind in ("MOTION", "ANY_SOUND", "OBJECT_PERSON"):
            await call(http, phone, "POST", f"/__sim/event?type={kind}")
        await until(lambda: feed.received >= 3 and len(ws_detections) >= 3, 10, "both sources")
        assert [e.type for e in events] == ["motion", "sound", "person"]


async def test_broker_restart_loses_nothing(
    phone: IpCameraEmulator, broker: Broker, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    events: list[EventIn] = []
    device = driver(http, phone, events, tmp_path, events="mqtt", host="localhost")
    async with connected(device):
        feed = device.mqtt_feed
        assert feed is not None
        await until(feed.connected.is_set, 10, "subscribed")
        await call(http, phone, "POST", "/__sim/event?type=MOTION")
        await until(lambda: len(events) == 1, 10, "the first event")
        broker.stop()
        await until(lambda: not feed.connected.is_set(), 10, "the feed notices")
        await call(http, phone, "POST", "/__sim/event?type=MOTION")  # while the broker is down
        broker.start()
        await until(lambda: feed.connections == 2, 30, "subscribed again")
        await until(lambda: len(events) == 2, 10, "the event from the outage")
        assert [e.data["eventId"] for e in events] == [1001, 1002]


async def test_mqtt_events_reach_the_event_history(
    phone: IpCameraEmulator, broker: Broker, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    cam = {"name": "phone", "kind": "ipcamera", "host": "127.0.0.1", "port": phone.port,
           "password": PASSWORD, "mqtt": {"events": "mqtt"}}  # fmt: skip
    async with in_process(make_settings(tmp_path / "d", devices=[cam])) as hub:
        h = await hub.admin_headers()
        device = hub.state.hub.get("phone")
        assert isinstance(device, IpCameraDevice)
        await until(lambda: device.mqtt_feed and device.mqtt_feed.connected.is_set(), 15)
        _, event = await call(http, phone, "POST", "/__sim/event?type=DOG_BARK")

        async def listed() -> list[dict[str, Any]]:
            r = await hub.client.get("/api/events", params={"device": "phone"}, headers=h)
            assert r.status_code == 200, r.text
            return list(r.json()["events"])

        found = (await until(listed, 15, "the event in GET /api/events"))[0]
        r = await hub.client.get("/api/devices/phone", headers=h)
        assert r.json()["state"]["vendor"]["mqtt_events"] == {
            "broker": f"127.0.0.1:{broker.port}", "topic": "garden/event", "connected": True
        }  # fmt: skip
        assert found["type"] == "sound" and found["timestamp"] == event["timestamp"]
        assert found["data"]["vendor_type"] == "DOG_BARK" and found["data"]["className"] == "Dog"


@pytest.mark.parametrize(
    ("mqtt", "problem"),
    [
        ({"port": 0}, "devices.0.mqtt.port: "),
        ({"events": "websocket"}, "devices.0.mqtt.events: "),
        ({"topic_prefix": "a/#"}, "devices.0.mqtt.topic_prefix: "),
        ({"tls": {"cert": "/c.pem"}}, "devices.0.mqtt.tls: "),
        ({"hots": "x"}, "devices.0.mqtt.hots: "),
    ],
)
def test_bad_mqtt_options_are_config_errors(mqtt: dict[str, Any], problem: str) -> None:
    cfg = DeviceConfig.model_validate(
        {"name": "phone", "kind": "ipcamera", "host": "h", "mqtt": mqtt}
    )
    with pytest.raises(ConfigError) as err:
        check_devices([cfg])
    assert len(err.value.problems) == 1 and err.value.problems[0].startswith(problem), err.value
