"""What the routes and the RTSP server may use of the camera: narrow ports.

:class:`~camhub.sim.sercomm.emulator.SercommEmulator` satisfies every protocol here;
each module that serves part of the camera names the one it needs, so none of them
imports the emulator. Also here: the request key under which the emulator's auth
middleware leaves the caller's role for the routes.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Literal, Protocol

from aiohttp import web

from camhub.sim.base import SimOptions
from camhub.sim.sercomm.groups import Model
from camhub.sim.video import VideoSource

Role = Literal["admin", "viewer"]
ROLE = web.RequestKey("sercomm_role", str)


class GroupsHost(Protocol):
    """The model and its configuration groups (changed in place, never replaced)."""

    @property
    def model(self) -> Model: ...

    @property
    def groups(self) -> dict[str, dict[str, str]]: ...

    def g(self, group: str, key: str, default: str = "") -> str:
        """``groups[group][key]``, or ``default`` when either is missing."""
        ...


class LogHost(GroupsHost, Protocol):
    def add_log(self, module: str, message: str) -> None:
        """A line of the camera's event log (``/adm/log.cgi``)."""
        ...


class AdminHost(LogHost, Protocol):
    """What the configuration and administration routes use."""

    clock_offset: float  # the camera's clock minus the host's, seconds
    reboots: int
    ui_enabled: bool

    @property
    def port(self) -> int: ...

    @property
    def log_lines(self) -> collections.deque[str]: ...

    def now(self) -> float:
        """The camera's clock (time.time() plus ``clock_offset``)."""
        ...

    def config_changed(self) -> None:
        """Groups were set, restored or reset."""
        ...

    def factory_reset(self) -> None: ...


class MediaHost(GroupsHost, Protocol):
    """What the picture and pan/tilt routes use."""

    last_preset: int | None
    sweeps: int

    @property
    def video(self) -> VideoSource: ...

    @property
    def closing(self) -> asyncio.Event:
        """Set when the emulator shuts down (endless streams end)."""
        ...

    @property
    def pan(self) -> int: ...

    @property
    def tilt(self) -> int: ...

    def move_to(self, pan: int, tilt: int) -> None:
        """Move, clamped to the motor's limits."""
        ...


class RtspHost(GroupsHost, Protocol):
    """What the RTSP server uses."""

    @property
    def opts(self) -> SimOptions: ...

    @property
    def video(self) -> VideoSource: ...

    def fault(self, name: str) -> bool: ...
