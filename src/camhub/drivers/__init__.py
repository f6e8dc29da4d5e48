"""Drivers: one self-registering package per vendor (see :mod:`.registry`)."""

from camhub.drivers.base import Device, DeviceContext, EventIn, HookReceiver
from camhub.drivers.registry import (
    check_devices,
    driver_for,
    kind_check,
    kind_for_model,
    kinds,
    load_all,
    register,
    resolve,
)

__all__ = [
    "Device",
    "DeviceContext",
    "EventIn",
    "HookReceiver",
    "check_devices",
    "driver_for",
    "kind_check",
    "kind_for_model",
    "kinds",
    "load_all",
    "register",
    "resolve",
]
