"""The MQTT bridge: a consumer of the hub, like the WebSocket.

It publishes every device's availability and typed state (retained), its events and
snapshots, and Home Assistant discovery for every capability; it takes commands on
``.../<capability>/set`` and runs them through the same capability actions as REST.

Nothing here ever makes the API wait: hub and store listeners only note what to send
(state is coalesced per topic, events go to a bounded queue), and one publisher task
sends it while connected. A supervisor reconnects with backoff and, on every connect,
subscribes again and republishes discovery and retained state. The broker's password
is never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiomqtt
from pydantic import ValidationError

from camhub.capabilities import SPECS, Capability, SettingsDriver
from camhub.config import MqttConfig
from camhub.errors import CamhubError, InvalidArgument, NotFound, Unsupported
from camhub.mqtt.discovery import Discovery, Entity, object_id
from camhub.mqtt.topics import Topics, command, decode, hass_light_state, light_command
from camhub.tls import client_context

if TYPE_CHECKING:
    from camhub.service import Camhub

log = logging.getLogger("camhub.mqtt")

BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
EVENT_QUEUE = 1000  # events waiting for a slow broker; older ones are dropped (counted)
COMMANDS_AT_ONCE = 4
COMMAND_QUEUE = 64
SNAPSHOT_TIMEOUT = 15.0
SETTINGS_REFRESH = 60.0  # seconds between reads of every device's settings
STOP_TIMEOUT = 5.0  # seconds the bridge's tasks get to end at shutdown
DETECTIONS = frozenset({"motion", "person", "vehicle", "pet", "face", "intrusion", "doorbell"})


def tls_context(config: MqttConfig) -> ssl.SSLContext | None:
    tls = config.tls
    if tls is None:
        return None
    return client_context(tls.ca, tls.cert, tls.key, tls.insecure)


class MqttBridge:
    def __init__(self, config: MqttConfig, service: Camhub) -> None:
        self.config = config
        self.service = service
        self.topics = Topics(config.topic_prefix)
        self.discovery = (
            Discovery(self.topics, config.client_id) if config.discovery_prefix else None
        )
        self.connected = False
        self.published = 0
        self.dropped = 0
        self.commands_done = 0
        self.command_errors = 0
        self._retained: dict[str, bytes] = {}  # topic -> payload still to send (coalesced)
        self._sent: dict[str, bytes] = {}  # topic -> the retained payload last sent
        self._transient: deque[tuple[str, bytes]] = deque()
        self._snapshots: dict[str, bytes] = {}  # device -> latest JPEG still to send
        self._entities: dict[str, dict[str, bytes]] = {}  # device -> discovery topic -> config
        self._settings_schema: dict[str, dict[str, Any] | None] = {}
        self._settings_read: set[str] = set()  # devices whose settings were published
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._supervisor: asyncio.Task[None] | None = None
        self._client: aiomqtt.Client | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._command_slots = asyncio.Semaphore(COMMANDS_AT_ONCE)
        self._commands_waiting = 0

    # lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        hub = self.service.hub
        self._unsubscribe.append(hub.subscribe(self._on_hub))
        self._unsubscribe.append(self.service.store.subscribe(self._on_events))
        for name in hub.names():
            self._device_changed(hub.describe(name))
        self._supervisor = asyncio.create_task(self._supervise(), name="camhub-mqtt")
        if self.config.snapshot_interval:
            self._spawn(self._snapshot_loop(self.config.snapshot_interval))
        self._spawn(self._settings_loop(SETTINGS_REFRESH))

    async def stop(self) -> None:
        for undo in self._unsubscribe:
            undo()
        self._unsubscribe.clear()
        client = self._client
        if client is not None and self.connected:
            with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
                async with asyncio.timeout(2):
                    await client.publish(self.topics.status, b"offline", qos=1, retain=True)
        tasks = [t for t in (self._supervisor, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        # aiomqtt's disconnect waits for the socket without a bound: a broker that never
        # lets go must not hold camhub's shutdown
        if tasks and (late := (await asyncio.wait(tasks, timeout=STOP_TIMEOUT))[1]):
            log.warning("MQTT: %d task(s) still stopping after %g s", len(late), STOP_TIMEOUT)

    def status(self) -> dict[str, Any]:
        return {
            "connected": self.connected,
            "broker": f"{self.config.host}:{self.config.port}",
            "published": self.published,
            "dropped": self.dropped,
            "commands": self.commands_done,
            "commandErrors": self.command_errors,
        }

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # what to send ----------------------------------------------------------------------
    def _retain(self, topic: str, payload: bytes) -> None:
        if self._sent.get(topic) == payload and topic not in self._retained:
            return
        self._retained[topic] = payload
        self._wake.set()

    def _send(self, topic: str, payload: bytes) -> None:
        if len(self._transient) >= EVENT_QUEUE:
            self._transient.popleft()
            self.dropped += 1
        self._transient.append((topic, payload))
        self._wake.set()

    def _on_hub(self, message: dict[str, Any]) -> None:
        if message.get("type") == "device":
            self._device_changed(message["device"])
        elif message.get("type") == "device_removed":
            self._device_removed(str(message["device"]))

    def _device_changed(self, dev: dict[str, Any]) -> None:
        name = dev["name"]
        t = self.topics
        self._retain(t.device(name, "availability"), b"online" if dev.get("online") else b"offline")
        state: dict[str, Any] = dev.get("state") or {}
        for cap, value in state.items():
            if cap != "vendor" and cap in SPECS:
                self._retain(t.device(name, cap), json.dumps(value, sort_keys=True).encode())
        caps = set(dev.get("capabilities", []))
        if {"power", "brightness"} <= caps:
            self._retain(
                t.device(name, "hass", "light"), json.dumps(hass_light_state(state)).encode()
            )
        if "settings" in caps and dev.get("online") and name not in self._settings_read:
            self._settings_read.add(name)  # now, then every SETTINGS_REFRESH
            self._spawn(self._publish_settings(name))
        if self.discovery is not None:
            # setting entities once the settings are read (_publish_settings)
            self._set_entities(name, self.discovery.entities(dev, self._settings_schema.get(name)))

    def _schema(self, name: str) -> dict[str, Any] | None:
        try:
            device = self.service.hub.get(name).need(Capability.SETTINGS, SettingsDriver)
            return device.settings_schema()
        except CamhubError:
            return None

    def _device_removed(self, name: str) -> None:
        self._set_entities(name, [])
        prefix = self.topics.device(name) + "/"
        for topic in [t for t in {*self._sent, *self._retained} if t.startswith(prefix)]:
            self._retain(topic, b"")  # an empty retained message deletes it at the broker
        self._settings_schema.pop(name, None)
        self._settings_read.discard(name)

    def _discovery_topic(self, component: str, device: str, oid: str) -> str:
        assert self.config.discovery_prefix is not None
        node = object_id(self.config.client_id)
        return f"{self.config.discovery_prefix}/{component}/{node}/{object_id(device)}_{oid}/config"

    def _set_entities(self, name: str, entities: list[Entity]) -> None:
        wanted = {
            self._discovery_topic(component, name, oid): json.dumps(config, sort_keys=True).encode()
            for component, oid, config in entities
        }
        old = self._entities.get(name, {})
        for topic in old.keys() - wanted.keys():
            self._retain(topic, b"")
        for topic, payload in wanted.items():
            if old.get(topic) != payload:
                self._retain(topic, payload)
        if wanted:
            self._entities[name] = wanted
        else:
            self._entities.pop(name, None)

    def _node_entities(self) -> dict[str, bytes]:
        if self.discovery is None:
            return {}
        return {
            self._discovery_topic(component, "camhub", oid): json.dumps(
                config, sort_keys=True
            ).encode()
            for component, oid, config in self.discovery.node_entities()
        }

    def _wanted_discovery(self) -> set[str]:
        wanted = {topic for entities in self._entities.values() for topic in entities}
        return wanted | self._node_entities().keys()

    def _on_events(self, events: list[dict[str, Any]]) -> None:
        t = self.topics
        hub = self.service.hub
        for ev in events:
            payload = json.dumps(ev, default=str).encode()
            device = str(ev.get("device"))
            self._send(t.device(device, "event"), payload)
            self._send(t.events, payload)
            self._send(t.device(device, "event", object_id(str(ev.get("type")))), b"ON")
            if ev.get("type") in DETECTIONS and device in hub.names():
                caps = hub.get(device).capabilities
                if Capability.SNAPSHOT in caps or Capability.STREAM in caps:
                    self._spawn(self._snapshot(device))

    async def _snapshot(self, name: str) -> None:
        try:
            async with asyncio.timeout(SNAPSHOT_TIMEOUT):
                jpeg = await self.service.streams.snapshot(name)
        except (CamhubError, TimeoutError) as exc:
            log.debug("%s: no snapshot for MQTT (%s)", name, exc)
            return
        self._snapshots[name] = jpeg
        self._wake.set()

    async def _snapshot_loop(self, interval: float) -> None:
        hub = self.service.hub
        while True:
            await asyncio.sleep(interval)
            for name in hub.names():
                caps = hub.get(name).capabilities
                online = hub.coordinator(name).online
                if online and (Capability.SNAPSHOT in caps or Capability.STREAM in caps):
                    await self._snapshot(name)

    async def _settings_loop(self, interval: float) -> None:
        """Settings are not part of the polled state: read them now and then, so that a
        change made elsewhere (the REST API, the vendor's app) reaches MQTT too."""
        hub = self.service.hub
        while True:
            await asyncio.sleep(interval)
            for name in hub.names():
                if Capability.SETTINGS in hub.get(name).capabilities and (
                    hub.coordinator(name).online
                ):
                    await self._publish_settings(name)

    # the connection --------------------------------------------------------------------
    def _client_for(self) -> aiomqtt.Client:
        c = self.config
        return aiomqtt.Client(
            hostname=c.host,
            port=c.port,
            identifier=c.client_id,
            username=c.username,
            password=c.password.get_secret_value() if c.password else None,
            keepalive=c.keepalive,
            tls_context=tls_context(c),
            tls_insecure=True if c.tls is not None and c.tls.insecure else None,
            will=aiomqtt.Will(self.topics.status, b"offline", qos=1, retain=True),
            timeout=10,
        )

    async def _supervise(self) -> None:
        failures = 0
        while True:
            try:
                async with self._client_for() as client:
                    self._client = client
                    await self._connected(client)
                    if failures:
                        log.warning(
                            "MQTT: connected again to %s:%d", self.config.host, self.config.port
                        )
                    failures = 0
                    async with asyncio.TaskGroup() as group:
                        group.create_task(self._publisher(client))
                        group.create_task(self._receiver(client))
            except* aiomqtt.MqttError as exc:
                failures += 1
                if failures == 1:
                    reason = "; ".join(str(e) for e in exc.exceptions)
                    log.warning(
                        "MQTT: no connection to %s:%d (%s)",
                        self.config.host,
                        self.config.port,
                        reason,
                    )
            except* Exception:  # a bug must not end the bridge for good
                failures += 1
                log.exception("MQTT: the bridge failed; starting it again")
            finally:
                self.connected = False
                self._client = None
            await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF)) - 1] if failures else 1.0)

    async def _connected(self, client: aiomqtt.Client) -> None:
        t = self.topics
        if self._commands_allowed():
            await client.subscribe(t.commands, qos=1)
            await client.subscribe(t.light_commands, qos=1)
        if self.config.discovery_prefix is not None:
            await client.subscribe(f"{self.config.discovery_prefix}/status", qos=1)
            node = object_id(self.config.client_id)
            await client.subscribe(f"{self.config.discovery_prefix}/+/{node}/+/config", qos=1)
        self.connected = True
        # Everything retained again: the broker may have lost it, and HA reads it now.
        self._retained = {**self._sent, **self._retained}
        self._retain(t.status, b"online")
        self._republish_discovery()

    def _republish_discovery(self) -> None:
        if self.discovery is None:
            return
        for component, oid, config in self.discovery.node_entities():
            self._retain(
                self._discovery_topic(component, "camhub", oid),
                json.dumps(config, sort_keys=True).encode(),
            )
        for entities in self._entities.values():
            self._retained.update(entities)
        self._wake.set()

    async def _publisher(self, client: aiomqtt.Client) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._retained:
                topic, payload = next(iter(self._retained.items()))
                await client.publish(topic, payload, qos=1, retain=True)
                self.published += 1
                if self._retained.get(topic) == payload:
                    del self._retained[topic]
                if payload:
                    self._sent[topic] = payload
                else:
                    self._sent.pop(topic, None)
            while self._transient:
                topic, payload = self._transient.popleft()
                await client.publish(topic, payload, qos=0)
                self.published += 1
            while self._snapshots:
                name, jpeg = self._snapshots.popitem()
                await client.publish(self.topics.device(name, "snapshot"), jpeg, qos=0)
                self.published += 1

    async def _receiver(self, client: aiomqtt.Client) -> None:
        disc = self.config.discovery_prefix
        async for message in client.messages:
            topic = str(message.topic)
            payload = message.payload if isinstance(message.payload, bytes) else b""
            if disc is not None and topic == f"{disc}/status":
                if payload == b"online":  # Home Assistant restarted: tell it everything
                    self._republish_discovery()
                continue
            if disc is not None and topic.startswith(disc + "/") and topic.endswith("/config"):
                ghost = topic not in self._wanted_discovery() and topic not in self._retained
                if payload and ghost:
                    self._retain(topic, b"")  # a device no longer here, or an old entity
                continue
            target = self.topics.parse_command(topic)
            if target is None:
                continue
            if self._commands_waiting >= COMMAND_QUEUE:
                self.command_errors += 1
                log.warning("MQTT: too many commands waiting; %s dropped", topic)
                continue
            self._commands_waiting += 1
            self._spawn(self._command(*target, payload))

    # commands --------------------------------------------------------------------------
    def _commands_allowed(self, device: str | None = None) -> bool:
        allowed = self.config.commands
        if allowed == "all":
            return True
        return bool(allowed) if device is None else device in allowed

    async def _command(self, name: str, cap: str, payload: bytes) -> None:
        try:
            async with self._command_slots:
                await self._run_command(name, cap, payload)
            self.commands_done += 1
        except CamhubError as exc:
            self.command_errors += 1
            log.warning("MQTT: command %s/%s refused: %s", name, cap, exc.message)
            body = json.dumps({"error": exc.message, **exc.extra}, default=str).encode()
            self._send(self.topics.device(name, cap.replace("/", "_"), "error"), body)
        except Exception:  # a bug must not stop the bridge
            self.command_errors += 1
            log.exception("MQTT: command %s/%s failed", name, cap)
        finally:
            self._commands_waiting -= 1

    async def _run_command(self, name: str, cap: str, payload: bytes) -> None:
        if not self._commands_allowed(name):
            raise NotFound(f"commands for {name} are not enabled (mqtt.commands)")
        hub = self.service.hub
        device = hub.get(name)
        try:
            body = decode(payload)
        except UnicodeDecodeError:
            raise InvalidArgument("the payload is not UTF-8 text", ["payload: not text"]) from None
        if cap == "hass/light":
            steps = light_command(body)
        else:
            if cap not in {c.value for c in Capability}:
                raise InvalidArgument(f"no capability {cap!r}", ["topic: unknown capability"])
            steps = [(Capability(cap), body)]
        for capability, args in steps:
            if capability not in device.capabilities:
                raise Unsupported(f"{name} does not support {capability}", device=name)
            action, raw_args, params = command(capability, args)
            assert action.run is not None
            model = None
            if action.args is not None:
                try:
                    model = action.args.model_validate(raw_args)
                except ValidationError as exc:
                    errors = [
                        f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}"
                        for e in exc.errors(include_url=False)
                    ]
                    raise InvalidArgument("Invalid command", errors) from None
            await action.run(device, model, params)
        hub.coordinator(name).request_refresh()
        if cap == "settings":
            self._spawn(self._publish_settings(name))

    async def _publish_settings(self, name: str) -> None:
        try:
            device = self.service.hub.get(name).need(Capability.SETTINGS, SettingsDriver)
            settings = await device.get_settings()
        except CamhubError as exc:
            log.debug("%s: settings not read for MQTT (%s)", name, exc.message)
            return
        self._retain(
            self.topics.device(name, "settings"), json.dumps(settings, default=str).encode()
        )
        # The schema is asked for after a read: a device may learn which settings it
        # has only by reading them (a camera's depend on its model and firmware).
        schema = self._schema(name)
        if self.discovery is not None and schema != self._settings_schema.get(name):
            self._settings_schema[name] = schema
            if name in self.service.hub.names():
                dev = self.service.hub.describe(name)
                self._set_entities(name, self.discovery.entities(dev, schema))
