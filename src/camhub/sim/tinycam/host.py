"""What the routes may use of the tinyCam server: a narrow port, not the emulator.

:class:`~camhub.sim.tinycam.emulator.TinyCamEmulator` satisfies :class:`ServerHost`;
:class:`~camhub.sim.tinycam.routes.TinyCamRoutes` knows nothing else of it, so the
routes module never imports the emulator.
"""

from __future__ import annotations

from typing import Any, Protocol

from camhub.sim.tinycam.auth import Users
from camhub.sim.tinycam.cameras import SimCamera
from camhub.sim.tinycam.recordings import Recordings


class ServerHost(Protocol):
    """The server's state the routes read, and the counters they move."""

    live_connections: int  # MJPEG and audio streams being served now
    restarts: int
    started_at: float  # time.time() of the last (re)start

    @property
    def cameras(self) -> list[SimCamera]: ...

    @property
    def users(self) -> Users: ...

    @property
    def recordings(self) -> Recordings: ...

    @property
    def settings(self) -> dict[str, Any]: ...

    @property
    def token_auth(self) -> bool: ...

    @property
    def root_available(self) -> bool: ...

    def camera_by_id(self, camera_id: int) -> SimCamera: ...
