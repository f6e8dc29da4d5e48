"""Where the app's MQTT client connects: its settings read into one broker address.

``mqttBrokerUrl`` is a host name or address, or a URL: ``tcp://`` and ``mqtt://`` are
plain, ``ssl://``, ``tls://`` and ``mqtts://`` turn TLS on; a port in the URL wins over
``mqttPort``. TLS verifies the broker's certificate against the system's CAs unless
``mqttAcceptSelfSigned``. The emulator only dials brokers on loopback (like its
``/api/mqtt/test``): anything else is refused with a clear reason.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from camhub.sim.ipcamera.settings import Settings
from camhub.tls import check_handshake, client_context

PLAIN = frozenset({"", "tcp", "mqtt"})
SECURE = frozenset({"ssl", "tls", "mqtts"})
HANDSHAKE_TIMEOUT = 5.0


class BrokerProblem(ValueError):
    """The settings name no broker the client can dial; the message says why."""


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool
    accept_self_signed: bool
    client_id: str
    prefix: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def tls_context(self) -> ssl.SSLContext | None:
        return client_context(insecure=self.accept_self_signed) if self.tls else None

    async def check_tls(self) -> None:
        """One handshake with the client's context first (see :func:`check_handshake`)."""
        ctx = self.tls_context()
        if ctx is not None:
            await check_handshake(self.host, self.port, ctx, HANDSHAKE_TIMEOUT)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def broker_of(settings: Settings) -> Broker:
    """The broker the settings name; :class:`BrokerProblem` when there is none."""
    url = str(settings["mqttBrokerUrl"]).strip()
    if not url:
        raise BrokerProblem("Broker URL not configured")
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    scheme = scheme.lower()
    if scheme not in PLAIN | SECURE:
        raise BrokerProblem(f"Unsupported broker URL scheme {scheme!r}")
    try:
        parts = urlsplit("//" + rest)
        port = parts.port or int(settings["mqttPort"])
    except ValueError:
        raise BrokerProblem("Invalid broker URL") from None
    host = parts.hostname
    if not host:
        raise BrokerProblem("Invalid broker URL")
    if not _loopback(host):
        raise BrokerProblem(f"Cannot connect to {host}:{port} (the emulator dials loopback only)")
    prefix = str(settings["mqttTopicPrefix"]).strip("/") or "ipcamera"
    if "+" in prefix or "#" in prefix:
        raise BrokerProblem("Topic prefix must not contain + or #")
    return Broker(
        host=host,
        port=port,
        tls=scheme in SECURE or bool(settings["mqttUseTls"]),
        accept_self_signed=bool(settings["mqttAcceptSelfSigned"]),
        client_id=str(settings["mqttClientId"]) or "ipcamera",
        prefix=prefix,
        username=settings.mqtt_username or None,
        password=settings.mqtt_password or None,
    )
