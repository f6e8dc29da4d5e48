"""What the KLAP routes may use of a device: a narrow port.

:class:`~camhub.sim.tapo_smart.emulator.TapoSmartEmulator` satisfies it; the routes
never import the emulator.
"""

from __future__ import annotations

from typing import Any, Protocol

from camhub.sim.tapo_smart.klap import KlapServer


class KlapHost(Protocol):
    """The session table, the device tree's request handler and the faults."""

    klap: KlapServer
    slow_seconds: float

    def fault(self, name: str) -> bool:
        """Whether the fault ``name`` is on."""
        ...

    def handle(self, envelope: Any) -> dict[str, Any]:
        """The reply of the device (or of its children) to one decrypted request."""
        ...
