"""What every driver implements, and what the hub gives it.

A driver is a :class:`Device` subclass registered for one ``kind``. It declares the
capabilities it has (:attr:`Device.capabilities`, possibly refined in
:meth:`Device.connect`), and implements the methods of those capabilities; every
other capability method raises :class:`~camhub.errors.Unsupported`.

Layers inside a driver package: transport (bytes, crypto, session) -> protocol
(envelope, vendor error codes) -> device (state, capability methods).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import aiohttp

from camhub.capabilities import Capability
from camhub.config import DeviceConfig
from camhub.errors import Unsupported


def now_ms() -> int:
    return int(time.time() * 1000)


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


@dataclass(frozen=True)
class HttpSource:
    """Where a media stream (MJPEG, JPEG, WAV) is fetched from, and how."""

    url: str = field(repr=False)  # may carry a token in its query
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    auth: aiohttp.BasicAuth | None = field(default=None, repr=False)
    digest: tuple[str, str] | None = field(default=None, repr=False)  # (user, password)
    verify_tls: bool = False

    def __repr__(self) -> str:
        return f"HttpSource({self.url.split('?', 1)[0]!r})"


@dataclass(frozen=True)
class RtspSource:
    """An H.264 stream over RTSP; the credentials travel apart from the URL.

    ``url`` is ``rtsp://host[:port]/path`` without userinfo; the reader adds the
    login itself, so no log line or error message can show it.
    """

    url: str = field(repr=False)
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        rest = self.url.split("://", 1)[-1]
        host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        return f"RtspSource('rtsp://{host}/...')"


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


PtzDirection = Literal["left", "right", "up", "down"]


class Device:
    """Base class of every driver. Subclasses set ``kind`` and ``capabilities``."""

    kind: ClassVar[str] = ""
    poll_interval: ClassVar[float] = 15.0

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        self.config = config
        self.ctx = ctx
        self.name = config.name
        self.model: str = config.model or ""
        self.capabilities: set[Capability] = set(type(self).default_capabilities())
        self.state: dict[str, Any] = {}

    @classmethod
    def default_capabilities(cls) -> set[Capability]:
        return set()

    @classmethod
    def check_config(cls, config: DeviceConfig) -> None:
        """Validate driver-specific settings (``options``); raise ConfigError naming
        ``devices.<name>.options.<key>``. Called by check-config, start and reload."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.config.host}>"

    # lifecycle ---------------------------------------------------------------
    async def connect(self) -> None:
        """Log in / handshake and learn the model and capabilities. Raise on failure."""

    async def close(self) -> None:
        """Release sessions and tasks. Must not raise."""

    async def poll(self) -> dict[str, Any]:
        """Read the current state (JSON-able). Called by the coordinator."""
        return {}

    async def list_children(self) -> list[Device]:
        """Child devices (power-strip sockets, a tinyCam server's cameras)."""
        raise self._unsupported(Capability.CHILDREN)

    async def handle_hook(self, query: dict[str, str], body: bytes) -> None:
        """A call-back from the device arrived at its hook URL."""
        raise self._unsupported(Capability.EVENTS)

    def _unsupported(self, cap: Capability | str) -> Unsupported:
        return Unsupported(f"{self.name} does not support {cap}", device=self.name)

    # capabilities --------------------------------------------------------------
    async def set_power(self, on: bool) -> None:
        raise self._unsupported(Capability.POWER)

    async def set_brightness(self, level: int) -> None:
        """1..100 percent."""
        raise self._unsupported(Capability.BRIGHTNESS)

    async def set_color(self, hue: int, saturation: int) -> None:
        """hue 0..360, saturation 0..100."""
        raise self._unsupported(Capability.COLOR)

    async def set_color_temp(self, kelvin: int) -> None:
        raise self._unsupported(Capability.COLOR_TEMP)

    async def list_effects(self) -> list[str]:
        raise self._unsupported(Capability.EFFECTS)

    async def set_effect(self, name: str | None) -> None:
        """Start a lighting effect by name; None stops it."""
        raise self._unsupported(Capability.EFFECTS)

    async def get_energy(self) -> dict[str, Any]:
        """At least ``current_power_w``, ``today_energy_wh``, ``month_energy_wh``."""
        raise self._unsupported(Capability.ENERGY)

    async def get_energy_history(
        self, interval: Literal["hourly", "daily", "monthly"], start: int, end: int
    ) -> list[dict[str, Any]]:
        """Buckets ``{"timestamp": ms, "energy_wh": n}`` between start and end (ms)."""
        raise self._unsupported(Capability.ENERGY)

    async def ptz_step(self, direction: PtzDirection) -> None:
        raise self._unsupported(Capability.PTZ)

    async def ptz_move(self, x: int, y: int) -> None:
        """Relative move in the device's own step units."""
        raise self._unsupported(Capability.PTZ)

    async def ptz_home(self) -> None:
        raise self._unsupported(Capability.PTZ)

    async def ptz_stop(self) -> None:
        raise self._unsupported(Capability.PTZ)

    async def list_presets(self) -> list[dict[str, Any]]:
        """``[{"id": str, "name": str}]``."""
        raise self._unsupported(Capability.PRESETS)

    async def save_preset(self, name: str) -> str:
        """Save the current position; return the new preset's id."""
        raise self._unsupported(Capability.PRESETS)

    async def goto_preset(self, preset_id: str) -> None:
        raise self._unsupported(Capability.PRESETS)

    async def delete_preset(self, preset_id: str) -> None:
        raise self._unsupported(Capability.PRESETS)

    async def snapshot(self) -> bytes:
        """A fresh JPEG still at the camera's native size."""
        raise self._unsupported(Capability.SNAPSHOT)

    async def stream_source(self) -> HttpSource | RtspSource:
        """Where to read the stream (MJPEG over HTTP, or H.264 over RTSP); called on
        every (re)connect. A driver with a lower-resolution stream may also define
        ``async def substream_source(self) -> RtspSource | HttpSource | None``, used
        for decoding (motion detection, small pictures) when it suffices."""
        raise self._unsupported(Capability.STREAM)

    async def audio_source(self) -> HttpSource:
        """Where to read audio (WAV)."""
        raise self._unsupported(Capability.AUDIO)

    async def set_privacy(self, on: bool) -> None:
        raise self._unsupported(Capability.PRIVACY)

    async def set_led(self, on: bool) -> None:
        raise self._unsupported(Capability.LED)

    async def set_light(self, on: bool) -> None:
        """Lamp, torch or IR light."""
        raise self._unsupported(Capability.LIGHT)

    async def get_motion_detection(self) -> dict[str, Any]:
        raise self._unsupported(Capability.MOTION_DETECTION)

    async def set_motion_detection(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Keys: ``enabled`` (bool), ``sensitivity`` (1..10), and driver extras
        (``windows`` for Sercomm). Returns the new configuration."""
        raise self._unsupported(Capability.MOTION_DETECTION)

    async def set_armed(self, on: bool) -> None:
        raise self._unsupported(Capability.ARM)

    async def get_settings(self) -> dict[str, Any]:
        raise self._unsupported(Capability.SETTINGS)

    async def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply changes; raise InvalidArgument(errors=[...]) on invalid ones."""
        raise self._unsupported(Capability.SETTINGS)

    async def reboot(self) -> None:
        raise self._unsupported(Capability.REBOOT)

    async def raw(self, request: Any) -> Any:
        """Send a vendor request as is; return the vendor's answer."""
        raise self._unsupported(Capability.RAW)
