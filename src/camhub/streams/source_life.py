"""The life of one camera connection, shared by the packet hub and the frame hub.

A :class:`~camhub.streams.packets.PacketSource` (H.264 for its consumers) and an
:class:`~camhub.streams.upstream.Upstream` (JPEG frames for its viewers) live the same
way, and this is that life:

- the first user starts it; ``grace`` seconds after the last one leaves it lets the
  camera go (so a page reload does not reconnect to the camera);
- while it runs it connects, reads until the connection fails, and connects again
  after a backoff that starts over once a connection brought something;
- a device that is gone or cannot stream (:class:`NotFound`, :class:`Unsupported`)
  ends it at once; any other failure is retried, and an exception that is not a
  :class:`CamhubError` (a driver bug) is logged and retried as a :class:`DeviceError`;
- :meth:`SourceLife.close` stops it, for good when given a reason.

A subclass says what a connection is (:meth:`SourceLife._connect`) and how its users
hear of failures; the bookkeeping of tasks, timers and delays is here only.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import ClassVar, Generic, Protocol, TypeVar

from camhub.errors import CamhubError, DeviceError, NotFound, Unsupported
from camhub.tasks import cancel_and_wait

BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)  # seconds between reconnects, then the last


class SourceHost(Protocol):
    """What a source asks of the hub that keeps it."""

    grace: float  # seconds a source outlives its last user


HostT = TypeVar("HostT", bound=SourceHost)


class Backoff:
    """The delays between reconnects: each longer than the last, up to the last step."""

    def __init__(self, steps: tuple[float, ...] = BACKOFF) -> None:
        self.steps = steps
        self.attempt = 0

    def reset(self) -> None:
        self.attempt = 0

    def next(self) -> float:
        delay = self.steps[min(self.attempt, len(self.steps) - 1)]
        self.attempt += 1
        return delay


class SourceLife(ABC, Generic[HostT]):
    """One camera connection kept for its users, reconnected with backoff."""

    task_name: ClassVar[str]  # the task is named ``{task_name}-{name}``
    log: ClassVar[logging.Logger]

    def __init__(self, hub: HostT, name: str) -> None:
        self.hub = hub
        self.name = name
        self.error: CamhubError | None = None  # the last failure since the last success
        self._task: asyncio.Task[None] | None = None
        self._idle: asyncio.TimerHandle | None = None
        self._backoff = Backoff()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # users -----------------------------------------------------------------------------
    def _start(self) -> None:
        """A user came: keep the connection, and open it if it is not running."""
        self._cancel_idle()
        if not self.running:
            self._task = asyncio.create_task(self._run(), name=f"{self.task_name}-{self.name}")

    def _left(self) -> None:
        """The last user left: let the camera go after the grace period."""
        if self.running and self._idle is None:
            self._idle = asyncio.get_running_loop().call_later(self.hub.grace, self._stop_idle)

    def _stop_idle(self) -> None:
        self._idle = None
        if not self._in_use() and self._task is not None:
            self._task.cancel()

    def _cancel_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    async def close(self, reason: CamhubError | None = None) -> None:
        """Let the camera go; with a ``reason``, for good (users hear it)."""
        self._cancel_idle()
        if reason is not None:
            self._close_for_good(reason)
        task, self._task = self._task, None
        await cancel_and_wait(task)

    # the connection --------------------------------------------------------------------
    async def _run(self) -> None:
        self._backoff.reset()
        try:
            while True:
                progress_before = self._progress()
                try:
                    await self._connect()
                    continue  # connect again at once
                except (Unsupported, NotFound) as exc:
                    self.error = exc
                    self._gave_up(exc)
                    return
                except Exception as exc:  # a driver bug must not end the stream quietly
                    if not isinstance(exc, CamhubError):
                        self.log.exception("%s: unexpected error reading the stream", self.name)
                        exc = DeviceError(f"{self.name}: stream failed", device=self.name)
                    self.error = exc
                    self._lost(exc)
                if self._progress() > progress_before:
                    self._backoff.reset()
                delay = self._backoff.next()
                self.log.info(
                    "%s: stream lost (%s); retrying in %.1f s", self.name, self.error, delay
                )
                await asyncio.sleep(delay)
        finally:
            self._let_go()

    @abstractmethod
    async def _connect(self) -> None:
        """Connect once and read: raise when the connection fails, return to connect
        again at once (without waiting, and without starting the backoff over)."""

    @abstractmethod
    def _in_use(self) -> bool:
        """Whether any user is left."""

    @abstractmethod
    def _progress(self) -> int:
        """A count that grows with what the connection brings (frames, units)."""

    @abstractmethod
    def _gave_up(self, error: CamhubError) -> None:
        """The device is gone or cannot stream: the run ends; tell the users."""

    @abstractmethod
    def _lost(self, error: CamhubError) -> None:
        """The connection failed and will be retried: tell the users."""

    @abstractmethod
    def _close_for_good(self, reason: CamhubError) -> None:
        """Closed for good: tell the users ``reason``."""

    @abstractmethod
    def _let_go(self) -> None:
        """The run ended (stopped, cancelled or given up): drop what it held."""
