"""Stopping a background task: cancel it, then wait until it has ended.

Every long-lived task camhub starts (a device feed, a poller, an encoder, a stream
source) is stopped this way, so that nothing it holds outlives the object that owns it::

    task, self._task = self._task, None
    await cancel_and_wait(task)
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel ``task`` (None: nothing to stop) and wait for its end, its cancellation
    swallowed. It must not be the calling task, which cannot wait for itself."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
