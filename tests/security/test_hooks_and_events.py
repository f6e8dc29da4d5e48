"""Device call-backs: a hostile secret is a 404, an acknowledged event survives kill -9;
event types stay a bounded set."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import sqlite3
from pathlib import Path
from typing import Any

import httpx

from camhub.drivers.base import EventIn
from camhub.sim import SimOptions
from camhub.sim.sercomm import SercommEmulator
from camhub.store import Store
from tests.conftest import in_process, make_settings
from tests.security.conftest import camhub_serve

HOOKS = 300


def sercomm(emu: SercommEmulator) -> dict[str, Any]:
    return {
        "name": "porch",
        "kind": "sercomm",
        "host": "127.0.0.1",
        "port": emu.port,
        "username": "admin",
        "password": "pw",
    }


async def test_a_hook_url_with_a_non_ascii_secret_is_not_found(tmp_path: Path) -> None:
    async with SercommEmulator(SimOptions(username="admin", password="pw")) as emu:
        settings = make_settings(tmp_path / "data", devices=[sercomm(emu)])
        async with in_process(settings) as hub:
            for secret in ("é", "%C3%A9", "%FF", "ü" * 32, "a" * 31 + "\u00e9"):
                r = await hub.client.get(f"/hooks/porch/{secret}?event=motion")
                assert r.status_code == 404, secret
                assert r.json() == {"error": "Unknown hook"}
            good = hub.state.hub.hook_secret("porch")
            r = await hub.client.get(f"/hooks/porch/{good}?event=motion")
            assert r.status_code == 200


async def test_acknowledged_hook_events_survive_kill_9(tmp_path: Path) -> None:
    """First while the database is held by another writer (nothing can commit: an
    acknowledgement then would be a lie), then at full speed; kill -9 right after the
    last acknowledgement, with more calls in flight. Every acknowledged event is there
    after the restart."""
    async with SercommEmulator(SimOptions(username="admin", password="pw")) as emu:
        data = tmp_path / "hub" / "data"
        async with camhub_serve(tmp_path / "hub", devices=[sercomm(emu)]) as served:
            key = (data / "secret.key").read_bytes()
            secret = hmac.new(key, b"porch", hashlib.sha256).hexdigest()[:32]
            url = f"http://127.0.0.1:{served.http_port}/hooks/porch/{secret}"
            acked: list[str] = []
            killed = asyncio.Event()

            async def notify(c: httpx.AsyncClient, i: int, gate: asyncio.Semaphore) -> None:
                async with gate:
                    if killed.is_set():
                        return
                    try:
                        r = await c.get(url, params={"event": "motion", "time": f"id{i}"})
                    except httpx.HTTPError:
                        return  # no answer (timed out, or the hub died): not acknowledged
                    if r.status_code == 200 and not killed.is_set():
                        acked.append(f"id{i}")
                        if len(acked) == HOOKS:
                            served.kill()  # at once, with other calls in flight
                            killed.set()

            db = sqlite3.connect(data / "camhub.db", timeout=10, isolation_level=None)
            try:
                db.execute("BEGIN EXCLUSIVE")
                async with httpx.AsyncClient(timeout=2) as c:
                    gate = asyncio.Semaphore(20)
                    await asyncio.gather(*(notify(c, i, gate) for i in range(20)))
                held = len(acked)
            finally:
                db.execute("ROLLBACK")
                db.close()
            async with httpx.AsyncClient(timeout=30) as c:
                gate = asyncio.Semaphore(16)
                await asyncio.gather(*(notify(c, i, gate) for i in range(100, 100 + 2 * HOOKS)))
            await served.proc.wait()
        assert held == 0, f"{held} events acknowledged while nothing could be committed"
        assert len(acked) == HOOKS
        store = await Store.open(None, data)
        try:
            events = (await store.query_events(limit=10_000, device="porch"))["events"]
        finally:
            await store.close()
        stored = {e["data"].get("camera_time") for e in events}
        lost = [i for i in acked if i not in stored]
        assert not lost, f"{len(lost)} of {len(acked)} acknowledged events lost: {lost[:5]}"


async def test_unknown_event_types_are_stored_as_other(tmp_path: Path) -> None:
    async with SercommEmulator(SimOptions(username="admin", password="pw")) as emu:
        settings = make_settings(tmp_path / "data", devices=[sercomm(emu)])
        async with in_process(settings) as hub:
            h = await hub.admin_headers()
            for i in range(50):  # a device inventing a new type each time
                hub.state.hub.emit("porch", EventIn(f"weird-{i}", {"n": i}))
            hub.state.hub.emit("porch", EventIn("Person", {}))
            hub.state.hub.emit("porch", EventIn("\u00e9" * 500, {}))
            await hub.state.store.flush()
            r = await hub.client.get("/api/events", params={"device": "porch"}, headers=h)
            summary = {s["type"]: s["count"] for s in r.json()["summary"]}
            assert summary == {"other": 51, "person": 1}
            events = r.json()["events"]
            vendor = sorted(e["data"].get("vendor_type", "") for e in events)
            assert "weird-7" in vendor and max(len(v) for v in vendor) == 64
            assert next(e for e in events if e["data"].get("n") == 3)["type"] == "other"
            metrics = (await hub.client.get("/metrics", headers=h)).text
            assert "weird-" not in metrics
