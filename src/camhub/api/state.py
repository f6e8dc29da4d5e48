"""Everything the lifespan owns, reachable from requests as ``app.state.camhub``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import aiohttp

from camhub.auth.service import AuthService
from camhub.config import Config
from camhub.hub.hub import Hub
from camhub.service import Camhub
from camhub.settings import AppSettings

if TYPE_CHECKING:
    from camhub.api.metrics import Metrics
    from camhub.mqtt import MqttBridge
    from camhub.rtsp import CamhubRtsp
    from camhub.store import Store
    from camhub.streams import StreamHub


@dataclass
class AppState:
    """What requests reach as ``app.state.camhub``: the service and the API's own parts."""

    service: Camhub
    metrics: Metrics
    started_at: float = 0.0
    tls_reloaders: list[Callable[[], None]] = field(default_factory=list)
    ws_clients: int = 0
    tls_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    mqtt: MqttBridge | None = None
    rtsp: CamhubRtsp | None = None  # camhub's RTSP server, when it runs

    @property
    def settings(self) -> AppSettings:
        return self.service.settings

    @property
    def http(self) -> aiohttp.ClientSession:
        return self.service.http

    @property
    def store(self) -> Store:
        return self.service.store

    @property
    def auth(self) -> AuthService:
        return self.service.auth

    @property
    def hub(self) -> Hub:
        return self.service.hub

    @property
    def streams(self) -> StreamHub:
        return self.service.streams

    @property
    def config(self) -> Config:
        return self.service.config
