"""The recording index on SQLite and PostgreSQL: migration 0004, paging, event links,
pinned events, and deletes that take their links along."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from camhub.store import Store
from camhub.store.db import MIGRATIONS, create_engine, migrate
from camhub.store.recordings import NewRecording
from tests.store.conftest import OpenStore, Target


def downgrade(sync_conn: sa.Connection, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = sync_conn
    command.downgrade(cfg, revision)


def new(device: str, start: int, seconds: int = 10, **kw: object) -> NewRecording:
    path = f"{device}/day/{start}.mp4"
    return NewRecording(device, "continuous", start, start + seconds * 1000, path, 1000, **kw)  # type: ignore[arg-type]


async def test_migration_0004_upgrades_and_downgrades(target: Target) -> None:
    engine = create_engine(target.full_url, schema=target.schema)
    try:
        await migrate(engine, schema=target.schema, revision="0003")
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert "recordings" not in names
        await migrate(engine, schema=target.schema)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
            indexes = await conn.run_sync(
                lambda c: {i["name"] for i in sa.inspect(c).get_indexes("recordings")}
            )
        assert {"recordings", "recording_events"} <= set(names)
        assert {"ix_recordings_device_start", "ix_recordings_start"} <= indexes
        async with engine.begin() as conn:
            await conn.run_sync(downgrade, "0003")
            names = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert "recordings" not in names and "recording_events" not in names
    finally:
        await engine.dispose()
    # and the store still opens (migrates again) afterwards
    if target.schema is not None:
        store = await Store.open(target.url, target.data_dir, schema=target.schema)
        await store.close()


async def test_find_pages_by_start_and_overlap(store: Store) -> None:
    index = store.recordings
    for i in range(25):
        await index.add(new("a" if i % 2 else "b", 1_000_000 + i * 10_000))
    all_a = await index.find(device="a", limit=100, newest_first=False)
    assert [r.start for r in all_a] == [1_000_000 + i * 10_000 for i in range(1, 25, 2)]
    pages, after = [], None
    while True:
        page = await index.find(device="a", limit=5, after=after)
        if not page:
            break
        pages.append(page)
        after = (page[-1].start, page[-1].id)
    assert [len(p) for p in pages] == [5, 5, 2]
    assert [r.id for p in pages for r in p] == [r.id for r in reversed(all_a)]
    # overlap: a recording [s, s+10 s) is in [since, until] when it ends after since
    got = await index.find(since=1_015_000, until=1_030_000, newest_first=False)
    assert [r.start for r in got] == [1_010_000, 1_020_000, 1_030_000]


async def test_events_link_to_their_clip_and_go_with_it(store: Store) -> None:
    index = store.recordings
    store.add_event("cam", "motion", 1_005_000, {})
    store.add_event("cam", "person", 1_015_000, {})
    await store.flush()
    events = (await store.query_events(device="cam"))["events"]
    early, late = sorted(e["id"] for e in events)
    a = await index.add(new("cam", 1_000_000), [early])
    b = await index.add(new("cam", 1_010_000, pinned=True), [late, early])  # boundary: both
    clips = await index.for_events([early, late])
    assert clips[early].id == a.id and clips[late].id == b.id
    assert await index.event_ids([a.id, b.id]) == {a.id: [early], b.id: [early, late]}
    pinned = await index.pinned_events("cam", None, 10)
    assert [e["id"] for e in pinned] == [late, early]
    assert (await index.event(late))["type"] == "person"  # type: ignore[index]
    assert await index.events_between("cam", 1_000_000, 1_010_000, 10) == [early]
    await index.delete([b.id])
    assert await index.event_ids([b.id]) == {}
    assert (await index.for_events([late])) == {}
    assert (await index.for_events([early]))[early].id == a.id
    assert await index.totals() == {"cam": 1000}


async def test_a_path_is_indexed_once(open_store: OpenStore) -> None:
    store = await open_store()
    await store.recordings.add(new("cam", 1))
    try:
        await store.recordings.add(new("cam", 1))
    except Exception as exc:  # the unique path refuses a second row
        assert "Recording index unavailable" in str(exc)
    else:
        raise AssertionError("a second row for one file was accepted")
    assert len(await store.recordings.find()) == 1
