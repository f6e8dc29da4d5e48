"""Wait for something with a deadline, never with a bare sleep."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def until(
    check: Callable[[], Any | Awaitable[Any]],
    timeout: float = 15.0,
    what: str = "",
    every: float = 0.05,
) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy; return that.

    Raises AssertionError naming ``what`` when ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or check}")
        await asyncio.sleep(every)
