"""The app's MQTT client: it runs while ``mqttEnabled`` and talks to the user's broker.

Seed 003 documents the client's settings and ``/api/mqtt/*``, not its topics; these are
our reading of what such an app publishes, under ``mqttTopicPrefix`` (P):

==========================  ========================================================  ========
topic                       payload                                                   retained
==========================  ========================================================  ========
``P/status``                ``online``; ``offline`` on a clean stop and as the will   yes
``P/telemetry``             JSON every ``mqttTelemetryIntervalSec`` (first at         no
                            connect): the WebSocket ``system_info`` and ``status``
                            fields (cpu, memory, battery, stream, streaming,
                            cameraRunning, clients, wsClients, detection)
``P/state``                 the settings as ``GET /settings``, at connect and on      yes
                            every change
``P/event``                 each detection event: the WebSocket message               no
                            (``motion_detected``..., with eventId, eventKind)
``P/command/<name>``        commands (:mod:`.commands`), obeyed only while            -
                            ``mqttCommandsEnabled``
``P/result/<name>``         the answer to each command (also "disabled" refusals)     no
==========================  ========================================================  ========

Connects with ``mqttClientId``, the username and password set through
``/api/mqtt/apply-settings`` and TLS per :mod:`.broker`; reconnects with backoff; the
connection state is ``connected`` in ``/api/mqtt/status`` and every change of it is a
WebSocket ``mqtt_status`` message. Bounded: events wait in a queue of
:data:`OUTBOX` while the broker is away (older ones are dropped), commands are read
from a queue of :data:`INBOX` and a bad one is answered and logged, never raised.

``time_scale`` (emulator option ``mqtt_time_scale``) shortens the telemetry interval
and the backoff for tests: 0.05 makes a 5 s interval 0.25 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import aiomqtt

from camhub.sim.ipcamera import commands
from camhub.sim.ipcamera.broker import Broker, BrokerProblem, broker_of
from camhub.sim.ipcamera.commands import CommandHost
from camhub.tasks import cancel_and_wait

log = logging.getLogger(__name__)

BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
OUTBOX = 200
INBOX = 64
KEEPALIVE = 30
CONNECT_TIMEOUT = 5.0


class MqttHost(CommandHost, Protocol):
    """What the client reads and changes of the app."""

    def telemetry(self) -> dict[str, Any]:
        """The ``system_info`` and ``status`` fields, without their ``type``."""
        ...


class PhoneMqtt:
    def __init__(
        self,
        host: MqttHost,
        on_status: Callable[[], Awaitable[None]],
        time_scale: float = 1.0,
    ) -> None:
        self.host = host
        self.on_status = on_status  # the connection went up or down
        self.time_scale = time_scale
        self.connected = False
        self.error: str | None = None  # why the last attempt failed
        self.connections = 0
        self.dropped = 0  # events dropped while the broker was away
        self._outbox: deque[tuple[str, bytes]] = deque()  # (topic suffix, payload)
        self._state_dirty = True
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: aiomqtt.Client | None = None
        self._broker: Broker | None = None

    # lifecycle -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Run while ``mqttEnabled`` (a no-op otherwise or when already running)."""
        if self.host.settings["mqttEnabled"] and not self.running:
            self._task = asyncio.get_running_loop().create_task(
                self._supervise(), name="ipcamera-mqtt"
            )

    async def stop(self) -> None:
        """Say ``offline`` (a clean stop sends no will) and disconnect."""
        task, self._task = self._task, None
        client, broker = self._client, self._broker
        if client is not None and broker is not None and self.connected:
            with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
                async with asyncio.timeout(2):
                    await client.publish(f"{broker.prefix}/status", b"offline", qos=1, retain=True)
        await cancel_and_wait(task)
        await self._set_connected(False)

    async def restart(self) -> None:
        await self.stop()
        self.error = None
        self.start()

    # what to send ----------------------------------------------------------------------
    def event(self, message: dict[str, Any]) -> None:
        """A detection event (the WebSocket message) for ``P/event``."""
        if self.host.settings["mqttEnabled"]:
            self._send("event", json.dumps(message).encode())

    def settings_changed(self) -> None:
        self._state_dirty = True
        self._wake.set()

    def _send(self, suffix: str, payload: bytes) -> None:
        if len(self._outbox) >= OUTBOX:
            self._outbox.popleft()
            self.dropped += 1
        self._outbox.append((suffix, payload))
        self._wake.set()

    # /api/mqtt/test --------------------------------------------------------------------
    async def test(self) -> str | None:
        """Connect once with the current settings; the reason when that fails."""
        try:
            broker = broker_of(self.host.settings)
        except BrokerProblem as exc:
            return str(exc)
        try:
            await broker.check_tls()
            async with asyncio.timeout(CONNECT_TIMEOUT):
                # its own id: the broker would drop the running client for a twin
                async with self._client_for(broker, f"{broker.client_id}-test", will=False):
                    pass
        except (aiomqtt.MqttError, TimeoutError, OSError) as exc:
            return f"Cannot connect to {broker.address}: {_reason(exc)}"
        return None

    # the connection --------------------------------------------------------------------
    def _client_for(self, broker: Broker, identifier: str, will: bool = True) -> aiomqtt.Client:
        return aiomqtt.Client(
            broker.host,
            broker.port,
            identifier=identifier,
            username=broker.username,
            password=broker.password,
            keepalive=KEEPALIVE,
            tls_context=broker.tls_context(),
            tls_insecure=True if broker.tls and broker.accept_self_signed else None,
            will=aiomqtt.Will(f"{broker.prefix}/status", b"offline", qos=1, retain=True)
            if will
            else None,
            timeout=CONNECT_TIMEOUT,
            max_queued_incoming_messages=INBOX,
        )

    async def _supervise(self) -> None:
        failures = 0
        while True:
            try:
                broker = broker_of(self.host.settings)
            except BrokerProblem as exc:
                failures += 1
                if failures == 1 or str(exc) != self.error:
                    log.warning("MQTT: %s", exc)
                self.error = str(exc)
            else:
                try:
                    await self._session(broker, failures)
                    failures = 0
                except* (aiomqtt.MqttError, OSError) as group:  # TLS and timeouts too
                    failures += 1
                    reason = "; ".join(_reason(e) for e in group.exceptions)
                    if failures == 1:
                        log.warning("MQTT: no connection to %s (%s)", broker.address, reason)
                    self.error = reason
                except* Exception:  # a bug must not end the client while the app runs
                    failures += 1
                    log.exception("MQTT: the client failed; starting it again")
                finally:
                    self._client = None
                    await self._set_connected(False)
            delay = BACKOFF[min(failures, len(BACKOFF)) - 1] if failures else BACKOFF[0]
            await asyncio.sleep(delay * self.time_scale)

    async def _session(self, broker: Broker, failures: int) -> None:
        await broker.check_tls()
        async with self._client_for(broker, broker.client_id) as client:
            self._client, self._broker = client, broker
            await client.subscribe(f"{broker.prefix}/command/+", qos=1)
            await client.publish(f"{broker.prefix}/status", b"online", qos=1, retain=True)
            self.error = None
            self.connections += 1
            self._state_dirty = True
            if failures:
                log.warning("MQTT: connected again to %s", broker.address)
            await self._set_connected(True)
            async with asyncio.TaskGroup() as group:
                group.create_task(self._publisher(client, broker))
                group.create_task(self._receiver(client, broker))
                group.create_task(self._telemetry())

    async def _set_connected(self, on: bool) -> None:
        if self.connected != on:
            self.connected = on
            await self.on_status()

    async def _publisher(self, client: aiomqtt.Client, broker: Broker) -> None:
        self._wake.set()
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self._state_dirty:
                self._state_dirty = False
                state = json.dumps(self.host.settings.public()).encode()
                await client.publish(f"{broker.prefix}/state", state, qos=1, retain=True)
            while self._outbox:
                suffix, payload = self._outbox[0]
                await client.publish(f"{broker.prefix}/{suffix}", payload, qos=1)
                self._outbox.popleft()  # sent: a lost connection keeps what was not

    async def _telemetry(self) -> None:
        while True:
            self._send("telemetry", json.dumps(self.host.telemetry()).encode())
            interval = max(1, int(self.host.settings["mqttTelemetryIntervalSec"]))
            await asyncio.sleep(interval * self.time_scale)

    async def _receiver(self, client: aiomqtt.Client, broker: Broker) -> None:
        head = f"{broker.prefix}/command/"
        async for message in client.messages:
            topic = str(message.topic)
            if not topic.startswith(head):
                continue
            name = topic[len(head) :]
            payload = message.payload if isinstance(message.payload, bytes) else b""
            if not self.host.settings["mqttCommandsEnabled"]:
                log.info("MQTT: command %r ignored: commands are disabled", name[:64])
                answer: dict[str, Any] = {
                    "command": name[:64],
                    "success": False,
                    "error": "MQTT commands are disabled",
                }
            else:
                answer = await commands.run(self.host, name, payload)
                if not answer["success"]:
                    detail = answer.get("error") or "; ".join(answer.get("errors", []))
                    log.info("MQTT: command %r refused: %s", name[:64], detail)
            self._send(f"result/{answer['command']}", json.dumps(answer).encode())


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
