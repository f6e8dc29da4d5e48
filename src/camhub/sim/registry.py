"""Emulator registry: ``kind`` -> :class:`~camhub.sim.base.Emulator` subclass.

An emulator registers itself by defining ``kind`` on its class (see
:meth:`Emulator.__init_subclass__`); a vendor's emulator package may also offer the
devices ``camhub demo`` runs of it, as ``demo_devices()`` in its ``demo`` module.
:func:`load_all` imports every package under ``camhub/sim`` (and the ``camhub.emulators``
entry points), so nothing outside a vendor's folder lists its kinds.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

log = logging.getLogger("camhub.sim")

ENTRY_POINT_GROUP = "camhub.emulators"
# Emulator classes (typed loosely: this module sits below camhub.sim.base).
_EMULATORS: dict[str, type[Any]] = {}
_DEMOS: list[Callable[[str], list[DemoDevice]]] = []
_loaded = False


@dataclass
class DemoDevice:
    """One emulated device of ``camhub demo`` and how the hub's config points at it."""

    name: str
    kind: str  # the emulator's kind
    username: str
    model: str | None = None
    login: str = "secure"
    extra: dict[str, Any] = field(default_factory=dict)  # SimOptions.extra
    options: dict[str, Any] = field(default_factory=dict)  # other SimOptions fields
    device: dict[str, Any] = field(default_factory=dict)  # extra device config keys
    # More device config keys, from the running emulator (e.g. its RTSP port).
    more: Callable[[Any], dict[str, Any]] | None = None
    # The device entry, when it is not the emulator's own kind at host:port (a generic
    # camera reading an emulator's URLs); gets the running emulator and the password.
    entry: Callable[[Any, str], dict[str, Any]] | None = None
    # Called once the emulator runs (e.g. the demo's porch camera comes armed).
    prepare: Callable[[Any], None] | None = None


def add(kind: str, cls: type[Any]) -> None:
    other = _EMULATORS.get(kind)
    if other is not None and other.__qualname__ != cls.__qualname__:
        raise ValueError(f"emulator kind {kind!r} is registered twice")
    _EMULATORS[kind] = cls


def remove(kind: str) -> None:
    """Forget a kind (tests that register a toy vendor clean up with this)."""
    _EMULATORS.pop(kind, None)


def add_demo(make: Callable[[str], list[DemoDevice]]) -> Callable[[str], list[DemoDevice]]:
    """Register a function giving demo devices (it gets the demo's device password)."""
    if make not in _DEMOS:
        _DEMOS.append(make)
    return make


def remove_demo(make: Callable[[str], list[DemoDevice]]) -> None:
    if make in _DEMOS:
        _DEMOS.remove(make)


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    package = importlib.import_module("camhub.sim")
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg:
            continue
        importlib.import_module(f"camhub.sim.{info.name}")
        try:
            demo = importlib.import_module(f"camhub.sim.{info.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"camhub.sim.{info.name}.demo":
                raise
            continue
        add_demo(demo.demo_devices)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception:  # a broken plug-in must not stop the others
            log.exception("cannot load emulator plug-in %s", ep.value)


def kinds() -> list[str]:
    load_all()
    return sorted(_EMULATORS)


def emulator_class(kind: str) -> type[Any]:
    load_all()
    try:
        return _EMULATORS[kind]
    except KeyError:
        raise KeyError(f"unknown kind {kind!r}; one of: {', '.join(kinds())}") from None


def demo_devices(password: str) -> list[DemoDevice]:
    load_all()
    return [d for make in _DEMOS for d in make(password)]
