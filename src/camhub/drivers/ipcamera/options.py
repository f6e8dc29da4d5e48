"""The settings of an ``ipcamera`` device entry (under ``options:`` or at its top level).

``rtsp``  the account of the phone's RTSP server (its ``rtspUsername`` and password),
          when one is set: camhub then reads its H.264 instead of MJPEG.
``mqtt``  take detection events from the broker the phone's own MQTT client publishes
          to (``<prefix>/event``), as well as from its WebSocket (``events: both``, the
          default; each event is kept once) or instead of it (``events: mqtt``; the
          WebSocket still carries state). Every key but ``password`` may be left out:
          the phone's ``GET /api/mqtt/settings`` gives the broker's host and port, its
          TLS switch, its topic prefix and the username (never its password). TLS to
          the broker is verified unless ``tls: {insecure: true}``. When no broker can
          be named, the WebSocket's events are kept (and the reason logged).

This is the driver's ``options_model``: the registry checks it when the config is
loaded, so a bad value is a :class:`~camhub.errors.ConfigError` naming
``devices.<n>.options.<key>``, never a crash at start-up.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from camhub.config import MqttTls

TOPIC = r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$"


class RtspAccount(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=128)


class MqttEvents(BaseModel):
    """The broker the phone publishes to; None: what the phone's settings say."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str | None = Field(None, min_length=1, max_length=253)
    port: int | None = Field(None, ge=1, le=65535)
    tls: MqttTls | None = Field(
        None, description="None: plain, or verified TLS when the phone uses TLS"
    )
    username: str | None = Field(None, max_length=256)
    password: SecretStr | None = Field(None, max_length=256)
    topic_prefix: str | None = Field(None, pattern=TOPIC, max_length=128)
    client_id: str | None = Field(
        None, min_length=1, max_length=64, description="default camhub-<device name>"
    )
    keepalive: int = Field(30, ge=5, le=600)
    events: Literal["both", "mqtt"] = "both"


class IpCameraOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rtsp: RtspAccount | None = None
    mqtt: MqttEvents | None = None
