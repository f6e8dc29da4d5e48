"""What each part of the app may use of it: narrow ports, not the emulator.

:class:`~camhub.sim.ipcamera.emulator.IpCameraEmulator` satisfies every protocol
here; the access middleware, the routes, the services, the WebSocket hub and the RTSP
server each name the one they need, so none of their modules imports the emulator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from camhub.sim.base import SimOptions
from camhub.sim.ipcamera.auth import Auth
from camhub.sim.ipcamera.events import EventLog
from camhub.sim.ipcamera.settings import Settings
from camhub.sim.video import VideoSource

Message = dict[str, Any]
Reply = Callable[[Message], Awaitable[None]]


class SettingsHost(Protocol):
    @property
    def settings(self) -> Settings: ...

    async def apply_settings(self, changes: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Validate and apply; tell every WebSocket client. (changed, errors)."""
        ...


class AccessHost(Protocol):
    """What the access middleware checks a request against."""

    @property
    def opts(self) -> SimOptions: ...

    @property
    def port(self) -> int:
        """The HTTPS port (plain HTTP requests are sent there)."""
        ...

    @property
    def reverse_proxy(self) -> bool: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def auth(self) -> Auth: ...


class RoutesHost(SettingsHost, Protocol):
    """What the HTTP routes use."""

    stream_clients: int  # MJPEG viewers now

    @property
    def auth(self) -> Auth: ...

    @property
    def events(self) -> EventLog: ...

    @property
    def camera_running(self) -> bool: ...

    @property
    def capture_jpeg(self) -> bytes | None:
        """The last high-resolution capture, None before the first."""
        ...

    @property
    def cert_path(self) -> Path: ...

    def regenerate_certificate(self) -> None: ...

    def fault(self, name: str) -> bool: ...

    def frame(self, quality: int | None = None) -> bytes:
        """A JPEG of the camera now, at the settings' size."""
        ...

    def status(self) -> dict[str, Any]: ...

    def capabilities(self) -> dict[str, Any]: ...


class WsHost(Protocol):
    """What the WebSocket hub uses."""

    @property
    def auth(self) -> Auth: ...

    @property
    def settings(self) -> Settings: ...

    def fault(self, name: str) -> bool: ...

    def capabilities(self) -> dict[str, Any]: ...

    def state_snapshot(self) -> list[Message]:
        """What a client gets right after authenticating."""
        ...

    def capture(self, reply: Reply) -> Message | None:
        """Start a capture (``reply`` gets ``capture_ready``), or the refusal now."""
        ...

    async def set_camera_running(self, on: bool) -> None: ...

    async def settings_applied(self, changed: dict[str, Any]) -> None:
        """What follows a change (RTSP and MQTT switched, the picture updated)."""
        ...


class RtspHost(Protocol):
    """What the RTSP server uses."""

    @property
    def opts(self) -> SimOptions: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def video(self) -> VideoSource: ...
