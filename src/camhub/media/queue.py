"""Bounded queues between a producer and one consumer that never stall the producer.

:class:`KeyframeQueue` carries access units and lets a slow consumer skip to a
keyframe; :class:`LossyQueue` carries anything else (sound) and drops the oldest.

:meth:`KeyframeQueue.put` never blocks. When the queue is full (``maxsize`` units or
``max_bytes`` bytes), it drops its backlog and everything after it up to the next
keyframe, so the consumer resumes on a picture it can decode, with the freshest data,
and the producer (and every other consumer) carries on at full speed. Every access
unit dropped is counted in :attr:`KeyframeQueue.dropped`; :attr:`KeyframeQueue.skips`
counts the times the consumer fell behind.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Generic, TypeVar

from camhub.media.types import AccessUnit

T = TypeVar("T")


class KeyframeQueue:
    def __init__(self, maxsize: int = 64, max_bytes: int = 8 * 1024 * 1024) -> None:
        if maxsize < 1 or max_bytes < 1:
            raise ValueError("queue bounds must be positive")
        self.maxsize, self.max_bytes = maxsize, max_bytes
        self._items: collections.deque[AccessUnit] = collections.deque()
        self._bytes = 0
        self._ready = asyncio.Event()
        self._skipping = True  # a consumer starts on a keyframe
        self.closed = False
        self.dropped = 0
        self.skips = 0

    def __len__(self) -> int:
        return len(self._items)

    def _fits(self, au: AccessUnit) -> bool:
        if not self._items:
            return True
        return len(self._items) < self.maxsize and self._bytes + len(au.data) <= self.max_bytes

    def put(self, au: AccessUnit) -> bool:
        """Queue ``au`` unless skipping to a keyframe; False when it was dropped."""
        if self.closed:
            return False
        if self._skipping and not au.keyframe:
            self.dropped += 1
            return False
        if not self._fits(au):
            self.skips += 1
            self.dropped += len(self._items) + 1
            self._items.clear()
            self._bytes = 0
            self._skipping = True
            if not au.keyframe:
                return False
        self._skipping = False
        self._items.append(au)
        self._bytes += len(au.data)
        self._ready.set()
        return True

    async def get(self) -> AccessUnit | None:
        """The next access unit; None once the queue is closed and empty."""
        while not self._items:
            if self.closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        au = self._items.popleft()
        self._bytes -= len(au.data)
        return au

    def get_nowait(self) -> AccessUnit | None:
        if not self._items:
            return None
        au = self._items.popleft()
        self._bytes -= len(au.data)
        return au

    def close(self) -> None:
        """No more puts; ``get`` drains what is queued, then answers None."""
        self.closed = True
        self._ready.set()


class LossyQueue(Generic[T]):
    """At most ``maxsize`` items; :meth:`put` never blocks and, when full, drops the
    oldest (counted in :attr:`dropped`): a late sound is worth less than a new one."""

    def __init__(self, maxsize: int = 64) -> None:
        if maxsize < 1:
            raise ValueError("queue bound must be positive")
        self._items: collections.deque[T] = collections.deque(maxlen=maxsize)
        self._ready = asyncio.Event()
        self.closed = False
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T) -> None:
        if self.closed:
            return
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
        self._items.append(item)
        self._ready.set()

    async def get(self) -> T | None:
        """The next item; None once the queue is closed and empty."""
        while not self._items:
            if self.closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    def close(self) -> None:
        self.closed = True
        self._ready.set()
