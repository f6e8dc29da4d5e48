"""What the HTTPS API routes may use of the camera: a narrow port.

:class:`~camhub.sim.tapo_camera.emulator.TapoCameraEmulator` satisfies
:class:`ApiHost`; :class:`~camhub.sim.tapo_camera.routes.TapoCameraRoutes` knows
nothing else of it, so the routes never import the emulator. The other parts get
narrower ports still, a value or a callable each: the camera (``camera.py``) an
``on_reboot`` callback, the port-8800 server (``media.py``) a ``stalled()`` test,
the RTSP side (``rtsp.py``) the options and a ``privacy()`` test.
"""

from __future__ import annotations

from typing import Any, Protocol

from camhub.sim.tapo_camera.auth import LoginAuthority


class ApiHost(Protocol):
    """The logins and sessions, the camera's request handler, and the faults."""

    @property
    def auth(self) -> LoginAuthority:
        """Checks logins and holds the sessions (a ``TpapAuthority`` on TPAP firmware)."""
        ...

    @property
    def port(self) -> int:
        """The port the API listens on (TPAP's discover answer names it)."""
        ...

    @property
    def slow_seconds(self) -> float:
        """How long the ``slow`` fault holds each answer back."""
        ...

    @property
    def plain_single(self) -> bool:
        """Secure firmware that answers a single get/set/do unencrypted."""
        ...

    def fault(self, name: str) -> bool:
        """Whether the fault ``name`` is on."""
        ...

    def take_fault(self, name: str) -> bool:
        """Whether the one-shot fault ``name`` is on, switching it off if so."""
        ...

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """The camera's answer to one decrypted request."""
        ...
