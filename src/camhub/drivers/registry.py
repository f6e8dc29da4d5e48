"""Driver registry: ``kind`` -> :class:`~camhub.drivers.base.Device` subclass.

A vendor registers itself: its package (a folder or module under ``camhub/drivers``,
or any installed distribution that names a module in the ``camhub.drivers`` entry-point
group) calls :func:`register` when imported. Nothing outside the vendor's folder lists
its kinds: :func:`load_all` imports every vendor once, and everything else (config
validation, the CLI, the demo) asks this registry.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from camhub.config import Config, DeviceConfig
from camhub.drivers.base import Device
from camhub.errors import ConfigError

log = logging.getLogger("camhub.drivers")

ENTRY_POINT_GROUP = "camhub.drivers"
_INFRA = frozenset({"base", "http", "registry"})  # modules here that are not vendors
_REGISTRY: dict[str, type[Device]] = {}
_loaded = False

D = TypeVar("D", bound=type[Device])
M = TypeVar("M", bound=BaseModel)


def register(*kinds: str) -> Callable[[D], D]:
    """Class decorator: this driver drives these kinds."""

    def deco(cls: D) -> D:
        for kind in kinds:
            other = _REGISTRY.get(kind)
            if other is not None and other is not cls:
                raise ValueError(f"kind {kind!r} is registered twice")
            _REGISTRY[kind] = cls
        return cls

    return deco


def unregister(kind: str) -> None:
    """Forget a kind (tests that register a toy vendor clean up with this)."""
    _REGISTRY.pop(kind, None)


def load_all() -> None:
    """Import every vendor package once (built in, then entry points)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    package = importlib.import_module("camhub.drivers")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in _INFRA:
            importlib.import_module(f"camhub.drivers.{info.name}")
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception:  # a broken plug-in must not stop camhub
            log.exception("cannot load driver plug-in %s", ep.value)


def kinds() -> list[str]:
    load_all()
    return sorted(_REGISTRY)


def driver_for(kind: str) -> type[Device]:
    load_all()
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ConfigError([f"kind: no driver for {kind!r} (known: {', '.join(kinds())})"]) from None


def kind_for_model(model: str) -> str | None:
    """The kind whose driver names this model (tapo-rest's ``device_type``)."""
    load_all()
    wanted = model.upper()
    for kind, cls in sorted(_REGISTRY.items()):
        if wanted in cls.models and cls.kind == kind:
            return kind
    return None


def kind_check(kind: str, model: str | None) -> str:
    """For config validation: the kind (from the model when empty), or ValueError."""
    found = kind or (kind_for_model(model) if model else None)
    if not found:
        raise ValueError("give kind (or a known device_type)")
    if found not in kinds():
        raise ValueError(f"no driver for {found!r} (known: {', '.join(kinds())})")
    return found


def _options(cls: type[Device], cfg: DeviceConfig, where: str) -> Any:
    """The driver's options model from ``options`` plus extra top-level keys."""
    extras = dict(cfg.model_extra or {})
    if cls.options_model is None:
        problems = [f"{where}.{key}: not a setting of kind {cfg.kind}" for key in extras]
        problems += [f"{where}.options.{key}: unknown option" for key in cfg.options]
        if problems:
            raise ConfigError(problems)
        return None
    clash = sorted(set(extras) & set(cfg.options))
    if clash:
        raise ConfigError([f"{where}.{k}: given twice (top level and options)" for k in clash])
    try:
        return cls.options_model.model_validate({**cfg.options, **extras})
    except ValidationError as exc:
        problems = []
        for e in exc.errors(include_url=False):
            loc = ".".join(str(p) for p in e["loc"])
            prefix = where if loc.split(".")[0] in extras else f"{where}.options"
            problems.append(f"{prefix}.{loc}: {e['msg']}" if loc else f"{where}: {e['msg']}")
        raise ConfigError(problems) from None


def resolve(config: Config) -> Config:
    """Fill in kinds given as models and check every device against its driver.

    Raises ConfigError with one ``devices.N.field: message`` line per problem.
    """
    problems: list[str] = []
    devices: list[DeviceConfig] = []
    for i, cfg in enumerate(config.devices):
        where = f"devices.{i}"
        kind = cfg.kind or (kind_for_model(cfg.model) if cfg.model else None)
        if kind is None:
            problems.append(f"{where}.kind: required (or a known device_type)")
            continue
        cfg = cfg.model_copy(update={"kind": kind})
        try:
            cls = driver_for(kind)
        except ConfigError:
            problems.append(f"{where}.kind: no driver for {kind!r} (known: {', '.join(kinds())})")
            continue
        if cls.needs_host and not cfg.host:
            problems.append(f"{where}.host: required for kind {kind}")
        try:
            _options(cls, cfg, where)
            cls.check_config(cfg)
        except ConfigError as exc:
            problems += exc.problems
        devices.append(cfg)
    if problems:
        raise ConfigError(problems)
    return config.model_copy(update={"devices": devices})


def options_for(cls: type[Device], cfg: DeviceConfig) -> Any:
    """The validated options of a device already checked by :func:`resolve`."""
    return _options(cls, cfg, "devices")


def options_of(device: Device, model: type[M]) -> M:
    """``device``'s options as ``model``: those the hub validated into its context, or,
    for a device built without the hub (a test, a script), validated from its config."""
    given = device.ctx.options
    if isinstance(given, model):
        return given
    found: M = options_for(type(device), device.config)
    return found


def check_devices(devices: Iterable[DeviceConfig]) -> None:
    """Every device has a driver that accepts its settings, or ConfigError lists why not."""
    resolve(Config(devices=list(devices)))
