"""A power strip's child list, and the narrow port each socket gets from its strip.

The strip reads ``get_child_device_list`` in its own poll (in the same
multipleRequest as its device info) into a :class:`ChildCache`; its sockets read
their info from there, so that a strip of N sockets costs one request per poll, not
N ``control_child``. A socket sees the cache only through its :class:`SocketPort`:
its own entry, a way to mark the list stale after a command, and a
:class:`~.smart_protocol.ChildProtocol` for its requests. It never holds the strip.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from camhub.drivers.tapo.smart_protocol import ChildProtocol
from camhub.errors import DeviceError


class ChildCache:
    """A power strip's last child-list read; ``read`` reads it again (the strip's)."""

    def __init__(self, read: Callable[[], Awaitable[None]]) -> None:
        self._read = read
        self.lock = asyncio.Lock()
        self.generation = 0  # number of reads so far
        self.infos: dict[str, dict[str, Any]] = {}
        self.refreshed = False  # a socket asked for a read since the strip's poll
        self.stale = False  # a socket was switched since the last read

    def store(self, infos: dict[str, dict[str, Any]]) -> None:
        """A new read (the caller holds :attr:`lock`)."""
        self.infos = infos
        self.generation += 1
        self.stale = False

    def polled(self) -> None:
        self.refreshed = False

    async def refresh(self, seen: int) -> None:
        """Read the list again, unless someone did while we waited for the lock."""
        async with self.lock:
            if self.generation == seen or self.stale:
                await self._read()

    async def info(self, child_id: str, *, fresh: bool) -> dict[str, Any] | None:
        """One socket's last listed info; ``fresh`` asks for a newer read, made at most
        once between two polls of the strip unless a socket was switched since."""
        if self.generation == 0 or self.stale or (fresh and not self.refreshed):
            await self.refresh(self.generation)
            self.refreshed = True
        return self.infos.get(child_id)


class SocketPort:
    """What a socket needs from its strip, and nothing else."""

    def __init__(self, cache: ChildCache, protocol: ChildProtocol, child_id: str) -> None:
        self._cache = cache
        self.protocol = protocol
        self.child_id = child_id
        self._seen = -1  # the cache generation this socket's last poll read

    def __repr__(self) -> str:
        return f"<SocketPort {self.protocol.device!r}>"

    async def info(self, *, poll: bool) -> dict[str, Any]:
        """This socket's entry of the child list. A poll reads the list again when
        this socket has already seen the current read (one read serves every socket)."""
        fresh = poll and self._seen == self._cache.generation
        info = await self._cache.info(self.child_id, fresh=fresh)
        if poll:
            self._seen = self._cache.generation
        if info is None:
            device = self.protocol.device
            raise DeviceError(f"{device}: the socket is no longer listed", device=device)
        return info

    def changed(self) -> None:
        """A command changed the socket: the next read asks the strip again."""
        self._cache.stale = True
