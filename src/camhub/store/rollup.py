"""What one batch adds to the rollups, counted in Python before it is written.

The writer already holds every row of the batch in memory, so counting them there is
one pass over tuples; each coarser level is then summed from the per-minute counts
(a few thousand keys for a 20,000-row batch), not from the rows again. Measured here,
this costs a fraction of re-reading the fresh rows with one ``INSERT ... SELECT ...
GROUP BY`` per level (see ``docs/performance.md``). Both sinks upsert the result with
``count = count + excluded.count``, so batches that share a period add up.

Periods start at ``timestamp - timestamp % span`` (Python's floor modulo): the same
start the queries use for the timestamps the store holds (milliseconds since 1970).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from camhub.store.schema import MINUTE_MS, ROLLUP_SPANS

# (device, type, timestamp ms, data as JSON text)
Row = tuple[str, str, int, str]
# event_counts row: (span, device, start, type, count)
CountRow = tuple[int, str, int, str, int]
# event_totals row: (span, start, type, count)
TotalRow = tuple[int, int, str, int]


@dataclass(frozen=True)
class Deltas:
    """Rows to add to ``event_counts`` (per device) and ``event_totals`` (all devices)."""

    counts: list[CountRow]
    totals: list[TotalRow]


def deltas(rows: list[Row]) -> Deltas:
    per_minute = Counter((d, ts - ts % MINUTE_MS, t) for d, t, ts, _ in rows)
    counts: list[CountRow] = []
    totals: list[TotalRow] = []
    level: Counter[tuple[str, int, str]] = per_minute
    for span in reversed(ROLLUP_SPANS):  # finest first; each level sums the one below
        if span != MINUTE_MS:
            coarser: Counter[tuple[str, int, str]] = Counter()
            for (d, start, t), n in level.items():
                coarser[d, start - start % span, t] += n
            level = coarser
        all_devices: Counter[tuple[int, str]] = Counter()
        for (d, start, t), n in level.items():
            counts.append((span, d, start, t, n))
            all_devices[start, t] += n
        totals.extend((span, start, t, n) for (start, t), n in all_devices.items())
    return Deltas(counts, totals)
