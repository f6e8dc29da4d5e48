"""The single batching writer.

``add`` appends to an in-memory list and wakes the writer task; it never blocks and
never drops. The writer takes everything pending (up to ``max_batch`` rows per
transaction), hands it to the sink, then tells subscribers which events were
committed. At a low event rate every event is its own small transaction; under load
batches grow by themselves, with no timer adding latency.

A failed write keeps its rows at the head of the queue and is retried with backoff.
``close`` drains the queue; only if the database stays unusable for
``close_attempts`` tries does it give up, and then it logs how many events were lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

from camhub.store.sinks import Row, Sink

log = logging.getLogger("camhub.store")

Subscriber = Callable[[list[dict[str, Any]]], None]


# Past this many times max_pending, new events are dropped (and counted).
HARD_LIMIT_FACTOR = 4


class EventWriter:
    def __init__(
        self,
        sink: Sink,
        *,
        max_batch: int = 20_000,
        max_pending: int = 500_000,
        close_attempts: int = 5,
    ) -> None:
        self._sink = sink
        self._max_batch = max_batch
        self._max_pending = max_pending
        self._close_attempts = close_attempts
        self._pending: list[Row] = []
        self.dropped = 0  # events refused because too many were pending
        self._enqueued = 0
        self._done = 0  # rows committed (or, on a failed close, given up)
        self._wake = asyncio.Event()
        self._progress = asyncio.Condition()
        self._closing = False
        self._subscribers: list[Subscriber] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        return self._enqueued - self._done

    async def start(self) -> None:
        await self._sink.open()
        self._task = asyncio.create_task(self._run(), name="camhub-event-writer")

    def add(self, device: str, type: str, timestamp: int, data: dict[str, Any]) -> None:
        if self._closing:
            raise RuntimeError("the event store is closed")
        if len(self._pending) >= HARD_LIMIT_FACTOR * self._max_pending:
            # The database has been failing for long: bound memory, and say so.
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 10_000 == 0:
                log.error("event store unavailable: %d events dropped so far", self.dropped)
            return
        self._pending.append((device, type, int(timestamp), json.dumps(data)))
        self._enqueued += 1
        self._wake.set()

    async def add_wait(self, device: str, type: str, timestamp: int, data: dict[str, Any]) -> None:
        """Like :meth:`add`, but first waits while too many events are pending."""
        if len(self._pending) >= self._max_pending:
            async with self._progress:
                await self._progress.wait_for(
                    lambda: len(self._pending) < self._max_pending or self._task_dead()
                )
        self.add(device, type, timestamp, data)

    async def flush(self) -> None:
        """Return once every event added before the call is committed."""
        target = self._enqueued
        async with self._progress:
            await self._progress.wait_for(lambda: self._done >= target or self._task_dead())
        if self._done < target:
            raise RuntimeError("the event writer stopped")

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(callback)

        return unsubscribe

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
        await self._sink.close()

    # ---------------------------------------------------------------------------
    def _task_dead(self) -> bool:
        return self._task is not None and self._task.done()

    async def _run(self) -> None:
        failures = 0
        while True:
            if not self._pending:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                ids = await self._sink.write(batch)
            except asyncio.CancelledError:
                self._pending[:0] = batch
                raise
            except Exception as exc:
                self._pending[:0] = batch
                failures += 1
                if self._closing and failures >= self._close_attempts:
                    lost = len(self._pending)
                    self._pending.clear()
                    log.error("event store unusable at shutdown; %d events lost: %s", lost, exc)
                    await self._committed(lost, None, [])
                    return
                delay = min(5.0, 0.05 * 2**failures)
                log.warning("event write failed (%s); retrying in %.2f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            await self._committed(len(batch), ids, batch)

    async def _committed(self, n: int, ids: Sequence[int] | None, batch: list[Row]) -> None:
        self._done += n
        async with self._progress:
            self._progress.notify_all()
        if ids is None or not self._subscribers:
            return
        events = [
            {"id": i, "device": d, "type": t, "timestamp": ts, "data": json.loads(data)}
            for i, (d, t, ts, data) in zip(ids, batch, strict=True)
        ]
        for callback in list(self._subscribers):
            try:
                callback(events)
            except Exception:
                log.exception("event subscriber failed")
