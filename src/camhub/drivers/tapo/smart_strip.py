"""Tapo power strips (P300, P304, P304M, P316): sockets as child devices."""

from __future__ import annotations

from typing import Any

from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext, slugify
from camhub.drivers.tapo.smart_children import ChildCache, SocketPort
from camhub.drivers.tapo.smart_features import Rebootable, StatusLed
from camhub.drivers.tapo.smart_protocol import ChildProtocol, Request, SmartProtocol
from camhub.drivers.tapo.smart_settings import Settings
from camhub.drivers.tapo.smart_socket import TapoSocket
from camhub.drivers.tapo.smart_tables import POWER_STRIP_MODELS
from camhub.drivers.tapo.smart_values import b64text, components, num
from camhub.errors import MalformedReply

CHILD_LIST: Request = ("get_child_device_list", {"start_index": 0})
MAX_PAGES = 64


@register("tapo-power-strip")
class TapoPowerStrip(StatusLed, Settings, Rebootable):
    """children (its sockets, :class:`~.smart_socket.TapoSocket`), led, settings,
    reboot, raw.

    The strip has no switch of its own; its sockets are the same objects on every
    :meth:`list_children`, named ``<strip>.<socket nickname>``."""

    kind = "tapo-power-strip"
    models = POWER_STRIP_MODELS

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self._sockets: dict[str, TapoSocket] = {}  # by device id
        self._listed: list[TapoSocket] = []  # in the order of the last read
        self._cache = ChildCache(lambda: self._read_children(None))

    # poll: the first page of the child list comes in the strip's own batch ------------
    def _queries(self) -> list[Request]:
        return [*super()._queries(), CHILD_LIST]

    async def _absorb(self, got: dict[str, Any]) -> None:
        await super()._absorb(got)
        first_page = got["get_child_device_list"]
        if isinstance(first_page, Exception):
            raise first_page
        async with self._cache.lock:
            await self._read_children(first_page)
            self._cache.polled()

    async def list_children(self) -> list[Device]:
        """The sockets, from the last child-list read (the strip's poll)."""
        if self._cache.generation == 0:
            await self._cache.refresh(0)
        return list(self._listed)

    # the child list -------------------------------------------------------------------
    def _strip_protocol(self) -> SmartProtocol:
        proto = self.proto
        if not isinstance(proto, SmartProtocol):  # only a socket speaks through a strip
            raise TypeError(f"{self.name}: a power strip needs its own protocol")
        return proto

    async def _paged(self, method: str, key: str, first: Any = None) -> list[Any]:
        items: list[Any] = []
        page = first
        for _ in range(MAX_PAGES):
            if page is None:
                page = await self.proto.call(method, {"start_index": len(items)})
            got = self._object(page, method).get(key)
            if not isinstance(got, list):
                raise MalformedReply(self.name, f"{method} without {key}")
            items += got
            total = num(page, "sum")
            if not got or total is None or len(items) >= total:
                return items
            page = None
        raise MalformedReply(self.name, f"{method} never ends")

    async def _read_children(self, first_page: Any) -> None:
        """Read the child list (``first_page`` if already fetched) into the cache
        (the caller holds its lock); sockets seen for the first time are made, with
        the components the strip lists for them."""
        infos = await self._paged("get_child_device_list", "child_device_list", first_page)
        listed = [i for i in infos if isinstance(i, dict) and isinstance(i.get("device_id"), str)]
        comp_by_id: dict[Any, Any] = {}
        if any(i["device_id"] not in self._sockets for i in listed):
            comps = await self._paged("get_child_device_component_list", "child_component_list")
            comp_by_id = {c.get("device_id"): c for c in comps if isinstance(c, dict)}
        sockets: list[TapoSocket] = []
        used: set[str] = set()
        for position, info in enumerate(listed, start=1):
            socket = self._sockets.get(info["device_id"])
            if socket is None:
                comps = comp_by_id.get(info["device_id"], {"component_list": []})
                socket = self._new_socket(info, components(self.name, comps), position, used)
            used.add(socket.name)
            sockets.append(socket)
        self._listed = sockets
        self._cache.store({i["device_id"]: i for i in listed})

    def _new_socket(
        self, info: dict[str, Any], comps: dict[str, int], position: int, used: set[str]
    ) -> TapoSocket:
        slug = slugify(b64text(info.get("nickname"))) or f"socket-{position}"
        name = f"{self.name}.{slug}"[:64]
        if name in used:
            name = f"{name[:60]}-{position}"
        config = DeviceConfig(
            name=name,
            kind=TapoSocket.kind,
            host=self.config.host,
            port=self.config.port,
            model=self.model or None,
            timeout=self.config.timeout,
        )
        channel = ChildProtocol(self._strip_protocol(), info["device_id"], name)
        port = SocketPort(self._cache, channel, info["device_id"])
        socket = TapoSocket(config, self.ctx, port, components=comps, info=info)
        self._sockets[info["device_id"]] = socket
        return socket
