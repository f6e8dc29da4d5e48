"""What a Tapo plug or socket does on its own with its power: ``auto_off`` (switch off
a while after each switch-on) and ``power_protection`` (cut the load above a
threshold; "overloaded" until switched on again).

Their settings are config queries (read once a minute); their status comes with the
device info of every poll (``auto_off_status``/``auto_off_remain_time``,
``power_protection_status``), and a device that does not report the status key does
not have the capability (a power strip lists the components of its sockets; python-
kasa decides the same way).
"""

from __future__ import annotations

from typing import Any

from camhub.capabilities import (
    AutoOffDriver,
    AutoOffState,
    PowerProtectionDriver,
    PowerProtectionState,
    State,
)
from camhub.capabilities import Capability as C
from camhub.drivers.tapo.smart import TapoSmartDevice, command
from camhub.drivers.tapo.smart_protocol import Request
from camhub.drivers.tapo.smart_values import num
from camhub.errors import DeviceError, InvalidArgument

AUTO_OFF_MAX_MIN = 1439  # what set_auto_off_config takes: up to a day less a minute


def _answer(got: dict[str, Any], method: str) -> dict[str, Any] | None:
    """A config answer, or None when the device refused it."""
    value = got.get(method)
    return value if isinstance(value, dict) else None


class AutoOff(TapoSmartDevice):
    """``auto_off``: ``get_auto_off_config`` / ``set_auto_off_config``."""

    def _present(self) -> set[C]:
        present = super()._present()
        if "auto_off_status" not in self.info:
            present.discard(C.AUTO_OFF)
        return present

    def _config_queries(self) -> list[Request]:
        queries = super()._config_queries()
        if C.AUTO_OFF in self.capabilities:
            queries.append(("get_auto_off_config", None))
        return queries

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        config = _answer(got, "get_auto_off_config")
        enabled, minutes = (config or {}).get("enable"), num(config, "delay_min")
        if C.AUTO_OFF in self.capabilities and isinstance(enabled, bool) and minutes:
            armed = self.info.get("auto_off_status") == "on"
            remain = num(self.info, "auto_off_remain_time")
            states.append(
                AutoOffState(
                    enabled=enabled,
                    minutes=minutes,
                    max_minutes=AUTO_OFF_MAX_MIN,
                    remaining_s=max(0, remain) if armed and remain is not None else None,
                )
            )
        return states

    @command
    async def set_auto_off(self, enabled: bool | None, minutes: int | None) -> None:
        self.need(C.AUTO_OFF, AutoOffDriver)
        if minutes is not None and not 1 <= minutes <= AUTO_OFF_MAX_MIN:
            raise InvalidArgument(
                f"minutes must be 1-{AUTO_OFF_MAX_MIN}", [f"minutes: 1-{AUTO_OFF_MAX_MIN}"]
            )
        current = self._object(await self.proto.call("get_auto_off_config"), "auto-off config")
        params = {"enable": current.get("enable"), "delay_min": current.get("delay_min")}
        if enabled is not None:
            params["enable"] = enabled
        if minutes is not None:
            params["delay_min"] = minutes
        await self.proto.call("set_auto_off_config", params)


class PowerProtection(TapoSmartDevice):
    """``power_protection``: ``get_protection_power`` / ``set_protection_power`` and
    ``get_max_power`` (the highest threshold the device takes)."""

    def _present(self) -> set[C]:
        present = super()._present()
        if "power_protection_status" not in self.info:
            present.discard(C.POWER_PROTECTION)
        return present

    def _config_queries(self) -> list[Request]:
        queries = super()._config_queries()
        if C.POWER_PROTECTION in self.capabilities:
            queries += [("get_protection_power", None), ("get_max_power", None)]
        return queries

    @staticmethod
    def _enabled_key(settings: dict[str, Any]) -> str:
        # "enabled" on the plugs; python-kasa looks for any key that says "enabled"
        return next((k for k in settings if "enabled" in k), "enabled")

    def _states(self, got: dict[str, Any]) -> list[State]:
        states = super()._states(got)
        settings = _answer(got, "get_protection_power")
        if C.POWER_PROTECTION in self.capabilities and settings is not None:
            enabled = settings.get(self._enabled_key(settings))
            states.append(
                PowerProtectionState(
                    enabled=enabled is True,
                    threshold_w=num(settings, "protection_power") or None,
                    max_w=num(_answer(got, "get_max_power"), "max_power") or None,
                    overloaded=self.info.get("power_protection_status") == "overloaded",
                )
            )
        return states

    @command
    async def set_power_protection(self, enabled: bool | None, threshold_w: int | None) -> None:
        self.need(C.POWER_PROTECTION, PowerProtectionDriver)
        got = await self.proto.call_many(
            [("get_protection_power", None), ("get_max_power", None)], strict=False
        )
        settings = got["get_protection_power"]
        if isinstance(settings, DeviceError):
            raise settings
        settings = self._object(settings, "get_protection_power")
        top = num(got["get_max_power"], "max_power")
        if threshold_w is not None and (threshold_w < 1 or (top and threshold_w > top)):
            raise InvalidArgument(
                f"threshold_w must be 1-{top} W on this device", [f"threshold_w: 1-{top}"]
            )
        params = dict(settings)
        if enabled is not None:
            params[self._enabled_key(settings)] = enabled
        if threshold_w is not None:
            params["protection_power"] = threshold_w
        if params.get(self._enabled_key(settings)) and not num(params, "protection_power"):
            raise InvalidArgument(
                "give threshold_w: no threshold is set yet", ["threshold_w: required"]
            )
        await self.proto.call("set_protection_power", params)
