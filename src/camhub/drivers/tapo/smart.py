"""What every Tapo KLAP device shares (plug, bulb, light strip, power strip, socket).

Layers: :mod:`.klap` (transport) -> :mod:`.smart_protocol` (envelope, batches,
error codes) -> the device classes: this base, the capability mixins (switch, energy,
LED, reboot: :mod:`.smart_features`; auto-off and power protection:
:mod:`.smart_power`; countdown and schedules: :mod:`.smart_rules`; light presets:
:mod:`.smart_presets`; effects: :mod:`.smart_effects`; settings:
:mod:`.smart_settings`), and the drivers built from them (:mod:`.smart_plug`,
:mod:`.smart_light`, :mod:`.smart_strip`, :mod:`.smart_socket`).

A class has the capabilities whose methods it defines; those that depend on a
component (:data:`~.smart_tables.OPTIONAL`) are kept only when the configured model
is known to have them, then, on connect, when the device lists the component.

A poll is one ``multipleRequest``: each mixin adds its queries (:meth:`_queries`)
and reads its state from the answers (:meth:`_states`), as python-kasa's modules do.
What changes only when someone changes it (timers, schedules, presets, protection
settings: :meth:`_config_queries`) is read again once a minute, or at the next poll
after a command; between two reads the poll uses the last answers, and a fresher
answer to the same method (a running countdown is asked at every poll) replaces them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Concatenate, ParamSpec, TypeVar

from camhub.capabilities import Capability as C
from camhub.capabilities import DeviceState, State, implemented
from camhub.config import DeviceConfig
from camhub.drivers.base import Device, DeviceContext
from camhub.drivers.tapo.klap import KlapTransport
from camhub.drivers.tapo.smart_protocol import Request, SmartCaller, SmartProtocol
from camhub.drivers.tapo.smart_tables import COMPONENT_CAPABILITIES, MODEL_CAPABILITIES, OPTIONAL
from camhub.drivers.tapo.smart_values import b64text, components, num
from camhub.errors import DeviceAuthError, DeviceError, InvalidArgument, MalformedReply

INFO: Request = ("get_device_info", None)
CONFIG_EVERY_S = 60.0  # how old the answers of the config queries may get

P = ParamSpec("P")
R = TypeVar("R")
D = TypeVar("D", bound="TapoSmartDevice")


def command(
    method: Callable[Concatenate[D, P], Awaitable[R]],
) -> Callable[Concatenate[D, P], Awaitable[R]]:
    """A method that changes the device: once it is done (or failed), the next poll
    reads the device back, and a poll that ran meanwhile does not count as fresh."""

    @functools.wraps(method)
    async def run(self: D, /, *args: P.args, **kw: P.kwargs) -> R:
        try:
            return await method(self, *args, **kw)
        finally:
            self._changed()

    return run


class TapoSmartDevice(Device):
    """Base of the Tapo KLAP drivers: the request channel, device info, raw requests."""

    manufacturer = "TP-Link"
    poll_interval = 10.0
    cloud_account = True  # logs in with the Tapo account (tapo-rest's tapo_credentials)

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        self._proto: SmartCaller | None = None
        self._transport: KlapTransport | None = None
        self.components: dict[str, int] = {}
        self.info: dict[str, Any] = {}
        self._info_fresh = False  # connect() just read get_device_info
        self._config: dict[str, Any] = {}  # the last answers of the config queries
        self._config_at: float | None = None  # when they were read (None: read again)
        self._generation = 0  # commands so far (a poll during one is not fresh)
        known = MODEL_CAPABILITIES.get((config.model or "").upper(), frozenset())
        self.capabilities = self._with_optional(known)

    @classmethod
    def _with_optional(cls, present: Iterable[C]) -> frozenset[C]:
        """What this class implements, its optional capabilities only where present."""
        wanted = set(present)
        return frozenset(c for c in implemented(cls) if c not in OPTIONAL or c in wanted)

    # plumbing ------------------------------------------------------------------
    @property
    def proto(self) -> SmartCaller:
        if self._proto is None:
            user, password = self.ctx.username, self.ctx.password
            if not user or password is None or not self.config.host:
                raise DeviceAuthError(
                    f"{self.name}: a Tapo device needs the account e-mail and password",
                    device=self.name,
                )
            self._transport = KlapTransport(
                self.ctx.http,
                host=self.config.host,
                port=self.config.port,
                username=user,
                password=password,
                device=self.name,
                timeout=self.config.timeout,
            )
            self._proto = SmartProtocol(self._transport, self.name)
        return self._proto

    def _object(self, data: Any, what: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise MalformedReply(self.name, f"{what} is not an object")
        return data

    def _set_info(self, info: Any) -> None:
        self.info = self._object(info, "get_device_info")
        if isinstance(self.info.get("model"), str):
            self.model = self.info["model"]

    async def _fresh_info(self) -> dict[str, Any]:
        """The device info, read now."""
        self._set_info(await self.proto.call(INFO[0]))
        return self.info

    def _learn(self, comps: dict[str, int], info: Any) -> None:
        """Model, components and capabilities from the device's own answers."""
        self.components = comps
        self._set_info(info)
        caps = self._with_optional(self._present())
        if not isinstance(self.info.get("device_on"), bool):
            caps -= {C.POWER}
        self.capabilities = caps

    def _present(self) -> set[C]:
        """The optional capabilities the device's components bring."""
        return {cap for comp, cap in COMPONENT_CAPABILITIES.items() if comp in self.components}

    def _changed(self) -> None:
        """After a command: the next poll reads the device back, config included."""
        self._info_fresh = False
        self._config_at = None
        self._generation += 1

    @command
    async def _set(self, /, **params: Any) -> None:
        await self.proto.call("set_device_info", params)

    # lifecycle -------------------------------------------------------------------
    async def connect(self) -> None:
        got = await self.proto.call_many([("component_nego", None), INFO])
        self._learn(components(self.name, got["component_nego"]), got["get_device_info"])
        self._info_fresh = True

    async def close(self) -> None:
        if self._transport is not None:
            await self._transport.close()

    async def poll(self) -> DeviceState:
        generation = self._generation
        queries = self._queries()
        due = self._config_at is None or time.monotonic() - self._config_at >= CONFIG_EVERY_S
        config = self._config_queries() if due else []
        asked = queries + config
        got = await self.proto.call_many(asked, strict=False) if asked else {}
        if config and generation == self._generation:
            self._config_at = time.monotonic()
        # a config query moves between the fresh and the config set (a countdown while
        # it runs): the cache keeps the newest answer to each
        cached = {m for m, _ in config} | self._config.keys()
        self._config.update((m, got[m]) for m in cached & got.keys())
        got = {**self._config, **got}
        await self._read_info(got)
        await self._absorb(got)
        return DeviceState.of(*self._states(got), vendor=self._vendor())

    def _queries(self) -> list[Request]:
        """What a poll asks, in one batch; mixins add theirs."""
        return self._info_queries()

    def _config_queries(self) -> list[Request]:
        """What a poll asks once a minute (or after a command); mixins add theirs."""
        return []

    def _info_queries(self) -> list[Request]:
        return [] if self._info_fresh else [INFO]

    async def _read_info(self, got: dict[str, Any]) -> None:
        self._info_fresh = False
        if "get_device_info" in got:
            if isinstance(got["get_device_info"], DeviceError):
                raise got["get_device_info"]
            self._set_info(got["get_device_info"])

    async def _absorb(self, got: dict[str, Any]) -> None:
        """Use answers that need more requests (a power strip's child list, the next
        pages of a paged list)."""

    async def _pages(self, got: dict[str, Any], method: str, key: str, limit: int) -> None:
        """Complete a paged list (``start_index``/``sum``) whose first page is in
        ``got``, in place and in the config cache, at most ``limit`` items."""
        first = got.get(method)
        if not isinstance(first, dict):
            return
        items, total = first.get(key), num(first, "sum")
        if not isinstance(items, list) or total is None:
            return
        items = list(items)
        while len(items) < min(total, limit):
            page = self._object(
                await self.proto.call(method, {"start_index": len(items)}), method
            ).get(key)
            if not isinstance(page, list) or not page:
                break
            items += page
        if len(items) != len(first[key]):
            got[method] = {**first, key: items[:limit]}
            if method in self._config:
                self._config[method] = got[method]

    def _states(self, got: dict[str, Any]) -> list[State]:
        """The typed states read from a poll's answers; mixins add theirs."""
        return []

    def _vendor(self) -> dict[str, Any]:
        info = self.info
        out: dict[str, Any] = {"model": self.model, "nickname": b64text(info.get("nickname"))}
        if isinstance(info.get("fw_ver"), str):
            out["firmware"] = info["fw_ver"]
        if (rssi := num(info, "rssi")) is not None:
            out["rssi"] = rssi
        return out

    # raw ---------------------------------------------------------------------------
    @command
    async def raw(self, request: Any) -> Any:
        """Send ``{"method", "params"}`` as is; return the device's whole reply."""
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            raise InvalidArgument('a raw request is {"method": ..., "params": {...}}')
        return await self.proto.raw(request)
