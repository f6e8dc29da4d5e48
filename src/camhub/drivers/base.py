"""What every driver is, and what the hub gives it.

A driver is a :class:`Device` subclass registered for one or more ``kind`` values
(:func:`camhub.drivers.register`). It has a capability exactly when it implements that
capability's interface (the methods its :class:`~camhub.capabilities.Spec` lists);
:meth:`Device.connect` may narrow the set to what the device at hand really has
(``self.capabilities = ...``), never widen it. There are no stub methods: a device
without PTZ simply has no ``ptz_step``.

``poll()`` returns a :class:`~camhub.capabilities.DeviceState`: one typed state per
capability (the same shape for every vendor) and the vendor's extras under ``vendor``.

Layers inside a driver package: transport (bytes, crypto, session) -> protocol
(envelope, vendor error codes) -> device (state, capability methods).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar, cast, runtime_checkable

import aiohttp
from pydantic import BaseModel

from camhub.capabilities import Capability, DeviceState, implemented
from camhub.clock import now_ms
from camhub.config import DeviceConfig
from camhub.errors import Unsupported

P = TypeVar("P")


def slugify(text: str) -> str:
    """A name fit for a device name part: lowercase ASCII letters, digits and '-'.

    Accents are folded ("Café" -> "cafe", "Straße" -> "strasse"); every other run of
    characters becomes one '-'. Empty when nothing is left (callers pick a fallback).
    """
    folded = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


@dataclass(frozen=True)
class EventIn:
    """An event a driver reports; the hub stamps the device name and stores it."""

    type: str  # lowercase: motion, person, vehicle, pet, face, sound, ...
    data: dict[str, Any] = field(default_factory=dict)
    timestamp: int = field(default_factory=now_ms)  # ms since the epoch
    # The child device the event belongs to (a tinyCam server's camera); None: the
    # device that reports it.
    device: str | None = None


@dataclass
class DeviceContext:
    """What the hub hands each device: shared client, event sink, callbacks."""

    http: aiohttp.ClientSession
    emit: Callable[[EventIn], None]
    data_dir: Path
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # Absolute URL a device may call back (Sercomm HTTP notify); None when unknown.
    hook_url: str | None = field(default=None, repr=False)
    on_state: Callable[[], None] = lambda: None  # call after a pushed state change
    options: BaseModel | None = None  # the driver's validated options model


class Device:
    """Base class of every driver. Subclasses set ``kind`` and implement interfaces."""

    kind: ClassVar[str] = ""
    manufacturer: ClassVar[str] = ""  # who makes the device (Home Assistant's registry)
    poll_interval: ClassVar[float] = 15.0
    # The driver's own settings (``options:`` and any extra top-level device keys),
    # validated up front with field paths; None: the driver takes none.
    options_model: ClassVar[type[BaseModel] | None] = None
    # Does the device need ``host``? (a URL-only camera does not)
    needs_host: ClassVar[bool] = True
    # Does the device take the config's vendor account (tapo-rest's tapo_credentials)?
    cloud_account: ClassVar[bool] = False
    # Models this driver drives, for config files that name a model instead of a kind
    # (tapo-rest's ``device_type``).
    models: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        self.config = config
        self.ctx = ctx
        self.name = config.name
        self.model: str = config.model or ""
        self._capabilities: frozenset[Capability] = implemented(type(self))
        self.state = DeviceState()

    @property
    def capabilities(self) -> frozenset[Capability]:
        return self._capabilities

    @capabilities.setter
    def capabilities(self, caps: set[Capability] | frozenset[Capability]) -> None:
        extra = set(caps) - implemented(type(self))
        if extra:
            raise TypeError(f"{type(self).__name__} does not implement {sorted(extra)}")
        self._capabilities = frozenset(caps)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.config.host}>"

    def need(self, cap: Capability, interface: type[P]) -> P:
        """This device seen through one capability's interface, or 422 Unsupported.

        ``plug.need(Capability.POWER, PowerDriver).set_power(True)``: how the layers
        above drivers (routes, compat, MQTT) call a capability with types checked."""
        if cap not in self.capabilities:
            raise Unsupported(
                f"{self.name} does not support {cap}", device=self.name, capability=str(cap)
            )
        return cast(P, self)

    # lifecycle ---------------------------------------------------------------
    async def connect(self) -> None:
        """Log in / handshake and learn the model and capabilities. Raise on failure."""

    async def close(self) -> None:
        """Release sessions and tasks. Must not raise."""

    async def poll(self) -> DeviceState:
        """Read the current state. Called by the coordinator."""
        return DeviceState()

    @classmethod
    def check_config(cls, config: DeviceConfig) -> None:
        """Checks beyond :attr:`options_model` (raise ConfigError naming
        ``devices.<name>...``). Called by check-config, start and reload."""

    @property
    def options(self) -> Any:
        """The validated :attr:`options_model` instance (None without one)."""
        return self.ctx.options


@runtime_checkable
class HookReceiver(Protocol):
    """A device that calls camhub back (HTTP notify) at its hook URL."""

    async def handle_hook(self, query: dict[str, str], body: bytes) -> None: ...
