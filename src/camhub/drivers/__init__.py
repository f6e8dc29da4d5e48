"""Driver registry: ``kind`` -> Device subclass.

Driver modules register themselves with :func:`register`; :func:`driver_for`
imports the module that holds a kind on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from camhub.config import DeviceConfig
from camhub.drivers.base import Device
from camhub.errors import ConfigError

# kind -> module that registers it
_MODULES: dict[str, str] = {
    "tapo-camera": "camhub.drivers.tapo.camera",
    "tapo-plug": "camhub.drivers.tapo.smart",
    "tapo-bulb": "camhub.drivers.tapo.smart",
    "tapo-strip": "camhub.drivers.tapo.smart",
    "tapo-power-strip": "camhub.drivers.tapo.smart",
    "sercomm": "camhub.drivers.sercomm.device",
    "tinycam": "camhub.drivers.tinycam.device",
    "ipcamera": "camhub.drivers.ipcamera.device",
    "mjpeg": "camhub.drivers.mjpeg",
    "rtsp": "camhub.drivers.rtsp",
}
_REGISTRY: dict[str, type[Device]] = {}


def register(*kinds: str) -> Callable[[type[Device]], type[Device]]:
    def deco(cls: type[Device]) -> type[Device]:
        for kind in kinds:
            _REGISTRY[kind] = cls
        return cls

    return deco


def check_devices(devices: Iterable[DeviceConfig]) -> None:
    """Every device has a driver that accepts its settings, or ConfigError lists why not."""
    problems: list[str] = []
    for i, cfg in enumerate(devices):
        try:
            driver_for(cfg.kind).check_config(cfg)
        except ConfigError as exc:
            problems += [p.replace("kind:", f"devices.{i}.kind:", 1) for p in exc.problems]
    if problems:
        raise ConfigError(problems)


def driver_for(kind: str) -> type[Device]:
    if kind not in _REGISTRY and kind in _MODULES:
        importlib.import_module(_MODULES[kind])
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ConfigError([f"kind: no driver for {kind!r}"]) from None


__all__ = ["Device", "check_devices", "driver_for", "register"]
