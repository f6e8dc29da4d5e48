"""New-event detection over ``get_cam_event_list``, without duplicates.

tinyCam has no push channel for its web API, so the server device polls each camera's
event list (newest first) and keeps, per camera, a cursor: the newest event time seen
and the keys (time, kind, video, image) of the events at exactly that time, so that
several events in the same millisecond, or one arriving late with an equal time, are
each reported once.

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

PAGE = 20
MAX_PAGES = 5


@dataclass
class _Cursor:
    time: int | None = None  # None: not primed yet
    seen: set[tuple[int, str, str | None, str | None]] = field(default_factory=set)


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

        The cursor only advances when the whole read succeeded, so an error leaves
        the next poll to pick the same events up.
        """
        cur = self._cursors.setdefault(camera_id, _Cursor())
        window = await self._read_window(camera_id, cur.time, fetch)
        if cur.time is None:
            newest = window[0].time if window else 0
            cur.time = newest
            cur.seen = {e.key for e in window if e.time == newest}
            return []
        fresh: dict[tuple[int, str, str | None, str | None], EventRecord] = {}
        for e in window:
            if e.time > cur.time or (e.time == cur.time and e.key not in cur.seen):
                fresh[e.key] = e
        out = sorted(fresh.values(), key=lambda e: e.time)
        for e in out:
            if e.time > cur.time:
                cur.time = e.time
                cur.seen = set()
            cur.seen.add(e.key)
        return out

    @staticmethod
    async def _read_window(camera_id: int, since: int | None, fetch: Fetch) -> list[EventRecord]:
        """Pages back (``endtime``) until the cursor time is reached."""
        events = await fetch(camera_id, PAGE, None)
        if since is None:
            return events
        collected = list(events)
        pages = 1
        while len(events) == PAGE and events[-1].time > since and pages < MAX_PAGES:
            # endtime is inclusive: equal-time events at the page edge come again and
            # are merged by key.
            events = await fetch(camera_id, PAGE, events[-1].time)
            collected.extend(events)
            pages += 1
        return collected
