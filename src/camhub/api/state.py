"""Everything the lifespan owns, reachable from requests as ``app.state.camhub``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp

from camhub.auth.service import AuthService
from camhub.config import Config
from camhub.hub.hub import Hub

if TYPE_CHECKING:
    from camhub.api.metrics import Metrics
    from camhub.store import Store
    from camhub.streams import StreamHub


@dataclass
class AppSettings:
    """How to run: the config plus what the command line decided."""

    config: Config
    config_path: Path | None = None
    tls: bool = True
    https_port: int = 8443
    http_port: int | None = 8080
    # URL devices use to call camhub back (Sercomm HTTP notify); derived when None.
    hook_base_url: str | None = None

    @property
    def data_dir(self) -> Path:
        return self.config.server.data_dir

    @property
    def cert_path(self) -> Path:
        tls = self.config.server.tls
        if tls is not False and tls.cert is not None:
            return tls.cert
        return self.data_dir / "tls" / "cert.pem"

    @property
    def key_path(self) -> Path:
        tls = self.config.server.tls
        if tls is not False and tls.key is not None:
            return tls.key
        return self.data_dir / "tls" / "key.pem"

    @property
    def self_signed(self) -> bool:
        tls = self.config.server.tls
        return tls is not False and tls.cert is None


@dataclass
class AppState:
    settings: AppSettings
    http: aiohttp.ClientSession
    store: Store
    auth: AuthService
    hub: Hub
    streams: StreamHub
    metrics: Metrics
    started_at: float = 0.0
    tls_reloaders: list[Callable[[], None]] = field(default_factory=list)
    ws_clients: int = 0
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    tls_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def config(self) -> Config:
        return self.hub.config
