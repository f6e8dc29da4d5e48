"""One polling coordinator per device (after Home Assistant's DataUpdateCoordinator).

Connects the device (without blocking start-up), then polls it on a jittered
schedule; after errors it backs off exponentially. ``online`` follows the last
attempt. It logs one line when a device goes offline and one when it recovers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any

from camhub.capabilities import Capability, ChildrenState, DeviceState, EventsState
from camhub.drivers.base import Device
from camhub.errors import CamhubError, DeviceAuthError, DeviceLockedOut
from camhub.tasks import cancel_and_wait

log = logging.getLogger("camhub.hub")

MAX_BACKOFF = 60.0


class Coordinator:
    def __init__(
        self,
        device: Device,
        on_change: Callable[[Device], None],
        on_polled: Callable[[Device], None] | None = None,
        interval: float | None = None,
    ) -> None:
        self.device = device
        self.interval = interval or device.config.poll_interval or type(device).poll_interval
        self.on_change = on_change
        self.on_polled = on_polled
        self.online = False
        self.connected = False
        self.last_error: str | None = None
        self.last_success: float | None = None
        self.failures = 0
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.first_attempt = asyncio.Event()
        self._last_state: dict[str, Any] | None = None  # JSON of the last published state
        self._refresh_lock = asyncio.Lock()
        self._not_before = 0.0  # loop time before which a locked-out device is not asked

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"poll {self.device.name}")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        try:
            await self.device.close()
        except Exception:  # a driver's close must not break shutdown
            log.exception("%s: error while closing", self.device.name)

    def request_refresh(self) -> None:
        """Poll again soon (after a command changed the device)."""
        self._wake.set()

    async def reconnect(self) -> None:
        """Forget the device session, log in afresh and poll (tapo-rest's refresh-session)."""
        async with self._refresh_lock:
            await self.device.close()
            self.connected = False
            await self._refresh()

    async def refresh(self) -> None:
        """Connect if needed and poll once, updating ``online`` and the state.

        Calls are serialised: the poll loop, an API refresh and a compat action never
        log in or poll the same device at the same time.
        """
        async with self._refresh_lock:
            await self._refresh()

    async def _refresh(self) -> None:
        dev = self.device
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can lose a cancel that
            # arrives with the result, and stop() would wait for ever.
            if not self.connected:
                async with asyncio.timeout(dev.config.timeout * 2):
                    await dev.connect()
                self.connected = True
            async with asyncio.timeout(dev.config.timeout * 2):
                state = await dev.poll()
        except asyncio.CancelledError:
            raise
        except (CamhubError, TimeoutError, OSError) as exc:
            self._failed(exc)
        except Exception as exc:  # a driver bug must not kill its coordinator
            log.exception("%s: unexpected error while polling", dev.name)
            self._failed(exc)
        else:
            self._succeeded(state)
        finally:
            self.first_attempt.set()
            if self.on_polled is not None:
                self.on_polled(dev)

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        self.last_error = message
        if self.online or self.failures == 1:
            log.warning("%s: offline (%s)", self.device.name, message)
        if self.online:
            self.online = False
            self.on_change(self.device)
        if isinstance(exc, DeviceLockedOut):
            # Asking again before the lockout ends would only prolong it.
            self._not_before = asyncio.get_running_loop().time() + exc.seconds_left
        if not isinstance(exc, CamhubError) or isinstance(exc, DeviceAuthError):
            self.connected = False  # log in again next time
        elif self.failures >= 2:
            self.connected = False

    def _typed(self, state: DeviceState) -> DeviceState:
        """The driver's state limited to its capabilities, plus what the hub holds."""
        dev = self.device
        out = state.keep(dev.capabilities)
        children = dev.state.get(ChildrenState)
        if Capability.CHILDREN in dev.capabilities:
            out.set(children or ChildrenState(devices=[]))
        event_types = getattr(dev, "event_types", None)
        if Capability.EVENTS in dev.capabilities and callable(event_types):
            out.set(EventsState(types=sorted(event_types())))
        return out

    def _succeeded(self, polled: DeviceState) -> None:
        was_online = self.online
        if not was_online and self.failures:
            log.warning("%s: back online after %d failed attempts", self.device.name, self.failures)
        self.failures = 0
        self.last_error = None
        self.last_success = time.time()
        state = self._typed(polled)
        # Compare JSON: a driver may update and return its state in place.
        as_json = state.to_json()
        changed = as_json != self._last_state or not was_online
        self._last_state = as_json
        self.device.state = state
        self.online = True
        if changed:
            self.on_change(self.device)

    def _delay(self) -> float:
        base = self.interval
        if self.failures:
            base = min(max(MAX_BACKOFF, self.interval), base * 2 ** min(self.failures - 1, 6))
        locked = self._not_before - asyncio.get_running_loop().time()
        return max(base * random.uniform(0.9, 1.1), locked)

    async def _run(self) -> None:
        while True:
            self._wake.clear()  # before polling: a request during the poll is kept
            await self.refresh()
            # asyncio.timeout, not wait_for: on 3.11 wait_for may swallow a cancel
            # that coincides with the wake-up, and stop() would hang.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._delay()):
                    await self._wake.wait()
