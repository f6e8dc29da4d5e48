"""Tapo smart plugs, bulbs, light strips and power strips (KLAP v2).

Layers: :mod:`.klap` (transport) -> :mod:`.smart_protocol` (envelope, batches,
error codes) -> this module (state and capability methods). Capabilities come
from tables (:mod:`.smart_tables`): the kind and configured model before
connecting, the device's ``component_nego`` after. A power strip's sockets are
child devices that share the strip's transport and speak through
``control_child``.
"""

from __future__ import annotations

from typing import Any, Literal

from camhub.capabilities import Capability as C
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext, slugify
from camhub.drivers.tapo.klap import KlapTransport
from camhub.drivers.tapo.smart_children import ChildCache
from camhub.drivers.tapo.smart_protocol import ChildProtocol, SmartCaller, SmartProtocol
from camhub.drivers.tapo.smart_tables import (
    COMPONENT_CAPABILITIES,
    EFFECTS,
    ENERGY_INTERVALS,
    KIND_CAPABILITIES,
    MODEL_CAPABILITIES,
)
from camhub.drivers.tapo.smart_values import (
    b64text,
    energy_buckets,
    energy_from,
    num,
    ver_code,
)
from camhub.errors import DeviceAuthError, DeviceError, InvalidArgument


class TapoSmartDevice(Device):
    """Common driver of every Tapo KLAP device, and of a power strip's sockets."""

    poll_interval = 10.0

    def __init__(
        self,
        config: DeviceConfig,
        ctx: DeviceContext,
        *,
        protocol: SmartCaller | None = None,
    ) -> None:
        super().__init__(config, ctx)
        model = (config.model or "").upper()
        self.capabilities |= MODEL_CAPABILITIES.get(model, frozenset())
        self._proto = protocol
        self._transport: KlapTransport | None = None
        self.components: dict[str, int] = {}
        self.info: dict[str, Any] = {}
        self._info_fresh = False  # connect() just read get_device_info
        # a power strip: its sockets, and their info from its last child-list read
        self._children: dict[str, TapoSmartDevice] = {}
        self._child_cache = ChildCache()
        # a socket: the strip it belongs to, and the cache generation it last read
        self._parent: TapoSmartDevice | None = None
        self._child_id = ""
        self._seen_generation = -1

    @classmethod
    def default_capabilities(cls) -> set[C]:
        return set(KIND_CAPABILITIES.get(cls.kind, frozenset({C.RAW})))

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

    def _require(self, data: Any, what: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise DeviceError(f"{self.name}: malformed reply ({what})", device=self.name)
        return data

    def _learn(self, components: Any, info: Any) -> None:
        """Set model, components and capabilities from the device's own answers."""
        comp_list = self._require(components, "component_nego").get("component_list")
        if not isinstance(comp_list, list):
            raise DeviceError(f"{self.name}: malformed component list", device=self.name)
        self.components = {
            str(c["id"]): ver_code(self.name, c)
            for c in comp_list
            if isinstance(c, dict) and "id" in c
        }
        self._set_info(info)
        caps = {C.RAW}
        caps |= {cap for comp, cap in COMPONENT_CAPABILITIES.items() if comp in self.components}
        if "device_on" in self.info:
            caps.add(C.POWER)
        if self._ct_range() is None:
            caps.discard(C.COLOR_TEMP)
        if isinstance(self.proto, SmartProtocol):
            caps.add(C.REBOOT)
        self.capabilities = caps

    def _set_info(self, info: Any) -> None:
        self.info = self._require(info, "get_device_info")
        if isinstance(self.info.get("model"), str):
            self.model = self.info["model"]

    def _ct_range(self) -> tuple[int, int] | None:
        rng = self.info.get("color_temp_range")
        if (
            isinstance(rng, list)
            and len(rng) == 2
            and all(isinstance(v, int) for v in rng)
            and rng[0] < rng[1]
        ):
            return rng[0], rng[1]
        return None

    def _state_from_info(self) -> dict[str, Any]:
        info = self.info
        state: dict[str, Any] = {
            "model": self.model,
            "nickname": b64text(info.get("nickname")),
            "fw_ver": info.get("fw_ver"),
        }
        if isinstance(info.get("device_on"), bool):
            state["on"] = info["device_on"]
        for key in ("brightness", "hue", "saturation", "color_temp", "rssi"):
            if (value := num(info, key)) is not None:
                state[key] = value
        effect = info.get("lighting_effect")
        if C.EFFECTS in self.capabilities and isinstance(effect, dict):
            state["effect"] = effect.get("name") if effect.get("enable") else None
        return state

    # lifecycle -------------------------------------------------------------------
    async def connect(self) -> None:
        if self._parent is not None:
            # A socket: its info comes with the strip's child list, no request.
            self._set_info(await self._parent._socket_info(self._child_id, fresh=False))
        else:
            got = await self.proto.call_many([("component_nego", None), ("get_device_info", None)])
            self._learn(got["component_nego"], got["get_device_info"])
            self._info_fresh = True
        self.state = self._state_from_info()

    async def close(self) -> None:
        if self._transport is not None:
            await self._transport.close()

    async def poll(self) -> dict[str, Any]:
        if self._parent is not None:
            return await self._poll_socket(self._parent)
        queries: list[tuple[str, dict[str, Any] | None]] = []
        if not self._info_fresh:
            queries.append(("get_device_info", None))
        if C.ENERGY in self.capabilities:
            queries += [("get_energy_usage", None), ("get_current_power", None)]
        if C.CHILDREN in self.capabilities:
            queries.append(("get_child_device_list", {"start_index": 0}))
        got = await self.proto.call_many(queries, strict=False) if queries else {}
        self._info_fresh = False
        if "get_device_info" in got:
            if isinstance(got["get_device_info"], DeviceError):
                raise got["get_device_info"]
            self._set_info(got["get_device_info"])
        state = self._state_from_info()
        if C.ENERGY in self.capabilities:
            state.update(energy_from(got.get("get_energy_usage"), got.get("get_current_power")))
        if C.CHILDREN in self.capabilities:
            first_page = got["get_child_device_list"]
            if isinstance(first_page, DeviceError):
                raise first_page
            async with self._child_cache.lock:
                await self._read_children(first_page)
                self._child_cache.polled()
            state["children"] = [{"name": c.name, **c.state} for c in self._child_cache.listed]
        self.state = state
        return state

    async def _poll_socket(self, strip: TapoSmartDevice) -> dict[str, Any]:
        """A socket's state: the strip's cached child info, refreshed through the
        strip only when this socket has already read it (at most once between two
        polls of the strip, unless a socket was switched since)."""
        fresh = self._seen_generation == strip._child_cache.generation
        self._set_info(await strip._socket_info(self._child_id, fresh=fresh))
        self._seen_generation = strip._child_cache.generation
        state = self._state_from_info()
        if C.ENERGY in self.capabilities:
            usage = await self.proto.call_many([("get_energy_usage", None)], strict=False)
            state.update(energy_from(usage.get("get_energy_usage"), None))
        self.state = state
        return state

    # power, light --------------------------------------------------------------------
    def _need(self, cap: C) -> None:
        """Refuse a capability the device lacks (for callers other than the routes)."""
        if cap not in self.capabilities:
            raise self._unsupported(cap)

    def _changed(self) -> None:
        """After a command: the next poll reads the device back."""
        self._info_fresh = False
        if self._parent is not None:
            self._parent._child_cache.stale = True

    async def _set(self, **params: Any) -> None:
        self._changed()
        await self.proto.call("set_device_info", params)

    async def set_power(self, on: bool) -> None:
        self._need(C.POWER)
        await self._set(device_on=bool(on))

    async def set_brightness(self, level: int) -> None:
        self._need(C.BRIGHTNESS)
        if not 1 <= level <= 100:
            raise InvalidArgument("brightness must be 1..100", errors=["brightness: 1..100"])
        await self._set(brightness=int(level))

    async def set_color(self, hue: int, saturation: int) -> None:
        self._need(C.COLOR)
        errors = [
            msg
            for ok, msg in (
                (0 <= hue <= 360, "hue: 0..360"),
                (0 <= saturation <= 100, "saturation: 0..100"),
            )
            if not ok
        ]
        if errors:
            raise InvalidArgument("invalid colour", errors=errors)
        # color_temp 0 puts a bulb in colour mode (otherwise the temperature wins).
        await self._set(hue=int(hue), saturation=int(saturation), color_temp=0)

    async def set_color_temp(self, kelvin: int) -> None:
        self._need(C.COLOR_TEMP)
        lo, hi = self._ct_range() or (2500, 6500)
        if not lo <= kelvin <= hi:
            raise InvalidArgument(
                f"colour temperature must be {lo}..{hi} K", errors=[f"kelvin: {lo}..{hi}"]
            )
        await self._set(color_temp=int(kelvin))

    async def list_effects(self) -> list[str]:
        self._need(C.EFFECTS)
        return list(EFFECTS)

    async def set_effect(self, name: str | None) -> None:
        self._need(C.EFFECTS)
        self._changed()
        if name is None:
            await self.proto.call("set_lighting_effect", {"enable": 0})
            return
        if name not in EFFECTS:
            raise InvalidArgument(
                f"unknown effect {name!r}", errors=[f"effect: one of {', '.join(EFFECTS)}"]
            )
        brightness = num(self.info, "brightness") or 100
        await self.proto.call(
            "set_lighting_effect",
            {"id": EFFECTS[name], "name": name, "enable": 1, "custom": 0, "brightness": brightness},
        )

    # set_led and reboot are only reached through the capability routes, which
    # refuse a device without the capability; the methods calling _need are also
    # called by the tapo-rest compat actions, which check the model group only.
    async def set_led(self, on: bool) -> None:
        self._changed()
        current = self._require(await self.proto.call("get_led_info"), "get_led_info")
        await self.proto.call("set_led_info", {**current, "led_rule": "always" if on else "never"})

    async def reboot(self) -> None:
        await self.proto.call("device_reboot", {"delay": 1})

    async def raw(self, request: Any) -> Any:
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            raise InvalidArgument('a raw request is {"method": ..., "params": {...}}')
        self._changed()
        return await self.proto.raw(request)

    # energy ----------------------------------------------------------------------------
    async def get_energy(self) -> dict[str, Any]:
        self._need(C.ENERGY)
        got = await self.proto.call_many(
            [("get_energy_usage", None), ("get_current_power", None)], strict=False
        )
        if isinstance(got["get_energy_usage"], DeviceError):
            raise got["get_energy_usage"]
        energy = energy_from(got["get_energy_usage"], got["get_current_power"])
        if "today_energy_wh" not in energy or "month_energy_wh" not in energy:
            raise DeviceError(f"{self.name}: malformed energy usage", device=self.name)
        energy.setdefault("current_power_w", 0.0)
        return energy

    async def get_energy_history(
        self, interval: Literal["hourly", "daily", "monthly"], start: int, end: int
    ) -> list[dict[str, Any]]:
        self._need(C.ENERGY)
        if interval not in ENERGY_INTERVALS:
            raise InvalidArgument("interval must be hourly, daily or monthly")
        if not 0 <= start < end:
            raise InvalidArgument("start must be before end", errors=["start: before end"])
        params = {
            "start_timestamp": start // 1000,
            "end_timestamp": end // 1000,
            "interval": ENERGY_INTERVALS[interval],
        }
        data = self._require(await self.proto.call("get_energy_data", params), "get_energy_data")
        values, first = data.get("data"), num(data, "start_timestamp")
        if not isinstance(values, list) or first is None:
            raise DeviceError(f"{self.name}: malformed energy data", device=self.name)
        return energy_buckets(values, first, interval)

    # children --------------------------------------------------------------------------
    async def _paged(self, method: str, key: str, first: Any = None) -> list[Any]:
        items: list[Any] = []
        page = first
        while True:
            if page is None:
                page = await self.proto.call(method, {"start_index": len(items)})
            got = self._require(page, method).get(key)
            if not isinstance(got, list):
                raise DeviceError(f"{self.name}: malformed {method}", device=self.name)
            items += got
            total = num(page, "sum")
            if not got or total is None or len(items) >= total:
                return items
            page = None

    async def list_children(self) -> list[Device]:
        """The sockets, from the last child-list read (the strip's poll); the same
        objects every time."""
        if C.CHILDREN not in self.capabilities or not isinstance(self.proto, SmartProtocol):
            raise self._unsupported(C.CHILDREN)
        if self._child_cache.generation == 0:
            await self._refresh_children(self._child_cache.generation)
        return list(self._child_cache.listed)

    async def _refresh_children(self, seen: int) -> None:
        """Read the child list, unless someone did while we waited for the lock."""
        cache = self._child_cache
        async with cache.lock:
            if cache.generation == seen or cache.stale:
                await self._read_children(None)

    async def _socket_info(self, child_id: str, *, fresh: bool) -> dict[str, Any]:
        """One socket's last listed info; ``fresh`` asks for a newer read, which the
        strip makes at most once between its polls unless a socket was switched."""
        cache = self._child_cache
        if cache.generation == 0 or cache.stale or (fresh and not cache.refreshed):
            await self._refresh_children(cache.generation)
            cache.refreshed = True
        info = cache.infos.get(child_id)
        if info is None:
            raise DeviceError(f"{self.name}: the socket is no longer listed", device=self.name)
        return info

    async def _read_children(self, first_page: Any) -> None:
        """Read the child list (``first_page`` if already fetched) into the cache;
        sockets seen for the first time learn their components."""
        infos = await self._paged("get_child_device_list", "child_device_list", first_page)
        listed = [i for i in infos if isinstance(i, dict) and isinstance(i.get("device_id"), str)]
        comp_by_id: dict[Any, Any] = {}
        if any(i["device_id"] not in self._children for i in listed):
            comps = await self._paged("get_child_device_component_list", "child_component_list")
            comp_by_id = {c.get("device_id"): c for c in comps if isinstance(c, dict)}
        children: list[TapoSmartDevice] = []
        used: set[str] = set()
        for position, info in enumerate(listed, start=1):
            child = self._children.get(info["device_id"]) or self._new_child(info, position, used)
            if not child.components:
                child._learn(comp_by_id.get(info["device_id"], {"component_list": []}), info)
            child._set_info(info)
            child.state = {**child.state, **child._state_from_info()}
            used.add(child.name)
            children.append(child)
        self._child_cache.store(children, {i["device_id"]: i for i in listed})

    def _new_child(self, info: dict[str, Any], position: int, used: set[str]) -> TapoSmartDevice:
        slug = slugify(b64text(info.get("nickname"))) or f"socket-{position}"
        name = f"{self.name}.{slug}"[:64]
        if name in used:
            name = f"{name[:60]}-{position}"
        config = DeviceConfig(
            name=name,
            kind="tapo-plug",
            host=self.config.host,
            port=self.config.port,
            model=self.model or None,
            timeout=self.config.timeout,
        )
        assert isinstance(self.proto, SmartProtocol)
        child = TapoSmartPlug(
            config, self.ctx, protocol=ChildProtocol(self.proto, info["device_id"], name)
        )
        child._parent, child._child_id = self, info["device_id"]
        self._children[info["device_id"]] = child
        return child


@register("tapo-plug")
class TapoSmartPlug(TapoSmartDevice):
    kind = "tapo-plug"


@register("tapo-bulb")
class TapoSmartBulb(TapoSmartDevice):
    kind = "tapo-bulb"


@register("tapo-strip")
class TapoLightStrip(TapoSmartDevice):
    kind = "tapo-strip"


@register("tapo-power-strip")
class TapoPowerStrip(TapoSmartDevice):
    kind = "tapo-power-strip"
