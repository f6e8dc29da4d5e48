"""Query parameters at the edges answer 400, never 500; the CSV export is whole or
visibly broken, never a 200 with a cut file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from camhub.store import queries
from tests.conftest import GUEST_PASSWORD, InProcess, live_hub, make_settings

HUGE = ("9223372036854775807", "9223372036854775808", "9223372036854775806", "1" + "0" * 30)


async def test_huge_time_bounds_are_bad_input_for_guests(app_client: InProcess) -> None:
    token = await app_client.login("viewer", GUEST_PASSWORD)
    h = {"Authorization": f"Bearer {token}"}
    c = app_client.client
    for value in HUGE:
        for path in ("/api/events", "/api/events/export"):
            for params in (
                {"since": value},
                {"until": value},
                {"since": "1", "until": value},
                {"since": value, "bucketMs": "60000"},
            ):
                r = await c.get(path, params=params, headers=h)
                assert r.status_code == 400, (path, params, r.status_code)
                assert r.json()["error"] == "Invalid request"
    # The largest accepted bound works.
    r = await c.get("/api/events", params={"until": queries.MAX_TIMESTAMP_MS}, headers=h)
    assert r.status_code == 200


def failing_pages(monkeypatch: pytest.MonkeyPatch, after: int) -> None:
    """The database fails from the ``after``-th page read on."""
    real = queries.page_after
    calls = [0]

    async def page_after(*args: Any, **kw: Any) -> Any:
        calls[0] += 1
        if calls[0] > after:
            raise sa.exc.OperationalError("SELECT", {}, Exception("disk I/O error"))
        return await real(*args, **kw)

    monkeypatch.setattr(queries, "page_after", page_after)


async def test_an_export_that_cannot_start_is_an_error_status(
    app_client: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = await app_client.admin_headers()
    failing_pages(monkeypatch, after=0)
    r = await app_client.client.get("/api/events/export", headers=h)
    assert r.status_code == 503 and r.json() == {"error": "Event history unavailable"}
    assert r.headers["retry-after"] == "5"


async def test_an_export_is_whole_or_visibly_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with live_hub(make_settings(tmp_path / "data")) as hub:
        n = 2 * queries.MAX_LIMIT + 123  # several pages
        for i in range(n):
            hub.state.store.add_event("cam", "motion", 1_000_000 + i, {"i": i})
        await hub.state.store.flush()
        token = await hub.login()
        async with hub.client(headers={"Authorization": f"Bearer {token}"}) as c:
            r = await c.get("/api/events/export")
            assert r.status_code == 200
            lines = r.text.splitlines()
            assert len(lines) == n + 1 and lines[-1].startswith(f"{n},")
            failing_pages(monkeypatch, after=1)
            with pytest.raises(httpx.RemoteProtocolError):
                async with c.stream("GET", "/api/events/export") as r:
                    assert r.status_code == 200
                    async for _ in r.aiter_bytes():
                        pass
