"""An energy meter that fills up plausibly, in 5-minute slots integrated from power.

History before the emulator started is seeded deterministically (evening use on
most days), so that daily and monthly reports are not empty; after that, energy
accrues from the current power while the socket is on. ``clock`` is the
emulator's clock, which tests may fast-forward. The device keeps local time in
UTC (``time_diff`` 0), so local days are UTC days.

How the devices answer ``get_energy_data`` (as observed on P110s and reported
by the users of several client libraries):

* ``interval`` 60: hours from the local midnight of ``start_timestamp``, whole
  days of them (``ceil((end - start) / 1 day)``, at most 8); the reply's
  ``start_timestamp`` is that midnight and ``end_timestamp`` the end of the
  last day.
* ``interval`` 1440: the days of three calendar months from the first day of
  the month of ``start_timestamp``; ``start_timestamp`` and ``end_timestamp``
  come back as they were sent (the ``tapo`` crate sends them equal).
* ``interval`` 43200: twelve months from January of the year of
  ``start_timestamp``; timestamps come back as sent.

Buckets that have not started yet are 0.
"""

from __future__ import annotations

import calendar
import itertools
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime

SLOT = 300
HOUR = 3600
DAY = 86400
SEED_DAYS = 62
MAX_HOURLY_DAYS = 8
MAX_POWER_POINTS = 144


def _floor(ts: float, step: int) -> int:
    return int(ts // step) * step


def _month_start(ts: float) -> int:
    d = datetime.fromtimestamp(ts, UTC)
    return calendar.timegm((d.year, d.month, 1, 0, 0, 0))


def _year_start(ts: float) -> int:
    return calendar.timegm((datetime.fromtimestamp(ts, UTC).year, 1, 1, 0, 0, 0))


def add_months(ts: int, months: int) -> int:
    d = datetime.fromtimestamp(ts, UTC)
    year, month = divmod(d.month - 1 + months, 12)
    return calendar.timegm((d.year + year, month + 1, 1, 0, 0, 0))


def local_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


class EnergyMeter:
    def __init__(self, load_w: float, clock: Callable[[], float], seed: str) -> None:
        self.load_w = load_w
        self.clock = clock
        self.wh: dict[int, float] = {}  # slot start -> Wh
        self.minutes: dict[int, float] = {}  # slot start -> minutes on
        # Day totals of the same, so that a month or a year sums a few hundred values.
        self.day_wh: dict[int, float] = {}
        self.day_minutes: dict[int, float] = {}
        self._last = clock()
        self._on = False
        self._seed_history(seed)

    def _seed_history(self, seed: str) -> None:
        rng = random.Random(seed)
        now_slot = _floor(self._last, SLOT)
        start = _floor(self._last, DAY) - SEED_DAYS * DAY
        for hour in range(start, _floor(self._last, HOUR), HOUR):
            if 18 <= (hour // HOUR) % 24 <= 22 and rng.random() < 0.7:
                for slot in range(hour, hour + round(rng.uniform(0.3, 1.0) * 12) * SLOT, SLOT):
                    if slot < now_slot:
                        self._add(slot, self.load_w * SLOT / HOUR, SLOT / 60)

    def power_w(self, on: bool, at: float | None = None) -> float:
        """Instant power: the load with a slow, small ripple."""
        if not on:
            return 0.0
        t = self.clock() if at is None else at
        return self.load_w * (1.0 + 0.03 * math.sin(t / 37.0))

    def set_on(self, on: bool) -> None:
        self.advance()
        self._on = on

    def advance(self) -> None:
        """Integrate power up to the clock's now."""
        now = self.clock()
        t = self._last
        while self._on and t < now:
            end = min(now, _floor(t, SLOT) + SLOT)
            slot = _floor(t, SLOT)
            power = self.power_w(True, (t + end) / 2)
            self._add(slot, power * (end - t) / HOUR, (end - t) / 60)
            t = end
        self._last = now

    def _add(self, slot: int, wh: float, minutes: float) -> None:
        day = _floor(slot, DAY)
        self.wh[slot] = self.wh.get(slot, 0.0) + wh
        self.minutes[slot] = self.minutes.get(slot, 0.0) + minutes
        self.day_wh[day] = self.day_wh.get(day, 0.0) + wh
        self.day_minutes[day] = self.day_minutes.get(day, 0.0) + minutes

    def _sum(
        self, slots: dict[int, float], days: dict[int, float], start: float, end: float
    ) -> float:
        """The slots that start in [start, end): whole days from the day totals."""
        self.advance()
        first, stop = _floor(start, SLOT), int(end)
        day0, day1 = -(-first // DAY) * DAY, _floor(stop, DAY)
        if day0 >= day1:
            return sum(slots.get(s, 0.0) for s in range(first, stop, SLOT))
        return (
            sum(slots.get(s, 0.0) for s in range(first, day0, SLOT))
            + sum(days.get(d, 0.0) for d in range(day0, day1, DAY))
            + sum(slots.get(s, 0.0) for s in range(day1, stop, SLOT))
        )

    def energy_wh(self, start: float, end: float) -> float:
        return self._sum(self.wh, self.day_wh, start, end)

    def runtime_min(self, start: float, end: float) -> float:
        return self._sum(self.minutes, self.day_minutes, start, end)

    # answers -----------------------------------------------------------------
    def usage(self, *, with_power: bool = True) -> dict[str, int | str | list[int]]:
        """The ``get_energy_usage`` answer (power strip sockets omit the power)."""
        now = self.clock()
        today, month = _floor(now, DAY), _month_start(now)
        answer: dict[str, int | str | list[int]] = {
            "today_runtime": int(self.runtime_min(today, now + 1)),
            "month_runtime": int(self.runtime_min(month, now + 1)),
            "today_energy": int(self.energy_wh(today, now + 1)),
            "month_energy": int(self.energy_wh(month, now + 1)),
            "local_time": local_time(now),
            "electricity_charge": [0, 0, 0],
        }
        if with_power:
            answer["current_power"] = int(self.power_w(self._on) * 1000)  # mW
        return answer

    def windows(self, *, power: bool) -> dict[str, dict[str, int]]:
        """today / past7 / past30 as ``get_device_usage`` shows them.

        The devices report ``saved_power`` as the minutes on minus the Wh used.
        """
        now = self.clock()
        today = _floor(now, DAY)
        spans = {"today": today, "past7": today - 6 * DAY, "past30": today - 29 * DAY}
        time_usage = {k: int(self.runtime_min(s, now + 1)) for k, s in spans.items()}
        if not power:
            return {"time_usage": time_usage}
        power_usage = {k: int(self.energy_wh(s, now + 1)) for k, s in spans.items()}
        saved = {k: max(0, time_usage[k] - power_usage[k]) for k in spans}
        return {"time_usage": time_usage, "power_usage": power_usage, "saved_power": saved}

    def energy_data(self, start: int, end: int, interval: int) -> dict[str, object] | None:
        """The ``get_energy_data`` answer, or None for a range the device refuses."""
        now = self.clock()
        if interval == 60:
            days = max(1, math.ceil((end - start) / DAY))
            if days > MAX_HOURLY_DAYS:
                return None
            first = _floor(start, DAY)
            edges = [first + HOUR * i for i in range(days * 24 + 1)]
            start, end = first, first + days * DAY
        elif interval == 1440:
            first = _month_start(start)
            stop = add_months(first, 3)
            edges = list(range(first, stop + 1, DAY))
        else:
            first = _year_start(start)
            edges = [add_months(first, i) for i in range(13)]
        data = [int(self.energy_wh(a, b)) if a <= now else 0 for a, b in itertools.pairwise(edges)]
        return {
            "local_time": local_time(now),
            "data": data,
            "start_timestamp": start,
            "end_timestamp": end,
            "interval": interval,
        }

    def power_data(self, start: int, end: int, interval: int) -> dict[str, object]:
        """The ``get_power_data`` answer: mean W per 5-minute or hourly slot, -1
        where there is no reading yet; at most 144 points."""
        step = interval * 60
        first = _floor(start, step)
        count = max(0, min(MAX_POWER_POINTS, math.ceil((end - first) / step)))
        now = self.clock()
        data = []
        for i in range(count):
            a = first + i * step
            data.append(round(self.energy_wh(a, a + step) * HOUR / step) if a + step <= now else -1)
        return {
            "data": data,
            "start_timestamp": first,
            "end_timestamp": first + count * step,
            "interval": interval,
        }
