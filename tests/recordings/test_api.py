"""The recordings API in-process: list and paging, MP4 with HTTP ranges, pin/unpin/
delete with roles, the timeline, event clips (202 while the post-roll records) and
snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from camhub.clock import now_ms
from camhub.config import RecordConfig
from camhub.sim.h264 import EncoderSettings, H264Feed
from camhub.sim.video import VideoSource
from tests.conftest import GUEST_PASSWORD, InProcess
from tests.helpers.wait import until
from tests.recordings.conftest import manager_of, recorded
from tests.recordings.media import T0, ffprobe


async def test_list_pages_newest_first_and_guests_may_only_look(hub: InProcess) -> None:
    recs, _ = await recorded(manager_of(hub), seconds=12, segment_seconds=2)
    assert len(recs) == 6
    admin = await hub.admin_headers()
    guest = {"Authorization": f"Bearer {await hub.login('viewer', GUEST_PASSWORD)}"}
    r = await hub.client.get("/api/recordings", params={"limit": 4}, headers=guest)
    first = r.json()
    assert [x["id"] for x in first["recordings"]] == [x.id for x in reversed(recs)][:4]
    item = first["recordings"][0]
    assert set(item) >= {"id", "device", "start", "end", "bytes", "pinned", "url"}
    assert item["url"] == f"/api/recordings/{item['id']}.mp4" and item["device"] == "cam"
    r = await hub.client.get(
        "/api/recordings", params={"limit": 4, "cursor": first["next"]}, headers=guest
    )
    rest = r.json()
    assert len(rest["recordings"]) == 2 and rest["next"] is None
    r = await hub.client.get(
        "/api/recordings",
        params={"since": T0 + 4000, "until": T0 + 7999, "order": "asc"},
        headers=guest,
    )
    assert [(x["start"] - T0, x["end"] - T0) for x in r.json()["recordings"]] == [
        (4000, 6000),
        (6000, 8000),
    ]
    assert (await hub.client.get(item["url"], headers=guest)).status_code == 200
    rid = item["id"]
    for method, path in (("POST", "/pin"), ("POST", "/unpin"), ("DELETE", "")):
        r = await hub.client.request(method, f"/api/recordings/{rid}{path}", headers=guest)
        assert r.status_code == 403, (method, path)
    for bad in ({"cursor": "x"}, {"since": 5, "until": 4}, {"limit": 0}, {"order": "up"}):
        r = await hub.client.get("/api/recordings", params=bad, headers=admin)
        assert r.status_code == 400 and "error" in r.json(), bad
    hub.client.cookies.clear()  # signing in set a session cookie
    assert (await hub.client.get("/api/recordings")).status_code == 401


async def test_mp4_answers_range_requests(hub: InProcess) -> None:
    (rec, *_), _ = await recorded(manager_of(hub), seconds=4, segment_seconds=4)
    data = (manager_of(hub).root / rec.path).read_bytes()
    token = await hub.login()
    url = f"/api/recordings/{rec.id}.mp4"
    r = await hub.client.get(url, params={"token": token})
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "video/mp4" and r.headers["accept-ranges"] == "bytes"
    h = {"Authorization": f"Bearer {token}"}
    r = await hub.client.get(url, headers={**h, "Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == data[100:200]
    assert r.headers["content-range"] == f"bytes 100-199/{len(data)}"
    r = await hub.client.get(url, headers={**h, "Range": "bytes=-50"})
    assert r.status_code == 206 and r.content == data[-50:]
    r = await hub.client.get(url, headers={**h, "Range": f"bytes={len(data) - 10}-"})
    assert r.status_code == 206 and r.content == data[-10:]
    r = await hub.client.get(url, headers={**h, "Range": f"bytes={len(data) + 5}-"})
    assert r.status_code == 416
    r = await hub.client.head(url, headers=h)
    assert r.status_code == 200 and int(r.headers["content-length"]) == len(data)
    hub.client.cookies.clear()
    assert (await hub.client.get(url, params={"token": "nope"})).status_code == 401
    assert (await hub.client.get("/api/recordings/999.mp4", headers=h)).status_code == 404


async def test_pin_renames_the_file_and_survives_delete_until_unpinned(hub: InProcess) -> None:
    manager = manager_of(hub)
    (rec, *_), _ = await recorded(manager, seconds=2, segment_seconds=2)
    h = await hub.admin_headers()
    old = manager.root / rec.path
    assert rec.snapshot is None, "a segment without events gets its picture when asked"
    jpg = await hub.client.get(f"/api/recordings/{rec.id}.jpg", headers=h)
    assert jpg.status_code == 200 and jpg.content[:2] == b"\xff\xd8"
    assert Path(str(old) + ".jpg").is_file()
    r = await hub.client.post(f"/api/recordings/{rec.id}/pin", headers=h)
    assert r.status_code == 200 and r.json()["pinned"] is True
    pinned = manager.root / rec.path.replace(".mp4", "_pin.mp4")
    assert pinned.is_file() and not old.exists()
    assert Path(str(pinned) + ".jpg").is_file(), "the snapshot follows its video"
    assert (await hub.client.get(f"/api/recordings/{rec.id}.mp4", headers=h)).status_code == 200
    r = await hub.client.delete(f"/api/recordings/{rec.id}", headers=h)
    assert r.status_code == 409 and pinned.is_file()
    r = await hub.client.post(f"/api/recordings/{rec.id}/unpin", headers=h)
    assert r.json()["pinned"] is False and old.is_file() and not pinned.exists()
    r = await hub.client.delete(f"/api/recordings/{rec.id}", headers=h)
    assert r.status_code == 200 and not old.exists()
    assert not Path(str(old) + ".jpg").exists()
    assert (await hub.client.get(f"/api/recordings/{rec.id}.mp4", headers=h)).status_code == 404
    assert (await hub.client.delete(f"/api/recordings/{rec.id}", headers=h)).status_code == 404


async def test_timeline_shows_ranges_and_events_with_clips(hub: InProcess) -> None:
    manager = manager_of(hub)
    recs, ids = await recorded(
        manager, mode="events", seconds=20, events={3: "motion", 12: "person"},
        pre_seconds=1, post_seconds=2,
    )  # fmt: skip
    assert len(recs) == 2
    hub.state.store.add_event("cam", "motion", T0 + 30_000, {})  # after recording stopped
    await hub.state.store.flush()
    h = await hub.admin_headers()
    r = await hub.client.get(
        "/api/devices/cam/timeline", params={"since": T0, "until": T0 + 60_000}, headers=h
    )
    body = r.json()
    assert body["ranges"] == [{"start": x.start, "end": x.end} for x in recs]
    events = body["events"]
    assert [e["type"] for e in events] == ["motion", "person", "motion"]
    assert [e["recording"] for e in events] == [recs[0].id, recs[1].id, None]
    first = events[0]
    assert first["clip"] == f"/api/events/{ids[3]}/clip"
    clip = await hub.client.get(first["clip"], headers=h)
    assert clip.status_code == 200 and clip.content == (manager.root / recs[0].path).read_bytes()
    snap = await hub.client.get(first["snapshot"], headers=h)
    assert snap.status_code == 200 and snap.content[:2] == b"\xff\xd8"
    assert events[2]["clip"] is None and events[2]["snapshot"] is None
    no_clip = await hub.client.get(f"/api/events/{events[2]['id']}/clip", headers=h)
    assert no_clip.status_code == 404
    assert (await hub.client.get("/api/events/123456/clip", headers=h)).status_code == 404
    r = await hub.client.get(
        "/api/devices/cam/timeline", params={"since": T0, "until": T0 + 8 * 86_400_000}, headers=h
    )
    assert r.status_code == 400


async def record(hub: InProcess, feed: H264Feed, **cfg: Any) -> None:
    """Turn recording on for ``cam`` with a live emulator feed as its video."""
    manager = manager_of(hub)
    manager.feed_for = lambda name: feed if name == "cam" else None
    config = hub.state.service.config
    devices = [
        d.model_copy(update={"record": RecordConfig(**cfg)}) if d.name == "cam" else d
        for d in config.devices
    ]
    await manager.sync(config.model_copy(update={"devices": devices}))


async def test_event_clip_is_202_while_its_post_roll_records(hub: InProcess) -> None:
    feed = H264Feed(
        VideoSource(320, 180, fps=15, scene="motion"), EncoderSettings(320, 180, gop_seconds=1)
    )
    try:
        await record(hub, feed, mode="events", pre_seconds=1, post_seconds=3)
        manager = manager_of(hub)
        await until(lambda: manager.recorders["cam"].gops >= 2, 20, "video in the ring buffer")
        store = hub.state.store
        store.add_event("cam", "motion", now_ms(), {})
        await store.flush()
        h = await hub.admin_headers()
        events = (await hub.client.get("/api/events", params={"device": "cam"}, headers=h)).json()
        eid = events["events"][0]["id"]
        r = await hub.client.get(f"/api/events/{eid}/clip", headers=h)
        assert r.status_code == 202, r.text
        assert int(r.headers["retry-after"]) >= 1 and r.json()["status"] == "recording"

        async def ready() -> Any:
            got = await hub.client.get(f"/api/events/{eid}/clip", headers=h)
            return got if got.status_code == 200 else None

        done = await until(ready, 30, "the clip after its post-roll")
        assert done.headers["content-type"] == "video/mp4"
        path = Path(hub.state.settings.data_dir) / "clip.mp4"
        path.write_bytes(done.content)
        info = ffprobe(path)
        assert info["packets"][0]["flags"].startswith("K")
        assert float(info["format"]["duration"]) >= 3.0, "the post-roll is in the clip"
    finally:
        await feed.close()
