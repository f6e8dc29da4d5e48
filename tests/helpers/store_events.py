"""Event data shared by the store's tests: devices, types, a start time, a brute-force count."""

from __future__ import annotations

from collections import Counter
from typing import Any

from camhub.store import Store

T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z
DEVICES = ("porch", "garden", "hall")
TYPES = ("motion", "sound", "person")

Ev = tuple[str, str, int, dict[str, Any]]


async def fill(store: Store, evs: list[Ev]) -> None:
    for e in evs:
        store.add_event(*e)
    await store.flush()


def brute_buckets(
    evs: list[Ev], bucket_ms: int, since: int | None, until: int | None, **f: str
) -> dict[int, dict[str, int]]:
    out: dict[int, Counter[str]] = {}
    for d, t, ts, _ in evs:
        if (since is not None and ts < since) or (until is not None and ts > until):
            continue
        if f.get("type") not in (None, t) or f.get("device") not in (None, d):
            continue
        out.setdefault(ts - ts % bucket_ms, Counter())[t] += 1
    return {b: dict(c) for b, c in out.items()}
