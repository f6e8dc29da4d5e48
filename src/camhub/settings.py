"""How to run camhub: the config plus what the command line decided."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from camhub.config import Config


@dataclass
class AppSettings:
    """How to run: the config plus what the command line decided."""

    config: Config
    config_path: Path | None = None
    tls: bool = True
    https_port: int = 8443
    http_port: int | None = 8080
    rtsp_port: int | None = None  # camhub's RTSP server (``camhub serve`` sets it)
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
