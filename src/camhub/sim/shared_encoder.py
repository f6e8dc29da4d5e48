"""An emulated camera's encoder, shared by its subscribers.

The emulators' H.264 (:class:`~camhub.sim.h264.H264Feed`) and sound
(:class:`~camhub.sim.audio.SoundFeed`) live the same way, and this is that life: the
first subscriber starts the encoder, each subscriber has its own bounded queue, the
encoder stops when the last one leaves, and an encoder that breaks ends every
subscription (the next subscriber starts a new one). A subclass says what a queue is
and how to encode (:meth:`SharedEncoder._encode_loop`, which hands each unit to
:meth:`SharedEncoder._publish`).
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import ClassVar, Generic, Protocol, TypeVar

from camhub.tasks import cancel_and_wait

log = logging.getLogger(__name__)

T = TypeVar("T")


class UnitQueue(Protocol[T]):
    """A subscriber's queue (:mod:`camhub.media.queue`): bounded, None once closed."""

    def put(self, item: T, /) -> object: ...
    async def get(self) -> T | None: ...
    def close(self) -> None: ...


class SharedEncoder(ABC, Generic[T]):
    """One encoder run while anyone subscribes; every subscriber gets every unit."""

    task_name: ClassVar[str]  # of the encoder's task
    what: ClassVar[str]  # the encoder, as the log names it

    def __init__(self) -> None:
        self._subscribers: set[UnitQueue[T]] = set()
        self._task: asyncio.Task[None] | None = None
        self.subscriptions = 0  # ever made

    @property
    def encoding(self) -> bool:
        return self._task is not None and not self._task.done()

    async def subscribe(self) -> AsyncIterator[T]:
        queue = self._new_queue()
        self._subscribers.add(queue)
        self.subscriptions += 1
        if not self.encoding:
            self._start_encoder()
        try:
            while (unit := await queue.get()) is not None:
                yield unit
        finally:
            self._subscribers.discard(queue)
            if not self._subscribers:
                await self._stop()

    async def close(self) -> None:
        """End every subscription and stop encoding."""
        for queue in list(self._subscribers):
            queue.close()
        await self._stop()

    def _start_encoder(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.task_name)

    async def _stop(self) -> None:
        task, self._task = self._task, None
        if task is not asyncio.current_task():  # a stop from within the run: it ends itself
            await cancel_and_wait(task)

    async def _run(self) -> None:
        try:
            await self._encode_loop()
        except Exception:  # a broken encoder ends the streams; the next subscriber retries
            log.exception("%s failed", self.what)
            for queue in list(self._subscribers):
                queue.close()

    def _publish(self, unit: T) -> None:
        for queue in self._subscribers:
            queue.put(unit)

    @abstractmethod
    def _new_queue(self) -> UnitQueue[T]:
        """A new subscriber's queue."""

    @abstractmethod
    async def _encode_loop(self) -> None:
        """Encode (paced to real time) until cancelled, publishing each unit."""
