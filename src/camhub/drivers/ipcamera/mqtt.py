"""Detection events from the broker the phone's own MQTT client publishes to.

The app publishes each event on ``<prefix>/event`` (the WebSocket's message: type,
eventId, eventKind, timestamp, fields; see :mod:`camhub.sim.ipcamera.mqtt` for all its
topics). :func:`subscription` works out the broker from the driver's ``mqtt`` options
and the phone's ``GET /api/mqtt/settings``; :class:`MqttFeed` keeps one subscription
open: QoS 1 on a persistent session (the broker keeps what is published while camhub
is away), reconnection with exponential backoff and jitter (reset once connected), one
log line per outage. A payload that is too large, not JSON or not an object is
dropped with one log line per kind; nothing a broker sends can end the feed. The
broker's password is never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiomqtt

from camhub.drivers.ipcamera.options import MqttEvents
from camhub.drivers.ipcamera.protocol import expect_dict
from camhub.drivers.ipcamera.transport import IpCameraTransport
from camhub.errors import CamhubError
from camhub.tasks import cancel_and_wait
from camhub.tls import check_handshake, client_context

log = logging.getLogger(__name__)

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
CONNECT_TIMEOUT = 10.0
MAX_PAYLOAD = 64 * 1024  # an event is a few hundred bytes
QUEUE = 256  # messages read but not yet handled
SECURE_SCHEMES = ("ssl", "tls", "mqtts")


class NoBroker(ValueError):
    """Neither the options nor the phone name a broker; the message says what is missing."""


@dataclass(frozen=True)
class Subscription:
    host: str
    port: int
    topic: str
    client_id: str
    keepalive: int
    tls: ssl.SSLContext | None = field(default=None, repr=False)
    insecure: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def broker(self) -> str:
        return f"{self.host}:{self.port}"


def _phone_broker(phone: dict[str, Any]) -> tuple[str | None, int | None, bool]:
    """(host, port, tls) from the phone's ``mqttBrokerUrl`` / ``mqttPort`` / ``mqttUseTls``."""
    url = phone.get("mqttBrokerUrl")
    port = phone.get("mqttPort")
    tls = phone.get("mqttUseTls") is True
    port = port if isinstance(port, int) and not isinstance(port, bool) else None
    if not isinstance(url, str) or not url.strip():
        return None, port, tls
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        scheme, rest = "", url.strip()
    tls = tls or scheme.lower() in SECURE_SCHEMES
    try:
        parts = urlsplit("//" + rest)
        return parts.hostname, parts.port or port, tls
    except ValueError:
        return None, port, tls


def subscription(opts: MqttEvents, phone: dict[str, Any], device: str) -> Subscription:
    """The broker and topic to take ``device``'s events from: the options, else what the
    phone's MQTT settings (``phone``, possibly empty) say."""
    phone_host, phone_port, phone_tls = _phone_broker(phone)
    host = opts.host or phone_host
    if not host:
        raise NoBroker("no broker: set mqtt.host, or the phone's mqttBrokerUrl")
    prefix = opts.topic_prefix or phone.get("mqttTopicPrefix") or "ipcamera"
    if not isinstance(prefix, str) or any(c in prefix for c in "+#"):
        raise NoBroker("the phone's mqttTopicPrefix is not a topic")
    if opts.tls is not None:
        tls: ssl.SSLContext | None = client_context(
            opts.tls.ca, opts.tls.cert, opts.tls.key, opts.tls.insecure
        )
    else:  # what the phone does, verified: camhub accepts a self-signed broker only if told
        tls = client_context() if phone_tls else None
    username = opts.username or phone.get("mqttUsername") or None
    return Subscription(
        host=host,
        port=opts.port or phone_port or (8883 if tls else 1883),
        topic=f"{prefix.strip('/')}/event",
        client_id=opts.client_id or f"camhub-{device}"[:64],
        keepalive=opts.keepalive,
        tls=tls,
        insecure=opts.tls is not None and opts.tls.insecure,
        username=username if isinstance(username, str) else None,
        password=opts.password.get_secret_value() if opts.password else None,
    )


async def subscribe(opts: MqttEvents, transport: IpCameraTransport) -> Subscription | None:
    """The subscription for the options, completed from ``GET /api/mqtt/settings`` when
    they leave something out; None (logged) when no broker can be named."""
    device = transport.device
    phone: dict[str, Any] = {}
    if opts.host is None or opts.topic_prefix is None or opts.port is None:
        try:
            answer = await transport.request("GET", "/api/mqtt/settings")
            phone = expect_dict(answer, "mqtt settings", device)
        except CamhubError as exc:  # e.g. no Pro license: the options must say it all
            log.warning("%s: cannot read the phone's MQTT settings (%s)", device, exc.message)
    if phone.get("mqttEnabled") is False:
        log.warning("%s: the phone's MQTT client is off (mqttEnabled false)", device)
    try:
        return subscription(opts, phone, device)
    except NoBroker as exc:
        log.warning("%s: no events over MQTT: %s", device, exc)
        return None


class MqttFeed:
    def __init__(
        self,
        sub: Subscription,
        device: str,
        on_event: Callable[[dict[str, Any]], None],
        on_reconnect: Callable[[], Awaitable[None]] | None = None,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.sub = sub
        self.device = device
        self.on_event = on_event
        self.on_reconnect = on_reconnect  # after every connection but the first
        self.on_change = on_change  # connected or disconnected
        self.connected = asyncio.Event()
        self.connections = 0
        self.received = 0
        self.dropped = 0
        self._task: asyncio.Task[None] | None = None
        self._logged: set[str] = set()  # kinds of bad payload or bug already logged

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"ipcamera-mqtt-{self.device}"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        self.connected.clear()

    def _client(self) -> aiomqtt.Client:
        s = self.sub
        return aiomqtt.Client(
            s.host,
            s.port,
            identifier=s.client_id,
            username=s.username,
            password=s.password,
            keepalive=s.keepalive,
            tls_context=s.tls,
            tls_insecure=True if s.insecure else None,
            clean_session=False,
            timeout=CONNECT_TIMEOUT,
            max_queued_incoming_messages=QUEUE,
        )

    async def _run(self) -> None:
        delay = FIRST_DELAY
        quiet = False  # one log line per outage, not one per attempt
        while True:
            try:
                s = self.sub
                if s.tls is not None:
                    await check_handshake(s.host, s.port, s.tls, CONNECT_TIMEOUT)
                async with self._client() as client:
                    await client.subscribe(self.sub.topic, qos=1)
                    self.connections += 1
                    self.connected.set()
                    self.on_change()
                    delay = FIRST_DELAY
                    if quiet:
                        log.warning("%s: MQTT events from %s again", self.device, self.sub.broker)
                        quiet = False
                    if self.connections > 1 and self.on_reconnect is not None:
                        await self._catch_up()
                    async for message in client.messages:
                        self._take(message.payload)
                problem = "disconnected"
            except (aiomqtt.MqttError, OSError) as exc:  # refused, TLS, timeouts too
                problem = str(exc)[:200] or type(exc).__name__
            except Exception:  # a bug must not end the feed while the device looks fine
                problem = "an unexpected error"
                if "bug" not in self._logged:
                    self._logged.add("bug")
                    log.exception("%s: the MQTT event feed failed", self.device)
            finally:
                if self.connected.is_set():
                    self.connected.clear()
                    if self._task is not None:  # not stopping: tell the device
                        self.on_change()
            if not quiet:
                log.warning(
                    "%s: no MQTT events from %s (%s); retrying",
                    self.device,
                    self.sub.broker,
                    problem,
                )
                quiet = True
            await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, MAX_DELAY)

    async def _catch_up(self) -> None:
        assert self.on_reconnect is not None
        try:
            await self.on_reconnect()
        except CamhubError as exc:
            log.warning("%s: %s", self.device, exc.message)

    def _take(self, payload: Any) -> None:
        self.received += 1
        if not isinstance(payload, bytes) or len(payload) > MAX_PAYLOAD:
            self._drop("too large", f"an MQTT event over {MAX_PAYLOAD} bytes")
            return
        try:
            data = json.loads(payload)
        except ValueError:
            self._drop("json", "an MQTT event that is not JSON")
            return
        if not isinstance(data, dict):
            self._drop("object", "an MQTT event that is not a JSON object")
            return
        try:
            self.on_event(data)
        except Exception:  # a bug in the handler must not end the feed
            self.dropped += 1
            if "bug" not in self._logged:
                self._logged.add("bug")
                log.exception("%s: an MQTT event could not be handled", self.device)

    def _drop(self, kind: str, what: str) -> None:
        self.dropped += 1
        if kind not in self._logged:
            self._logged.add(kind)
            log.warning("%s: %s was dropped (further ones are not logged)", self.device, what)
