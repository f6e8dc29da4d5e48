"""The MQTT bridge against a real mosquitto: state, commands, discovery, reconnects."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiomqtt
import pytest

from camhub.capabilities import SPECS
from tests.conftest import InProcess
from tests.helpers.mosquitto import Broker, Listener, listen
from tests.helpers.wait import until


def mqtt_config(broker: Broker, **kw: Any) -> dict[str, Any]:
    return {"host": broker.host, "port": broker.port, "client_id": "hubtest", **kw}


@asynccontextmanager
async def bridged(
    broker: Broker, make_app: Any, devices: list[dict[str, Any]], **mqtt: Any
) -> AsyncIterator[tuple[InProcess, Listener, aiomqtt.Client]]:
    """camhub with ``devices``, once its bridge to ``broker`` says it is online; with a
    client there that hears every topic."""
    async with (
        listen(broker) as (heard, client),
        make_app(devices=devices, mqtt=mqtt_config(broker, **mqtt)) as hub,
    ):
        await until(lambda: heard.last.get("camhub/status") == b"online", 15, "bridge online")
        yield hub, heard, client


async def online(hub: InProcess, *names: str) -> None:
    """Wait until camhub has polled each of ``names`` successfully."""

    def offline() -> list[str]:
        return [n for n in names if not hub.state.hub.coordinator(n).online]

    try:
        await until(lambda: not offline(), 45, "devices online")
    except AssertionError:
        raise AssertionError(f"not online after 45 s: {offline()}") from None


def discovered(listener: Any, device: str) -> dict[str, dict[str, Any]]:
    """``component/object`` -> config of every discovery entry for one device."""
    out = {}
    for topic, payload in listener.last.items():
        parts = topic.split("/")
        if parts[0] == "homeassistant" and len(parts) == 5 and payload:
            config = json.loads(payload)
            if config.get("device", {}).get("name") == device:
                prefix = re.sub(r"[^A-Za-z0-9_]+", "_", device).lower() + "_"
                out[f"{parts[1]}/{parts[3].removeprefix(prefix)}"] = config
    return out


@pytest.mark.timeout(180)  # its waits, all bounded, add up to 110 s
async def test_every_demo_device_is_discovered_with_its_capabilities(
    broker: Broker, demo_devices: Any, make_app: Any
) -> None:
    _, devices = demo_devices
    async with bridged(broker, make_app, devices) as (hub, heard, _):
        await online(hub, *hub.state.hub.names())
        hub_devices = hub.state.hub

        def incomplete() -> list[str]:
            return [
                n
                for n in hub_devices.names()
                if not all(
                    expected(cap, d, discovered(heard, n))
                    for d in [hub_devices.describe(n)]
                    for cap in d["capabilities"]
                )
            ]

        try:
            await until(lambda: not incomplete(), 30, "discovery of every device", every=0.2)
        except AssertionError:
            raise AssertionError(f"discovery incomplete after 30 s: {incomplete()}") from None
        for name in hub_devices.names():
            described = hub_devices.describe(name)
            for config in discovered(heard, name).values():
                assert config["availability_mode"] == "all"
                assert config["unique_id"].startswith("camhub_")
                via = config["device"]["via_device"]
                assert via == (
                    f"camhub_{described['parent'].replace('.', '_').replace('-', '_')}"
                    if described.get("parent")
                    else "camhub_hubtest"
                )

        def stale() -> list[str]:
            """Capabilities whose retained state (camhub/<device>/<cap>) is not the typed
            state camhub has now."""
            return [
                f"{n}/{cap}"
                for n in hub_devices.names()
                for cap, now in hub_devices.describe(n)["state"].items()
                if cap != "vendor" and heard.json(f"camhub/{n}/{cap}") != now
            ]

        try:
            await until(lambda: not stale(), 20, "every state retained", every=0.1)
        except AssertionError:
            raise AssertionError(f"states not retained after 20 s: {stale()}") from None


def expected(cap: str, dev: dict[str, Any], entries: dict[str, dict[str, Any]]) -> bool:
    """The entity a capability must have (capabilities without one: True)."""
    caps = set(dev["capabilities"])
    light = {"power", "brightness"} <= caps
    table = {
        "power": "light/light" if light else "switch/power",
        "privacy": "switch/privacy",
        "led": "switch/led",
        "arm": "switch/arm",
        "siren": "siren/siren",
        "light": "switch/light",
        "motion_detection": "switch/motion_detection",
        "energy": "sensor/energy_today",
        "snapshot": "camera/camera",
        "stream": "camera/camera",
        "ptz": "button/ptz_left",
        "reboot": "button/reboot",
    }
    want = table.get(cap)
    if want is None:
        return True
    return any(
        key.startswith(want.split("/")[0] + "/") and key.endswith(want.split("/")[1])
        for key in entries
    )


async def test_state_changes_and_commands_round_trip(
    broker: Broker, demo_devices: Any, make_app: Any
) -> None:
    _, devices = demo_devices
    async with bridged(broker, make_app, devices) as (hub, heard, client):
        await online(hub, "plug")
        # REST change -> retained state out
        headers = await hub.admin_headers()
        r = await hub.client.post("/api/devices/plug/power", json={"on": True}, headers=headers)
        assert r.status_code == 200
        await heard.seen("camhub/plug/power", {"on": True})
        # HA-style command in -> the emulated plug switches -> new state out
        await client.publish("camhub/plug/power/set", b"OFF")
        await heard.seen("camhub/plug/power", {"on": False})
        # a light in HA's JSON schema: on at 40 %
        await online(hub, "bulb")
        await client.publish(
            "camhub/bulb/hass/light/set", json.dumps({"state": "ON", "brightness": 40}).encode()
        )
        await until(
            lambda: (heard.json("camhub/bulb/hass/light") or {}).get("brightness") == 40,
            15,
            "bulb at 40 %",
        )
        assert heard.json("camhub/bulb/hass/light")["state"] == "ON"
        assert heard.json("camhub/bulb/brightness") == {"level": 40}
        # a camera's privacy switch, as the discovered switch sends it
        await online(hub, "tapo-cam")
        config = discovered(heard, "tapo-cam")["switch/privacy"]
        await client.publish(config["command_topic"], config["payload_on"].encode())
        await heard.seen("camhub/tapo-cam/privacy", {"on": True})
        await client.publish(config["command_topic"], config["payload_off"].encode())
        await heard.seen("camhub/tapo-cam/privacy", {"on": False})


async def test_bad_payloads_are_answered_on_the_error_topic(
    broker: Broker, demo_devices: Any, make_app: Any
) -> None:
    _, devices = demo_devices
    async with bridged(broker, make_app, devices) as (hub, heard, client):
        await online(hub, "bulb")
        for payload in (b"{not json", b'{"level": 500}', b"\xff\xfe", b"[1,2]"):
            await client.publish("camhub/bulb/brightness/set", payload)
        await client.publish("camhub/bulb/nonsense/set", b"1")
        await client.publish("camhub/nobody/power/set", b"ON")
        await until(lambda: heard.last.get("camhub/bulb/nonsense/error"), 10, "error topic")
        error = await heard.value("camhub/bulb/brightness/error")
        assert "error" in error
        # the bridge still works
        await client.publish("camhub/bulb/brightness/set", b'{"level": 55}')
        await heard.seen("camhub/bulb/brightness", {"level": 55})
        assert hub.state.mqtt is not None and hub.state.mqtt.command_errors >= 5


async def test_commands_only_for_allowed_devices(
    broker: Broker, demo_devices: Any, make_app: Any
) -> None:
    _, devices = demo_devices
    async with bridged(broker, make_app, devices, commands=["bulb"]) as (hub, heard, client):
        await online(hub, "plug")
        before = hub.state.hub.describe("plug")["state"]["power"]
        await client.publish("camhub/plug/power/set", json.dumps({"on": not before["on"]}).encode())
        error = await heard.value("camhub/plug/power/error")
        assert "not enabled" in error["error"]
        assert hub.state.hub.describe("plug")["state"]["power"] == before


async def test_reconnects_after_the_broker_restarts_and_republishes(
    broker: Broker, demo_devices: Any, make_app: Any
) -> None:
    _, devices = demo_devices
    async with make_app(devices=devices, mqtt=mqtt_config(broker)) as hub:
        bridge = hub.state.mqtt
        assert bridge is not None
        await until(lambda: bridge.connected, 15, "connected")
        await online(hub, "plug")
        broker.stop()  # no persistence: the new broker knows nothing
        await until(lambda: not bridge.connected, 15, "disconnected")
        broker.start()
        await until(lambda: bridge.connected, 30, "connected again")
        async with listen(broker) as (heard, _):
            await until(lambda: heard.last.get("camhub/status") == b"online", 15, "status")
            await heard.value("camhub/plug/power")
            await until(lambda: discovered(heard, "plug"), 15, "discovery again")


async def test_home_assistant_birth_message_brings_discovery_back(
    broker: Broker, demo_devices: Any, make_app: Any
) -> None:
    """HA restarted on a broker that lost camhub's configs says ``online``: camhub
    publishes them again."""
    _, devices = demo_devices
    plug = [d for d in devices if d["name"] == "plug"]
    async with (
        listen(broker) as (heard, client),
        make_app(devices=plug, mqtt=mqtt_config(broker)),
    ):
        await until(lambda: discovered(heard, "plug").get("switch/power"), 20, "discovered")
        topic = "homeassistant/switch/hubtest/plug_power/config"
        config = heard.last[topic]
        await client.publish(topic, b"", retain=True)  # the broker forgets it
        await until(lambda: heard.last.get(topic) == b"", 10, "config gone")
        await client.publish("homeassistant/status", b"online")
        await until(lambda: heard.last.get(topic) == config, 15, "config published again")


async def test_removed_devices_leave_no_ghosts(
    broker: Broker, demo_devices: Any, make_app: Any, tmp_path: Any
) -> None:
    _, devices = demo_devices
    two = [d for d in devices if d["name"] in ("plug", "bulb")]
    path = tmp_path / "camhub.json"
    async with listen(broker) as (heard, client):
        # a ghost left by an earlier run: a device this config no longer has
        ghost = "homeassistant/switch/hubtest/gone_power/config"
        await client.publish(ghost, b'{"name": "gone"}', retain=True)
        await until(lambda: heard.last.get(ghost), 10, "ghost published")
        async with make_app(devices=two, mqtt=mqtt_config(broker), config_path=path) as hub:
            await until(lambda: discovered(heard, "plug") and discovered(heard, "bulb"), 20, "both")
            await until(lambda: heard.last.get(ghost) == b"", 15, "ghost cleared")
            raw = json.loads(path.read_text())
            raw["devices"] = [d for d in raw["devices"] if d["name"] != "plug"]
            path.write_text(json.dumps(raw))
            r = await hub.client.post("/api/reload-config", headers=await hub.admin_headers())
            assert r.json()["removed"] == ["plug"]
            await until(lambda: not discovered(heard, "plug"), 15, "plug's entities cleared")
            await until(lambda: heard.last.get("camhub/plug/power") == b"", 15, "state cleared")
            assert discovered(heard, "bulb")


def test_specs_all_have_an_mqtt_story() -> None:
    """Every capability is either discovered as an entity or documented as not."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "mqtt.md").read_text()
    for cap in SPECS:
        assert f"`{cap}`" in doc, f"docs/mqtt.md says nothing of {cap}"
