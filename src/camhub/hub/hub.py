"""The registry of running devices: lifecycle, children, events, reload."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp

from camhub.capabilities import Capability, ChildrenDriver, ChildrenState
from camhub.config import Config, DeviceConfig
from camhub.drivers import driver_for, resolve
from camhub.drivers.base import Device, DeviceContext, EventIn, HookReceiver
from camhub.drivers.registry import options_for
from camhub.errors import CamhubError, NotFound
from camhub.hub import event_types
from camhub.hub.coordinator import Coordinator

if TYPE_CHECKING:
    from camhub.store import Store

log = logging.getLogger("camhub.hub")

ChangeListener = Callable[[dict[str, Any]], None]


@dataclass
class Managed:
    device: Device
    coordinator: Coordinator
    parent: str | None = None
    children: list[str] = field(default_factory=list)


class Hub:
    def __init__(
        self,
        config: Config,
        http: aiohttp.ClientSession,
        store: Store,
        data_dir: Path,
        hook_base_url: str | None,
        hook_key: bytes,
    ) -> None:
        self.config = config
        self.http = http
        self.store = store
        self.data_dir = data_dir
        self.hook_base_url = hook_base_url
        self._hook_key = hook_key
        self._devices: dict[str, Managed] = {}
        self._listeners: list[ChangeListener] = []
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._collisions: set[str] = set()

    # queries ---------------------------------------------------------------------
    def names(self) -> list[str]:
        return list(self._devices)

    def get(self, name: str) -> Device:
        return self._managed(name).device

    def _managed(self, name: str) -> Managed:
        try:
            return self._devices[name]
        except KeyError:
            raise NotFound(f"Unknown device {name!r}", device=name) from None

    def coordinator(self, name: str) -> Coordinator:
        return self._managed(name).coordinator

    def devices(self) -> list[Device]:
        return [m.device for m in self._devices.values()]

    def summary(self, name: str) -> dict[str, Any]:
        m = self._managed(name)
        d = m.device
        out: dict[str, Any] = {
            "name": d.name,
            "kind": d.kind,
            "model": d.model or None,
            "manufacturer": d.manufacturer or None,
            "online": m.coordinator.online,
            "capabilities": sorted(str(c) for c in d.capabilities),
        }
        if m.parent is not None:
            out["parent"] = m.parent
        if m.children:
            out["children"] = list(m.children)
        return out

    def describe(self, name: str) -> dict[str, Any]:
        m = self._managed(name)
        return {
            **self.summary(name),
            "state": m.device.state.to_json(),
            "lastError": m.coordinator.last_error,
            "lastSeen": int(m.coordinator.last_success * 1000)
            if m.coordinator.last_success
            else None,
        }

    # listeners -------------------------------------------------------------------
    def subscribe(self, listener: ChangeListener) -> Callable[[], None]:
        """Be told of every device state change: ``{"type": "device", "device": {...}}``."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _notify(self, message: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            try:
                listener(message)
            except Exception:
                log.exception("device listener failed")

    def _changed(self, device: Device) -> None:
        if device.name in self._devices:
            self._notify({"type": "device", "device": self.describe(device.name)})

    # events ----------------------------------------------------------------------
    def emit(self, device_name: str, event: EventIn) -> None:
        name = device_name
        if event.device is not None and event.device in self._managed_children(device_name):
            name = event.device
        event_type, data = event_types.normalize(event.type, dict(event.data))
        self.store.add_event(name, event_type, event.timestamp, data)

    def _managed_children(self, name: str) -> list[str]:
        m = self._devices.get(name)
        return m.children if m is not None else []

    # hooks -----------------------------------------------------------------------
    def hook_secret(self, name: str) -> str:
        return hmac.new(self._hook_key, name.encode(), hashlib.sha256).hexdigest()[:32]

    def hook_url(self, name: str) -> str | None:
        if self.hook_base_url is None:
            return None
        return f"{self.hook_base_url.rstrip('/')}/hooks/{name}/{self.hook_secret(name)}"

    def check_hook(self, name: str, secret: str) -> HookReceiver:
        # Bytes, not str: compare_digest refuses a str that is not ASCII (a TypeError,
        # which was a 500 for any URL with such a secret).
        given = secret.encode("utf-8", "surrogateescape")
        if name not in self._devices or not hmac.compare_digest(
            self.hook_secret(name).encode(), given
        ):
            raise NotFound("Unknown hook")
        device = self._devices[name].device
        if not isinstance(device, HookReceiver):
            raise NotFound("Unknown hook")
        return device

    # lifecycle -------------------------------------------------------------------
    def _context(self, cfg: DeviceConfig) -> DeviceContext:
        cls = driver_for(cfg.kind)
        username, password = self.config.device_credentials(cfg, cls.cloud_account)
        name = cfg.name
        return DeviceContext(
            http=self.http,
            emit=lambda ev: self.emit(name, ev),
            data_dir=self.data_dir,
            username=username,
            password=password,
            hook_url=self.hook_url(name),
            on_state=lambda: self._state_pushed(name),
            options=options_for(cls, cfg),
        )

    def _state_pushed(self, name: str) -> None:
        m = self._devices.get(name)
        if m is not None:
            self._changed(m.device)

    def _add(self, device: Device, parent: str | None = None) -> Managed:
        coordinator = Coordinator(device, self._changed, self._polled)
        m = Managed(device, coordinator, parent)
        self._devices[device.name] = m
        coordinator.start()
        return m

    async def _drop_child(self, name: str) -> None:
        m = self._devices.get(name)
        if m is None or m.parent is None:
            return
        parent = self._devices.get(m.parent)
        if parent is not None and name in parent.children:
            parent.children.remove(name)
        self._collisions.add(name)  # and it is not added back as a child
        await self._remove(name)

    async def _remove(self, name: str) -> None:
        m = self._devices.pop(name, None)
        if m is None:
            return
        for child in m.children:
            await self._remove(child)
        await m.coordinator.stop()
        self._notify({"type": "device_removed", "device": name})

    def _polled(self, device: Device) -> None:
        if Capability.CHILDREN in device.capabilities and device.name in self._devices:
            task = asyncio.get_running_loop().create_task(self._sync_children(device.name))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _sync_children(self, name: str) -> None:
        m = self._devices.get(name)
        if m is None or not m.coordinator.online:
            return
        try:  # outside the hub lock: this is a network call
            children = await m.device.need(Capability.CHILDREN, ChildrenDriver).list_children()
        except CamhubError as exc:
            log.warning("%s: cannot list children (%s)", name, exc.message)
            return
        async with self._lock:
            if self._devices.get(name) is not m:
                return  # removed or replaced meanwhile
            wanted: dict[str, Device] = {}
            for child in children:
                other = self._devices.get(child.name)
                if other is not None and self._devices[child.name].parent != name:
                    if child.name not in self._collisions:
                        self._collisions.add(child.name)
                        log.warning(
                            "%s: child %r has the name of another device; not added",
                            name,
                            child.name,
                        )
                    continue
                wanted[child.name] = child
            changed = False
            for old in [c for c in m.children if c not in wanted]:
                await self._remove(old)
                changed = True
            for cname, child in wanted.items():
                existing = self._devices.get(cname)
                if existing is not None and existing.device is child:
                    continue
                if existing is not None:
                    await self._remove(cname)
                self._add(child, parent=name)
                changed = True
            m.children = list(wanted)
            m.device.state.set(ChildrenState(devices=list(wanted)))
            if changed:
                self._changed(m.device)

    def _create(self, cfg: DeviceConfig) -> Device:
        return driver_for(cfg.kind)(cfg, self._context(cfg))

    async def start(self) -> None:
        """Start every configured device; unreachable ones do not block start-up.

        Raises ConfigError when a device's settings are invalid for its driver.
        """
        self.config = resolve(self.config)
        async with self._lock:
            for cfg in self.config.devices:
                self._add(self._create(cfg))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        async with self._lock:
            for name in [n for n, m in self._devices.items() if m.parent is None]:
                await self._remove(name)

    async def reload(self, new: Config) -> dict[str, list[str]]:
        """Apply a new config: start added devices, stop removed, reconnect changed."""
        # Check every device first, so that one bad entry refuses the whole config.
        new = resolve(new)
        async with self._lock:
            old_config = self.config
            old = {d.name: d for d in old_config.devices}
            wanted = {d.name: d for d in new.devices}
            self.config = new
            result: dict[str, list[str]] = {"added": [], "removed": [], "changed": []}
            for name in old:
                if name not in wanted:
                    await self._remove(name)
                    result["removed"].append(name)
            for name, cfg in wanted.items():
                before = old.get(name)
                if before is None:
                    await self._drop_child(name)  # a configured device wins over a child
                    self._add(self._create(cfg))
                    result["added"].append(name)
                elif before != cfg or old_config.device_credentials(
                    before, True
                ) != new.device_credentials(cfg, True):
                    await self._remove(name)
                    self._add(self._create(cfg))
                    result["changed"].append(name)
        return result
