"""One socket of a Tapo power strip, a child device made by its strip.

Its info comes from the strip's child list through its :class:`~.smart_children.SocketPort`;
its own requests (switching, energy) go through the port's ``control_child`` channel.
"""

from __future__ import annotations

from typing import Any

from camhub.config import DeviceConfig
from camhub.drivers.base import DeviceContext
from camhub.drivers.tapo.smart_children import SocketPort
from camhub.drivers.tapo.smart_features import Metered, Switch
from camhub.drivers.tapo.smart_power import AutoOff, PowerProtection
from camhub.drivers.tapo.smart_protocol import Request
from camhub.drivers.tapo.smart_rules import Countdown, Schedules
from camhub.drivers.tapo.smart_settings import Settings
from camhub.drivers.tapo.smart_values import num


class TapoSocket(Switch, Metered, AutoOff, PowerProtection, Countdown, Schedules, Settings):
    """power, energy and power_protection (strips that meter each socket: P304M),
    auto_off, timer, schedules, settings, raw.

    Not registered as a kind: a socket exists only as its strip's child."""

    kind = "tapo-socket"
    # A socket's usage has no current_power and it answers no get_emeter_data (a real
    # P304M's do not): its power comes from get_current_power, voltage unreported.
    energy_queries = ("get_energy_usage", "get_current_power")

    def __init__(
        self,
        config: DeviceConfig,
        ctx: DeviceContext,
        port: SocketPort,
        *,
        components: dict[str, int],
        info: dict[str, Any],
    ) -> None:
        super().__init__(config, ctx)
        self.port = port
        self._proto = port.protocol
        self._learn(components, info)

    async def connect(self) -> None:
        # its info comes with the strip's child list: no request of its own
        self._set_info(await self.port.info(poll=False))

    def _info_queries(self) -> list[Request]:
        return []

    async def _fresh_info(self) -> dict[str, Any]:
        self._set_info(await self.port.info(poll=True))
        return self.info

    async def _read_info(self, got: dict[str, Any]) -> None:
        self._set_info(await self.port.info(poll=True))

    def _changed(self) -> None:
        super()._changed()
        self.port.changed()

    def _vendor(self) -> dict[str, Any]:
        vendor = super()._vendor()
        if (position := num(self.info, "position")) is not None:
            vendor["position"] = position
        return vendor
