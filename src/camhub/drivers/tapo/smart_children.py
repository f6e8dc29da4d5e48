"""A power strip's last read of its child list, shared by its sockets.

The strip reads ``get_child_device_list`` in its own poll (in the same
multipleRequest as its device info); its sockets' polls read their info from here,
so that a strip of N sockets costs one request per poll, not N ``control_child``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from camhub.drivers.tapo.smart import TapoSmartDevice


class ChildCache:
    """A power strip's last child-list read, shared by its sockets."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.generation = 0  # number of reads so far
        self.listed: list[TapoSmartDevice] = []
        self.infos: dict[str, dict[str, Any]] = {}
        self.refreshed = False  # a socket asked for a read since the strip's poll
        self.stale = False  # a socket was switched since the last read

    def store(self, children: list[TapoSmartDevice], infos: dict[str, dict[str, Any]]) -> None:
        self.listed, self.infos = children, infos
        self.generation += 1
        self.stale = False

    def polled(self) -> None:
        self.refreshed = False
