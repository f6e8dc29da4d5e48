"""The tinycam driver's events: once each, late ones too, camhub's names, in time."""

from __future__ import annotations

import asyncio

from camhub.sim import SimOptions
from camhub.sim.tinycam import TinyCamEmulator

from .conftest import DOORBELL, FRONT_YARD


async def test_a_recording_that_ends_is_not_reported_again(emu, make_server, events):
    server = make_server()
    await server.connect()
    await server.poll()
    event = emu.add_event(FRONT_YARD, "person", duration_ms=5000)
    await server.poll()
    assert [e.type for e in events] == ["person"]
    assert " 5sec " in events[0].data["file"]

    emu.finish_event(event, 120_000)  # tinyCam renames the files: "... 120sec person.mp4"
    await server.poll()
    await server.poll()
    assert [e.type for e in events] == ["person"]


async def test_an_event_listed_late_with_an_older_start_is_reported(emu, make_server, events):
    server = make_server()
    await server.connect()
    await server.poll()
    newer = emu.add_event(DOORBELL, "motion")
    await server.poll()
    # a recording that started a minute before, saved (and listed) only now
    older = emu.add_event(DOORBELL, "person", when_ms=newer.time - 60_000)
    await server.poll()
    assert [(e.type, e.timestamp) for e in events] == [
        ("motion", newer.time),
        ("person", older.time),
    ]
    await server.poll()
    assert len(events) == 2


async def test_audio_events_are_filed_as_sound(emu, make_server, events):
    server = make_server()
    await server.connect()
    await server.poll()
    first = emu.add_event(FRONT_YARD, "audio")
    emu.add_event(FRONT_YARD, "vehicle", when_ms=first.time + 1)
    await server.poll()
    assert [(e.type, e.data["vendor_type"]) for e in events] == [
        ("sound", "audio"),
        ("vehicle", "vehicle"),
    ]
    assert {e.type for e in events} <= server.event_types()


async def test_a_server_with_many_cameras_answers_a_poll_in_time(make_server, events):
    """Each request takes 0.25 s: one by one, 2 + 12 of them would pass the coordinator's
    deadline of twice the 1 s timeout."""
    cams = [{"name": f"Cam {i}", "id": 100 + i} for i in range(12)]
    opts = SimOptions(extra={"cameras": cams, "scene": "quiet", "history": 0, "slow_seconds": 0.25})
    async with TinyCamEmulator(opts) as emu:
        assert isinstance(emu, TinyCamEmulator)
        server = make_server(timeout=1.0)
        server.transport.base_url = emu.url
        await server.connect()
        await server.poll()
        emu.add_event(111, "pet")
        emu.set_fault("slow")
        async with asyncio.timeout(2 * 1.0):  # as the coordinator polls
            state = await server.poll()
        assert len(state.vendor["cameras"]) == 12
        assert [(e.type, e.data["camera"]) for e in events] == [("pet", "phone.cam-11")]
        assert 2 <= emu.peak_in_flight <= 4  # at once, but a few at a time
