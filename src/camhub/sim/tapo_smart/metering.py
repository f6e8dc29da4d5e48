"""The energy methods of a metering plug or socket (``energy_monitoring``).

``get_energy_usage``, ``get_current_power`` (W), ``get_emeter_data`` (mW, mV,
mA), ``get_energy_data`` and ``get_power_data`` (see :mod:`.energy` for how the
devices page them) and the electricity price settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from camhub.sim.tapo_smart.codes import SmartCode, SmartFault
from camhub.sim.tapo_smart.energy import EnergyMeter
from camhub.sim.tapo_smart.params import Params, int_in

_PRICE_TYPES = {"constant", "time_of_use"}


class Metering:
    """Mixed into :class:`~camhub.sim.tapo_smart.nodes.Node`."""

    clock: Callable[[], float]
    methods: dict[str, Callable[[Params], dict[str, Any] | None]]
    price: dict[str, Any]

    def meter(self) -> EnergyMeter:
        raise NotImplementedError

    def power_w(self) -> float:
        raise NotImplementedError

    def install_energy(self) -> None:
        meter = self.meter()
        self.methods.update(
            get_energy_usage=lambda _: meter.usage(),
            get_current_power=lambda _: {"current_power": int(self.power_w())},
            get_emeter_data=lambda _: self.emeter_data(),
            get_emeter_vgain_igain=lambda _: {"igain": 11437, "vgain": 127146},
            get_energy_data=self.energy_data,
            get_power_data=self.power_data,
            get_electricity_price_config=lambda _: self.price_config(),
            set_electricity_price_config=self.set_price,
        )

    def emeter_data(self) -> dict[str, Any]:
        power_mw = int(self.power_w() * 1000)
        voltage_mv = 230_000 + int(1000 * (self.clock() % 7))
        now = self.clock()
        return {
            "current_ma": int(power_mw * 1000 / voltage_mv),
            "energy_wh": int(self.meter().energy_wh(now - 30 * 86400, now + 1)),
            "power_mw": power_mw,
            "voltage_mv": voltage_mv,
        }

    @staticmethod
    def _range(params: Params, intervals: tuple[int, ...]) -> tuple[int, int, int]:
        interval = params.get("interval")
        start, end = params.get("start_timestamp"), params.get("end_timestamp")
        if interval not in intervals or isinstance(interval, bool):
            raise SmartFault(SmartCode.PARAMS_ERROR)
        for value in (start, end):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**32:
                raise SmartFault(SmartCode.PARAMS_ERROR)
        assert isinstance(start, int) and isinstance(end, int)
        if end < start:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        return start, end, interval

    def energy_data(self, params: Params) -> dict[str, Any]:
        start, end, interval = self._range(params, (60, 1440, 43200))
        answer = self.meter().energy_data(start, end, interval)
        if answer is None:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        return answer

    def power_data(self, params: Params) -> dict[str, Any]:
        start, end, interval = self._range(params, (5, 60))
        return self.meter().power_data(start, end, interval)

    def price_config(self) -> dict[str, Any]:
        flat = [1] * 24
        season = {
            "midpeak": 0,
            "offpeak": 0,
            "onpeak": 0,
            "period": [0, 0, 0, 0],
            "weekday_config": flat,
            "weekend_config": flat,
        }
        return {
            "constant_price": self.price["constant_price"],
            "time_of_use_config": {"summer": dict(season), "winter": dict(season)},
            "type": self.price["type"],
        }

    def set_price(self, params: Params) -> None:
        kind = params.get("type", self.price["type"])
        price = int_in(params, "constant_price", 0, 10**6)
        if kind not in _PRICE_TYPES:
            raise SmartFault(SmartCode.PARAMS_ERROR)
        self.price["type"] = kind
        if price is not None:
            self.price["constant_price"] = price
