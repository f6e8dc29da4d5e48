"""The event store, on SQLite and PostgreSQL: what the /api/events routes rely on."""

from __future__ import annotations

import csv
import io
import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tests.helpers.store_events import DEVICES, T0, TYPES, Ev, brute_buckets, fill

from camhub.errors import InvalidArgument
from camhub.store import Store


def random_events(n: int, seed: int = 1, span_ms: int = 6 * 3_600_000) -> list[Ev]:
    rnd = random.Random(seed)
    return [
        (rnd.choice(DEVICES), rnd.choice(TYPES), T0 + rnd.randrange(span_ms), {"n": i})
        for i in range(n)
    ]


async def test_events_come_back_newest_first_with_a_summary(store: Store) -> None:
    evs = [("porch", "motion", T0 + i * 1000, {"changedPercent": i}) for i in range(5)]
    evs.append(("hall", "sound", T0 + 2500, {"db": -25.5}))
    await fill(store, evs)

    got = await store.query_events(limit=3)

    assert [e["timestamp"] for e in got["events"]] == [T0 + 4000, T0 + 3000, T0 + 2500]
    assert got["events"][0] == {
        "id": got["events"][0]["id"],
        "device": "porch",
        "type": "motion",
        "timestamp": T0 + 4000,
        "data": {"changedPercent": 4},
    }
    assert got["summary"] == [
        {"type": "motion", "count": 5, "lastTimestamp": T0 + 4000},
        {"type": "sound", "count": 1, "lastTimestamp": T0 + 2500},
    ]
    now = time.time() * 1000
    assert abs(got["serverNow"] - now) < 60_000
    assert got["dayStart"] % 86_400_000 == 0 and got["dayStart"] <= got["serverNow"]


async def test_filters_match_a_brute_force_selection(store: Store) -> None:
    evs = random_events(600)
    await fill(store, evs)
    since, until = T0 + 3_600_000 + 17, T0 + 4 * 3_600_000 + 59_999

    got = await store.query_events(limit=10_000, since=since, until=until, type="motion")
    want = [e for e in evs if e[1] == "motion" and since <= e[2] <= until]
    assert sorted(e["data"]["n"] for e in got["events"]) == sorted(e[3]["n"] for e in want)
    assert got["summary"] == [
        {"type": "motion", "count": len(want), "lastTimestamp": max(e[2] for e in want)}
    ]

    got = await store.query_events(limit=10_000, device="garden")
    want_counts = Counter(e[1] for e in evs if e[0] == "garden")
    assert {s["type"]: s["count"] for s in got["summary"]} == dict(want_counts)
    assert all(e["device"] == "garden" for e in got["events"])
    assert len((await store.query_events(limit=7))["events"]) == 7


@pytest.mark.parametrize("bucket_ms", [60_000, 300_000, 3_600_000, 7_200_000 // 4, 90_000])
async def test_buckets_equal_a_brute_force_count(store: Store, bucket_ms: int) -> None:
    evs = random_events(800, seed=bucket_ms, span_ms=9 * 3_600_000)
    # a few events exactly on minute and hour edges
    evs += [("porch", "motion", T0 - T0 % 3_600_000 + k * 60_000, {}) for k in range(0, 200, 7)]
    await fill(store, evs)
    cases: list[tuple[int | None, int | None, dict[str, str]]] = [
        (None, None, {}),
        (T0 + 123_457, T0 + 5 * 3_600_000 + 1_234, {}),  # edges mid-minute
        (T0 - T0 % 3_600_000, T0 - T0 % 3_600_000 + 3 * 3_600_000 - 1, {}),  # whole hours
        (T0 + 61_000, T0 + 61_999, {}),  # inside one minute
        (T0 + 30_000, None, {"type": "sound"}),
        (None, T0 + 7 * 3_600_000 + 5, {"device": "hall"}),
    ]
    for since, until, f in cases:
        got = await store.bucket_counts(bucket_ms=bucket_ms, since=since, until=until, **f)
        want = brute_buckets(evs, bucket_ms, since, until, **f)
        assert {b["timestamp"]: b["counts"] for b in got["buckets"]} == want, (since, until, f)
        stamps = [b["timestamp"] for b in got["buckets"]]
        assert stamps == sorted(stamps)
        assert got["bucketMs"] == bucket_ms
        if since is not None:
            assert got["timeRange"]["start"] == since
        if until is not None:
            assert got["timeRange"]["end"] == until


async def test_since_zero_means_start_of_today(store: Store) -> None:
    now = int(time.time() * 1000)
    today = now - now % 86_400_000
    await fill(store, [("porch", "motion", today - 1, {}), ("porch", "motion", today + 1, {})])

    got = await store.query_events(since=0)
    assert [e["timestamp"] for e in got["events"]] == [today + 1]
    buckets = await store.bucket_counts(bucket_ms=60_000, since=0)
    assert sum(sum(b["counts"].values()) for b in buckets["buckets"]) == 1


async def test_bad_limits_and_bucket_sizes_are_refused(store: Store) -> None:
    for limit in (0, 10_001):
        with pytest.raises(InvalidArgument) as err:
            await store.query_events(limit=limit)
        assert err.value.errors[0].startswith("limit:")
    for bucket_ms in (59_999, 3_600_001):
        with pytest.raises(InvalidArgument) as err:
            await store.bucket_counts(bucket_ms=bucket_ms)
        assert err.value.errors[0].startswith("bucketMs:")
    with pytest.raises(InvalidArgument):
        await store.query_events(since=-5)


async def test_range_and_clear(store: Store) -> None:
    empty = await store.event_range()
    assert empty == {"minTimestamp": None, "maxTimestamp": None, "totalEvents": 0}
    evs = random_events(120)
    await fill(store, evs)
    assert await store.event_range() == {
        "minTimestamp": min(e[2] for e in evs),
        "maxTimestamp": max(e[2] for e in evs),
        "totalEvents": 120,
    }
    old_max = max(e["id"] for e in (await store.query_events(limit=1000))["events"])

    store.add_event("porch", "motion", T0, {})  # still queued: cleared too
    assert await store.clear_events() == 121
    assert (await store.event_range())["totalEvents"] == 0
    assert (await store.bucket_counts(bucket_ms=3_600_000))["buckets"] == []
    assert (await store.query_events())["summary"] == []

    await fill(store, [("porch", "motion", T0, {})])
    fresh = (await store.query_events())["events"]
    assert len(fresh) == 1 and fresh[0]["id"] > old_max  # ids are never reused


async def test_export_is_csv_with_every_matching_event(store: Store) -> None:
    evs = random_events(12_000, span_ms=3_600_000)  # more than one export page
    evs.append(("porch", "person", T0 + 5, {"label": 'say "hi", ok'}))
    await fill(store, evs)

    text = "".join([chunk async for chunk in store.export_csv()])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", "timestamp", "time", "device", "type", "data"]
    assert len(rows) == 1 + len(evs)
    ids = [int(r[0]) for r in rows[1:]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    quoted = next(r for r in rows[1:] if r[4] == "person" and json.loads(r[5]).get("label"))
    assert json.loads(quoted[5]) == {"label": 'say "hi", ok'}
    assert quoted[1] == str(T0 + 5) and quoted[2] == "2023-11-14T22:13:20.005Z"

    sound = [r async for r in store.export_csv(type="sound", device="hall")]
    sound_rows = list(csv.reader(io.StringIO("".join(sound))))[1:]
    assert len(sound_rows) == sum(1 for e in evs if e[1] == "sound" and e[0] == "hall")


async def test_storage_stats(store: Store, tmp_path: Path) -> None:
    await fill(store, [("a", "motion", T0, {})] * 3 + [("a", "sound", T0 + 9, {"db": 1})])

    stats = await store.storage_stats(tmp_path)

    assert stats["totalEvents"] == 4
    assert stats["motionEvents"] == 3 and stats["soundEvents"] == 1
    assert stats["eventsByType"] == {"motion": 3, "sound": 1}
    assert (stats["minTimestamp"], stats["maxTimestamp"]) == (T0, T0 + 9)
    assert stats["databaseSizeBytes"] > 0
    assert stats["databaseSize"].split()[1] in ("B", "KB", "MB", "GB")
    assert 0 < stats["deviceStorageAvailableBytes"] <= stats["deviceStorageTotalBytes"]
    assert stats["deviceStorageTotal"].endswith(("GB", "TB", "MB"))


async def test_subscribers_hear_committed_events_with_their_ids(store: Store) -> None:
    heard: list[dict[str, Any]] = []
    unsubscribe = store.subscribe(heard.extend)
    await fill(store, [("porch", "motion", T0 + i, {"i": i}) for i in range(50)])

    stored = {e["id"]: e for e in (await store.query_events(limit=100))["events"]}
    assert len(heard) == 50
    assert {e["id"]: e for e in heard} == stored

    unsubscribe()
    await fill(store, [("porch", "motion", T0, {})])
    assert len(heard) == 50


async def test_close_commits_every_queued_event(open_store: Any) -> None:
    store = await open_store()
    for i in range(25_000):  # more than one batch
        store.add_event("porch", "motion", T0 + i, {"i": i})
    await store.close()

    again = await open_store()
    assert (await again.event_range())["totalEvents"] == 25_000
    buckets = await again.bucket_counts(bucket_ms=60_000)
    assert sum(b["counts"]["motion"] for b in buckets["buckets"]) == 25_000


async def test_reopening_keeps_data_and_does_not_migrate_twice(open_store: Any) -> None:
    first = await open_store()
    await fill(first, [("porch", "motion", T0, {"x": 1})])
    await first.create_session("h1", "c1", "admin", "admin", T0 * 2)
    await first.close()

    for _ in range(2):
        again = await open_store()
        assert (await again.event_range())["totalEvents"] == 1
        assert (await again.get_session("h1")) is not None
        await again.close()


async def test_sessions_crud(store: Store) -> None:
    future = int(time.time() * 1000) + 60_000
    await store.create_session("tok-hash", "csrf-hash", "alice", "guest", future, "fp-1")
    await store.create_session("old-hash", "csrf2", "bob", "admin", 1_000)

    assert await store.get_session("tok-hash") == {
        "username": "alice",
        "role": "guest",
        "csrf_hash": "csrf-hash",
        "expires_ms": future,
        "credential": "fp-1",
    }
    assert await store.get_session("nope") is None
    assert await store.delete_expired_sessions() == 1
    assert await store.get_session("old-hash") is None
    await store.delete_session("tok-hash")
    assert await store.get_session("tok-hash") is None


async def test_counts_stay_exact_when_a_minute_spans_many_batches(open_store: Any) -> None:
    store = await open_store(max_batch=7)  # the same minutes upserted batch after batch
    evs = random_events(400, seed=7, span_ms=5 * 60_000)
    for e in evs:
        store.add_event(*e)
    # session writes while the writer is busy must neither fail nor lose events
    for i in range(20):
        await store.create_session(f"h{i}", "c", "admin", "admin", T0)
    await store.flush()

    for bucket_ms in (60_000, 3_600_000):
        got = await store.bucket_counts(bucket_ms=bucket_ms)
        want = brute_buckets(evs, bucket_ms, None, None)
        assert {b["timestamp"]: b["counts"] for b in got["buckets"]} == want
    assert (await store.event_range())["totalEvents"] == 400
    assert await store.delete_expired_sessions() == 20
