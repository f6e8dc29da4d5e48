"""New-event detection over ``get_cam_event_list``, without duplicates.

tinyCam has no push channel for its web API, so the server device polls each camera's
event list (newest first) and keeps, per camera, a cursor: the newest event start time
seen, and the keys of the events seen since :data:`LOOKBACK_MS` before it.

An event's key is its start time and kind (the camera is the tracker's own). The
``video`` / ``image`` links are not part of it: their file names carry the duration
(``... 120sec person.mp4``), which tinyCam rewrites when a recording ends, and pinning
renames them; the same event must not come out twice for that.

tinyCam lists an event under the time it *started*, and may list it only once its
recording is saved, after newer ones. So each read goes back to the cursor minus
:data:`LOOKBACK_MS`, and every event in that window whose key was not seen is new;
keys older than the window are forgotten. An event that shows up later than that
after a newer one is missed.

The first read of a camera only primes its cursor: history recorded before camhub
started (or before the camera was added) is not replayed as new events. That also
means a restart of camhub never reports an event twice; the price is that events
recorded while camhub was down are not reported (they stay in tinyCam's list).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from camhub.drivers.tinycam.protocol import EventRecord

# (camera_id, count, endtime) -> events, newest first
Fetch = Callable[[int, int, int | None], Awaitable[list[EventRecord]]]
Key = tuple[int, str]  # (start time ms, kind)

PAGE = 50
MAX_PAGES = 5
LOOKBACK_MS = 10 * 60_000  # how late (after a newer one) an event may still be listed


def key_of(event: EventRecord) -> Key:
    return (event.time, event.kind)


@dataclass
class _Cursor:
    time: int | None = None  # None: not primed yet
    seen: set[Key] = field(default_factory=set)  # keys at or after time - LOOKBACK_MS

    @property
    def floor(self) -> int:
        return (self.time or 0) - LOOKBACK_MS


class EventTracker:
    def __init__(self) -> None:
        self._cursors: dict[int, _Cursor] = {}

    def forget(self, keep: set[int]) -> None:
        """Drop the cursors of cameras no longer listed."""
        for cid in list(self._cursors):
            if cid not in keep:
                del self._cursors[cid]

    async def new_events(self, camera_id: int, fetch: Fetch) -> list[EventRecord]:
        """Events of one camera not reported before, oldest first.

        The cursor only changes when the whole read succeeded, so an error leaves the
        next poll to pick the same events up.
        """
        cur = self._cursors.get(camera_id) or _Cursor()
        primed = cur.time is not None
        window = await self._read_window(camera_id, cur.floor if primed else None, fetch)
        fresh: dict[Key, EventRecord] = {}
        for e in window:
            if e.time >= cur.floor and key_of(e) not in cur.seen:
                fresh.setdefault(key_of(e), e)
        newest = max((e.time for e in window), default=cur.time or 0)
        cur.time = max(cur.time or 0, newest)
        cur.seen = {k for k in cur.seen | fresh.keys() if k[0] >= cur.floor}
        self._cursors[camera_id] = cur
        if not primed:
            return []
        return sorted(fresh.values(), key=lambda e: e.time)

    @staticmethod
    async def _read_window(camera_id: int, floor: int | None, fetch: Fetch) -> list[EventRecord]:
        """Pages back (``endtime``) until ``floor`` is passed; None: until
        :data:`LOOKBACK_MS` before the newest event listed (the priming read)."""
        events = await fetch(camera_id, PAGE, None)
        if floor is None:
            floor = events[0].time - LOOKBACK_MS if events else 0
        collected = list(events)
        pages = 1
        while len(events) == PAGE and events[-1].time >= floor and pages < MAX_PAGES:
            # endtime is inclusive: equal-time events at the page edge come again and
            # are merged by key.
            events = await fetch(camera_id, PAGE, events[-1].time)
            collected.extend(events)
            pages += 1
        return collected
