"""An energy meter that fills up plausibly: hourly buckets integrated from power.

History before the emulator started is seeded deterministically (evening use on
most days), so that daily and monthly reports are not empty; after that, energy
accrues from the current power while the socket is on. ``clock`` is the
emulator's clock, which tests may fast-forward.
"""

from __future__ import annotations

import calendar
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime

HOUR = 3600
DAY = 86400
SEED_DAYS = 62


def _hour(ts: float) -> int:
    return int(ts // HOUR) * HOUR


def _day(ts: float) -> int:
    return int(ts // DAY) * DAY


def _month(ts: float) -> int:
    d = datetime.fromtimestamp(ts, UTC)
    return calendar.timegm((d.year, d.month, 1, 0, 0, 0))


def _next_month(ts: int) -> int:
    d = datetime.fromtimestamp(ts, UTC)
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return calendar.timegm((year, month, 1, 0, 0, 0))


class EnergyMeter:
    def __init__(self, load_w: float, clock: Callable[[], float], seed: str) -> None:
        self.load_w = load_w
        self.clock = clock
        self.wh: dict[int, float] = {}  # hour start -> Wh
        self.minutes: dict[int, float] = {}  # hour start -> minutes on
        self._last = clock()
        self._on = False
        self._seed_history(seed)

    def _seed_history(self, seed: str) -> None:
        rng = random.Random(seed)
        now_hour = _hour(self._last)
        start = _day(self._last) - SEED_DAYS * DAY
        for hour in range(start, now_hour, HOUR):
            h = (hour // HOUR) % 24
            if 18 <= h <= 22 and rng.random() < 0.7:
                frac = rng.uniform(0.3, 1.0)
                self.wh[hour] = self.load_w * frac
                self.minutes[hour] = 60 * frac

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
            end = min(now, _hour(t) + HOUR)
            mid = (t + end) / 2
            hour = _hour(t)
            self.wh[hour] = self.wh.get(hour, 0.0) + self.power_w(True, mid) * (end - t) / HOUR
            self.minutes[hour] = self.minutes.get(hour, 0.0) + (end - t) / 60
            t = end
        self._last = now

    def _sum(self, table: dict[int, float], start: float, end: float) -> float:
        self.advance()
        return sum(v for k, v in table.items() if start <= k < end)

    def energy_wh(self, start: float, end: float) -> float:
        return self._sum(self.wh, _hour(start), end)

    def runtime_min(self, start: float, end: float) -> float:
        return self._sum(self.minutes, _hour(start), end)

    def usage(self) -> dict[str, int | str | float | list[int]]:
        """The ``get_energy_usage`` answer."""
        now = self.clock()
        today, month = _day(now), _month(now)
        return {
            "today_runtime": int(self.runtime_min(today, now + 1)),
            "month_runtime": int(self.runtime_min(month, now + 1)),
            "today_energy": int(self.energy_wh(today, now + 1)),
            "month_energy": int(self.energy_wh(month, now + 1)),
            "local_time": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "electricity_charge": [0, 0, 0],
            "current_power": int(self.power_w(self._on) * 1000),  # mW
        }

    def windows(self, now: float) -> dict[str, dict[str, int]]:
        """today / past7 / past30 totals as ``get_device_usage`` shows them."""
        today = _day(now)
        spans = {"today": today, "past7": today - 6 * DAY, "past30": today - 29 * DAY}
        return {
            "time_usage": {k: int(self.runtime_min(s, now + 1)) for k, s in spans.items()},
            "power_usage": {k: int(self.energy_wh(s, now + 1)) for k, s in spans.items()},
            "saved_power": {k: 0 for k in spans},
        }

    def buckets(self, start: int, end: int, interval_min: int) -> tuple[int, list[int]]:
        """(aligned start, Wh per bucket) for interval 60, 1440 or 43200 minutes."""
        step: Callable[[int], int]
        if interval_min == 60:
            first, step = _hour(start), lambda t: t + HOUR
        elif interval_min == 1440:
            first, step = _day(start), lambda t: t + DAY
        else:
            first, step = _month(start), _next_month
        out: list[int] = []
        t = first
        while t < end:
            nxt = step(t)
            out.append(round(self.energy_wh(t, nxt)))
            t = nxt
        return first, out
