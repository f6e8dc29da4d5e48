"""The configuration file: one schema for YAML and JSON, plus tapo-rest's format.

Unknown keys are refused. Any string may be ``${ENV_VAR}``; it is replaced by the
variable's value before validation (a missing variable is an error naming the field).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from camhub.errors import ConfigError

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TlsConfig(_Model):
    cert: Path | None = None
    key: Path | None = None

    @model_validator(mode="after")
    def _both_or_none(self) -> TlsConfig:
        if (self.cert is None) != (self.key is None):
            raise ValueError("give both cert and key, or neither for a self-signed certificate")
        return self


class ServerConfig(_Model):
    host: str = "0.0.0.0"
    https_port: int = Field(8443, ge=1, le=65535)
    http_port: int | None = Field(8080, ge=1, le=65535)
    rtsp_port: int | None = Field(8554, ge=1, le=65535, description="camhub's RTSP server")
    data_dir: Path = Path("./camhub-data")
    tls: TlsConfig | Literal[False] = Field(default_factory=TlsConfig)
    trust_forwarded_proto: bool = False
    api_keys: list[SecretStr] = Field(default_factory=list, description="tapo-rest bearer keys")
    max_body_bytes: int = Field(1_048_576, ge=1024)
    max_connections: int = Field(
        1000, ge=10, le=100_000, description="open connections per listener; past it, 503"
    )
    hook_base_url: str | None = Field(
        None, description="URL devices use to call camhub back (e.g. http://192.168.1.2:8080)"
    )

    @model_validator(mode="before")
    @classmethod
    def _tapo_rest_api_keys(cls, data: Any) -> Any:
        """tapo-rest writes API keys as ``{"name": ..., "key": ...}``; keep the key."""
        if isinstance(data, dict) and isinstance(data.get("api_keys"), list):
            keys = [
                k["key"] if isinstance(k, dict) and set(k) <= {"name", "key"} and "key" in k else k
                for k in data["api_keys"]
            ]
            data = {**data, "api_keys": keys}
        return data


class UserConfig(_Model):
    username: Name
    password: SecretStr = Field(min_length=1)
    role: Literal["admin", "guest"] = "guest"


class MotionConfig(_Model):
    """camhub's own motion detection for a camera that has none."""

    enabled: bool = True
    fps: float = Field(3.0, gt=0, le=15)
    sensitivity: int = Field(5, ge=1, le=10)
    min_area: float = Field(0.01, gt=0, le=1, description="fraction of the frame")
    cooldown: float = Field(10.0, ge=0)
    masks: list[tuple[float, float, float, float]] = Field(
        default_factory=list, description="regions ignored, as x, y, w, h fractions"
    )


class RecordConfig(_Model):
    """One camera's recording (docs/recording.md); retention None: the global value."""

    mode: Literal["off", "events", "continuous"] = "events"
    pre_seconds: float = Field(5.0, ge=0, le=60, description="kept before an event")
    post_seconds: float = Field(10.0, ge=0, le=600, description="recorded after the last event")
    segment_seconds: float = Field(10.0, ge=2, le=600, description="continuous segment length")
    retain_days: float | None = Field(None, gt=0, le=3650)
    max_gb: float | None = Field(None, gt=0, description="this camera's share of the disk")


class RecordingConfig(_Model):
    """Where recordings go and how long they stay (docs/recording.md)."""

    dir: Path | None = Field(None, description="null: <data_dir>/recordings")
    retain_days: float = Field(7.0, gt=0, le=3650)
    max_gb: float | None = Field(None, gt=0, description="all cameras together")
    min_free_gb: float = Field(1.0, ge=0, description="oldest recordings go below this")


class DeviceConfig(_Model):
    """One device. Keys other than these belong to its driver (``options`` or the top
    level, e.g. ``stream_url``): the driver's options model checks them by name."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: Name
    kind: str = Field("", max_length=64, description="driver kind; empty: from device_type")
    host: str | None = Field(None, validation_alias=AliasChoices("host", "ip_addr"))
    port: int | None = Field(None, ge=1, le=65535)
    username: str | None = None
    password: SecretStr | None = None
    model: str | None = Field(None, validation_alias=AliasChoices("model", "device_type"))
    tls: bool | None = None
    login: Literal["auto", "legacy", "secure", "tpap"] = "auto"
    poll_interval: float | None = Field(None, gt=0, le=3600)
    timeout: float = Field(10.0, gt=0, le=120)
    motion: MotionConfig | None = None
    record: RecordConfig | None = None
    options: dict[str, Any] = Field(default_factory=dict, description="driver-specific extras")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str, info: ValidationInfo) -> str:
        """With a kind check in the validation context (the driver registry's), an
        unknown kind is reported with the other problems of the file."""
        check = (info.context or {}).get("kinds")
        return check(kind, None) if kind and callable(check) else kind

    @model_validator(mode="after")
    def _kind_from_model(self, info: ValidationInfo) -> DeviceConfig:
        """A tapo-rest ``device_type`` names the kind through the driver registry."""
        check = (info.context or {}).get("kinds")
        if not self.kind and callable(check):
            self.kind = check(self.kind, self.model)
        return self

    def __repr_args__(self) -> Any:
        """Declared fields only: driver extras and options may hold secrets."""
        for key, value in super().__repr_args__():
            if key in type(self).model_fields and key != "options":
                yield key, value


class MqttTls(_Model):
    ca: Path | None = Field(None, description="CA bundle to verify the broker with")
    cert: Path | None = Field(None, description="client certificate (mutual TLS)")
    key: Path | None = None
    insecure: bool = Field(False, description="accept any certificate (self-signed)")

    @model_validator(mode="after")
    def _cert_and_key(self) -> MqttTls:
        if (self.cert is None) != (self.key is None):
            raise ValueError("give both cert and key, or neither")
        return self


class MqttConfig(_Model):
    """The MQTT bridge (docs/mqtt.md)."""

    host: str = Field(min_length=1)
    port: int = Field(1883, ge=1, le=65535)
    tls: MqttTls | None = None
    username: str | None = None
    password: SecretStr | None = None
    client_id: str = Field("camhub", min_length=1, max_length=64)
    topic_prefix: str = Field("camhub", pattern=r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")
    discovery_prefix: str | None = Field(
        "homeassistant", pattern=r"^[A-Za-z0-9_\-]+$", description="null: no discovery"
    )
    snapshot_interval: float | None = Field(None, ge=1, le=86400, description="seconds")
    commands: list[Name] | Literal["all"] = Field(
        "all", description="devices that accept commands over MQTT"
    )
    keepalive: int = Field(30, ge=5, le=600)


class TapoCredentials(_Model):
    email: str
    password: SecretStr


class Config(_Model):
    server: ServerConfig = Field(default_factory=ServerConfig)
    store: str | None = None
    users: list[UserConfig] = Field(default_factory=list)
    devices: list[DeviceConfig] = Field(default_factory=list)
    mqtt: MqttConfig | None = None
    recording: RecordingConfig = Field(default_factory=RecordingConfig)
    tapo_credentials: TapoCredentials | None = None
    server_password: SecretStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _tapo_rest_server_password(cls, data: Any) -> Any:
        """tapo-rest's newer files put the password at ``server.password``."""
        server = data.get("server") if isinstance(data, dict) else None
        if isinstance(server, dict) and "password" in server and "server_password" not in data:
            rest = {k: v for k, v in server.items() if k != "password"}
            data = {**data, "server": rest, "server_password": server["password"]}
        return data

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        for what, names in (
            ("devices", [d.name for d in self.devices]),
            ("users", [u.username for u in self.users]),
        ):
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{what}: duplicate names {', '.join(dupes)}")
        return self

    def effective_users(self) -> list[UserConfig]:
        """Configured users, plus tapo-rest's ``server_password`` as user ``admin``."""
        users = list(self.users)
        if self.server_password is not None and not any(u.username == "admin" for u in users):
            users.append(UserConfig(username="admin", password=self.server_password, role="admin"))
        return users

    def device_credentials(
        self, device: DeviceConfig, cloud_account: bool = False
    ) -> tuple[str | None, str | None]:
        """Username and password for a device: its own, else (for a driver that takes a
        vendor account) tapo-rest's ``tapo_credentials``."""
        user = device.username
        pw = device.password.get_secret_value() if device.password else None
        if self.tapo_credentials is not None and cloud_account:
            user = user or self.tapo_credentials.email
            pw = pw or self.tapo_credentials.password.get_secret_value()
        return user, pw


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(value: Any, path: str, problems: list[str]) -> Any:
    if isinstance(value, str):

        def sub(m: re.Match[str]) -> str:
            var = m.group(1)
            if var not in os.environ:
                problems.append(f"{path}: environment variable {var} is not set")
                return ""
            return os.environ[var]

        return _ENV.sub(sub, value)
    if isinstance(value, dict):
        return {
            k: _expand(v, f"{path}.{k}" if path else str(k), problems) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_expand(v, f"{path}.{i}", problems) for i, v in enumerate(value)]
    return value


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(root)"


# (kind, model) -> the kind, or ValueError naming the known kinds (the driver registry's)
KindCheck = Callable[[str, str | None], str]


def parse_config(data: Any, kinds: KindCheck | None = None) -> Config:
    """Validate already-parsed data; raise ConfigError listing every problem."""
    problems: list[str] = []
    data = _expand(data, "", problems)
    if problems:
        raise ConfigError(problems)
    try:
        return Config.model_validate(data, context={"kinds": kinds})
    except ValidationError as exc:
        raise ConfigError(
            [f"{_loc(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)]
        ) from None


def load_config(path: Path | str, kinds: KindCheck | None = None) -> Config:
    """Read a YAML or JSON config file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{p}: cannot read ({exc.strerror})"]) from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ConfigError([f"(file): not valid JSON: {exc.msg} at line {exc.lineno}"]) from None
    except yaml.YAMLError as exc:
        # Never quote the offending line: it may hold a password.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError([f"(file): not valid YAML: {problem}{where}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(["(root): the config must be a mapping"])
    return parse_config(data, kinds)
