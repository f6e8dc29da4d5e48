"""Hand one stream of items (access units, fMP4 fragments) to many consumers.

Each consumer has its own bounded queue. A consumer that falls ``limit`` items behind
loses its queue and skips to the next keyframe (it could not decode what follows a
gap anyway); its ``drops`` count says how many items it lost. Nobody else waits for
it. A new consumer starts on a keyframe: with the items since the last one (the
current GOP, so a picture can be shown at once) or else from the next keyframe.

Failures reach consumers too: :meth:`Fanout.fail` makes each consumer's next
:meth:`Consumer.get` raise the error once (the source retries; the consumer stays),
or for good when the source has given up.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from camhub.errors import CamhubError

T = TypeVar("T")

QUEUE_LIMIT = 90  # items a consumer may fall behind (6 s at 15 fps) before it skips
GOP_LIMIT = 600  # items kept to prime new consumers; a longer GOP is not kept


class Consumer(Generic[T]):
    """One reader of a :class:`Fanout`. ``await get()``; ``close()`` when done."""

    def __init__(self, fanout: Fanout[T], limit: int) -> None:
        self.fanout = fanout
        self.limit = limit
        self.drops = 0  # items lost because this consumer was too slow
        self.received = 0
        self._items: deque[T] = deque()
        self._skipping = True  # waiting for a keyframe
        self._error: CamhubError | None = None
        self._final = False  # the error is for good
        self._waiter: asyncio.Future[None] | None = None
        self.closed = False

    def offer(self, item: T, key: bool) -> None:
        if self._skipping:
            if not key:
                self.drops += 1
                return
            self._skipping = False
        elif len(self._items) >= self.limit:
            self.drops += len(self._items)
            self._items.clear()
            if not key:
                self.drops += 1
                self._skipping = True
                return
        self._items.append(item)
        self._wake()

    def fail(self, error: CamhubError, final: bool) -> None:
        self._error = error
        self._final = final
        if final:
            self._items.clear()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    @property
    def final(self) -> bool:
        """The source gave up for good (unsupported, removed): no more items come."""
        return self._final

    @property
    def pending(self) -> int:
        return len(self._items)

    async def get(self) -> T:
        """The next item; raises the source's error once per failure (always once final)."""
        while True:
            if self._error is not None:
                error = self._error
                if not self._final:
                    self._error = None
                raise error.with_traceback(None)
            if self._items:
                self.received += 1
                return self._items.popleft()
            if self.closed:
                raise RuntimeError("consumer is closed")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._items.clear()
            self._wake()
            self.fanout._remove(self)


class Fanout(Generic[T]):
    """The items of one source, offered to every consumer as they come."""

    def __init__(self, on_empty: Callable[[], None] | None = None) -> None:
        self.consumers: set[Consumer[T]] = set()
        self.gop: list[T] = []  # items since the last keyframe
        self.published = 0
        self._on_empty = on_empty

    def subscribe(self, limit: int = QUEUE_LIMIT, prime: bool = True) -> Consumer[T]:
        consumer = Consumer(self, limit)
        # a GOP longer than half the queue would leave no room: wait for a keyframe
        if prime and self.gop and len(self.gop) <= limit // 2:
            consumer._skipping = False
            consumer._items.extend(self.gop)
        self.consumers.add(consumer)
        return consumer

    def publish(self, item: T, key: bool) -> None:
        self.published += 1
        if key:
            self.gop = [item]
        elif self.gop:
            if len(self.gop) < GOP_LIMIT:
                self.gop.append(item)
            else:
                self.gop = []  # too long to replay: new consumers wait for a keyframe
        for consumer in self.consumers:
            consumer.offer(item, key)

    def fail(self, error: CamhubError, final: bool = False) -> None:
        """Tell every consumer; a new connection starts a new GOP."""
        self.gop = []
        for consumer in self.consumers:
            consumer.fail(error, final)

    def _remove(self, consumer: Consumer[T]) -> None:
        self.consumers.discard(consumer)
        if not self.consumers and self._on_empty is not None:
            self._on_empty()
