"""The /api/events* and /api/storage/stats routes, in-process with the app's lifespan."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.conftest import GUEST_PASSWORD, InProcess

T0 = 1_700_000_000_000


async def seed(hub: InProcess, n: int = 30) -> None:
    for i in range(n):
        kind = "motion" if i % 3 else "sound"
        hub.state.store.add_event("porch" if i % 2 else "hall", kind, T0 + i * 20_000, {"i": i})
    await hub.state.store.flush()


async def guest_headers(hub: InProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {await hub.login('viewer', GUEST_PASSWORD)}"}


async def test_a_guest_reads_events_summary_and_buckets(app_client: InProcess) -> None:
    await seed(app_client)
    h = await guest_headers(app_client)

    r = await app_client.client.get("/api/events", params={"limit": 5}, headers=h)
    assert r.status_code == 200
    body = r.json()
    newest = [T0 + i * 20_000 for i in (29, 28, 27, 26, 25)]
    assert [e["timestamp"] for e in body["events"]] == newest
    assert {s["type"]: s["count"] for s in body["summary"]} == {"motion": 20, "sound": 10}
    assert set(body) == {"serverNow", "dayStart", "events", "summary"}

    r = await app_client.client.get(
        "/api/events", params={"bucketMs": 60_000, "type": "motion", "device": "porch"}, headers=h
    )
    assert r.status_code == 200
    buckets = r.json()
    assert buckets["bucketMs"] == 60_000
    assert sum(b["counts"]["motion"] for b in buckets["buckets"]) == sum(
        1 for i in range(30) if i % 3 and i % 2
    )

    r = await app_client.client.get("/api/events/range", headers=h)
    assert r.json() == {"minTimestamp": T0, "maxTimestamp": T0 + 29 * 20_000, "totalEvents": 30}


async def test_bad_query_parameters_are_400_with_the_field_named(app_client: InProcess) -> None:
    h = await app_client.admin_headers()
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 10_001}, "limit"),
        ({"bucketMs": 1000}, "bucketMs"),
        ({"since": -1}, "since"),
        ({"limit": "many"}, "limit"),
    ):
        r = await app_client.client.get("/api/events", params=params, headers=h)
        assert r.status_code == 400, params
        body: dict[str, Any] = r.json()
        assert "error" in body and body["errors"][0].startswith(f"{field}:"), body


async def test_clear_needs_confirm_and_an_admin(app_client: InProcess) -> None:
    await seed(app_client, 9)
    admin = await app_client.admin_headers()

    r = await app_client.client.post("/api/events/clear", headers=admin)
    assert r.status_code == 400 and "confirm=true" in r.json()["error"]
    r = await app_client.client.post(
        "/api/events/clear", params={"confirm": "true"}, headers=await guest_headers(app_client)
    )
    assert r.status_code == 403
    assert (await app_client.state.store.event_range())["totalEvents"] == 9

    r = await app_client.client.post("/api/events/clear", params={"confirm": "true"}, headers=admin)
    assert r.status_code == 200 and r.json() == {"success": True, "cleared": 9}
    assert (await app_client.state.store.event_range())["totalEvents"] == 0


async def test_export_streams_csv(app_client: InProcess) -> None:
    await seed(app_client)
    h = await guest_headers(app_client)

    r = await app_client.client.get("/api/events/export", params={"type": "sound"}, headers=h)

    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 10 and {row["type"] for row in rows} == {"sound"}
    assert list(rows[0]) == ["id", "timestamp", "time", "device", "type", "data"]


async def test_storage_stats_and_authentication(app_client: InProcess) -> None:
    await seed(app_client)
    r = await app_client.client.get("/api/storage/stats")
    assert r.status_code == 401

    r = await app_client.client.get("/api/storage/stats", headers=await guest_headers(app_client))
    assert r.status_code == 200
    stats = r.json()
    assert stats["totalEvents"] == 30
    assert stats["eventsByType"] == {"motion": 20, "sound": 10}
    assert stats["motionEvents"] == 20 and stats["soundEvents"] == 10
    assert stats["databaseSizeBytes"] > 0 and stats["deviceStorageTotalBytes"] > 0
