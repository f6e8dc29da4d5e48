"""What each tapo-rest action does, in capability terms.

Switches, light settings and energy figures go through the capability methods of
:class:`~camhub.drivers.base.Device`. Answers that tapo-rest passes through from
the device as is (``get-device-info``, ``get-device-usage``, ``get-energy-usage``,
``get-child-device-list``) come from the ``raw`` capability and are shaped the way
the ``tapo`` crate serialises them: base64 text fields decoded, date-times in ISO
8601. A handler returns the JSON body, or None for tapo-rest's empty 200 answer.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Literal

from camhub.capabilities import (
    BrightnessDriver,
    ChildrenDriver,
    ColorDriver,
    ColorTempDriver,
    EffectsDriver,
    EffectsState,
    EnergyDriver,
    EnergyState,
    PowerDriver,
    PowerState,
    RawDriver,
)
from camhub.capabilities import Capability as C
from camhub.compat.taporest_tables import COLORS, ENERGY_INTERVAL_MINUTES, Group, effect_key
from camhub.drivers.base import Device
from camhub.errors import DeviceError, InvalidArgument, NotFound

if TYPE_CHECKING:
    from camhub.api.state import AppState

Interval = Literal["hourly", "daily", "monthly"]


@dataclass
class Call:
    """One action request, resolved: the device, its group and the parsed parameters."""

    state: AppState
    device: Device
    group: Group
    params: dict[str, Any]


Handler = Callable[[Call], Awaitable[Any]]


# vendor answers -------------------------------------------------------------------------
def _text(value: Any) -> Any:
    """Tapo sends nicknames and SSIDs in base64; the tapo crate decodes them."""
    if not isinstance(value, str):
        return value
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (ValueError, binascii.Error):
        return value


def _iso(value: Any) -> Any:
    """Tapo's ``2024-01-31 12:00:00`` as chrono serialises it: ``2024-01-31T12:00:00``."""
    return value.replace(" ", "T", 1) if isinstance(value, str) and "T" not in value else value


def shaped(info: dict[str, Any]) -> dict[str, Any]:
    out = dict(info)
    for key in ("nickname", "ssid"):
        if key in out:
            out[key] = _text(out[key])
    if "local_time" in out:
        out["local_time"] = _iso(out["local_time"])
    return out


async def vendor(device: Device, method: str, params: dict[str, Any] | None = None) -> Any:
    """The ``result`` of one vendor method sent through the ``raw`` capability."""
    request: dict[str, Any] = {"method": method}
    if params is not None:
        request["params"] = params
    reply = await device.need(C.RAW, RawDriver).raw(request)
    code = reply.get("error_code") if isinstance(reply, dict) else None
    if not isinstance(code, int) or isinstance(code, bool):
        raise DeviceError(f"{device.name}: malformed reply to {method}", device=device.name)
    if code != 0:
        raise DeviceError(
            f"{device.name}: the device refused {method} (error code {code})",
            device=device.name,
            code=code,
        )
    return reply.get("result")


async def vendor_object(device: Device, method: str, params: dict[str, Any] | None = None) -> Any:
    result = await vendor(device, method, params)
    if not isinstance(result, dict):
        raise DeviceError(f"{device.name}: malformed reply to {method}", device=device.name)
    return result


def _power(device: Device) -> PowerDriver:
    return device.need(C.POWER, PowerDriver)


# switching ---------------------------------------------------------------------------------
async def _current_power_state(call: Call) -> bool:
    """Ask the device (through its coordinator, which also refreshes the native state)."""
    coordinator = call.state.hub.coordinator(call.device.name)
    await coordinator.refresh()
    power = call.device.state.get(PowerState)
    if not coordinator.online or power is None:
        raise DeviceError(
            f"{call.device.name}: cannot read the power state "
            f"({coordinator.last_error or 'not reported'})",
            device=call.device.name,
        )
    return power.on


async def on(call: Call) -> None:
    await _power(call.device).set_power(True)


async def off(call: Call) -> None:
    await _power(call.device).set_power(False)


async def toggle(call: Call) -> None:
    await _power(call.device).set_power(not await _current_power_state(call))


# power-strip sockets -----------------------------------------------------------------------
MAX_CHILD_PAGES = 64


async def child_entries(device: Device) -> list[dict[str, Any]]:
    """``get_child_device_list``, every page."""
    entries: list[dict[str, Any]] = []
    seen = 0  # items read, whatever their shape: the next page starts after them
    for _ in range(MAX_CHILD_PAGES):
        page = await vendor_object(device, "get_child_device_list", {"start_index": seen})
        items = page.get("child_device_list")
        if not isinstance(items, list):
            raise DeviceError(f"{device.name}: malformed child list", device=device.name)
        seen += len(items)
        entries += [shaped(i) for i in items if isinstance(i, dict)]
        total = page.get("sum")
        if not items or not isinstance(total, int) or seen >= total:
            return entries
    raise DeviceError(f"{device.name}: child list never ends", device=device.name)


async def _children(call: Call) -> list[Device]:
    hub = call.state.hub
    names = hub.summary(call.device.name).get("children") or []
    known = [hub.get(n) for n in names if n in hub.names()]
    children: list[Device] = await call.device.need(C.CHILDREN, ChildrenDriver).list_children()
    return known or children


async def _socket(call: Call) -> tuple[Device, dict[str, Any]]:
    """The socket named by ``child``: camhub name, device id, nickname or position."""
    key = str(call.params["child"])
    entries = await child_entries(call.device)
    children = await _children(call)
    named = next((c for c in children if c.name == key), None)
    entry: dict[str, Any] | None = None
    if named is not None:
        entry = next(
            (e for e in entries if e.get("nickname") == named.state.vendor.get("nickname")), None
        )
    entry = entry or next((e for e in entries if e.get("device_id") == key), None)
    entry = entry or next(
        (e for e in entries if str(e.get("nickname", "")).casefold() == key.casefold()), None
    )
    entry = entry or next((e for e in entries if str(e.get("position")) == key), None)
    if entry is None:
        raise NotFound(f"{call.device.name} has no socket {key!r}", device=call.device.name)
    if named is None:
        same_nick = [c for c in children if c.state.vendor.get("nickname") == entry.get("nickname")]
        index = entries.index(entry)
        if len(same_nick) == 1:
            named = same_nick[0]
        elif index < len(children):
            named = children[index]
    if named is None:
        raise NotFound(f"{call.device.name}: socket {key!r} is not ready", device=call.device.name)
    return named, entry


async def child_on(call: Call) -> None:
    child, _ = await _socket(call)
    await _power(child).set_power(True)


async def child_off(call: Call) -> None:
    child, _ = await _socket(call)
    await _power(child).set_power(False)


async def child_toggle(call: Call) -> None:
    child, entry = await _socket(call)
    current = entry.get("device_on")
    if not isinstance(current, bool):
        raise DeviceError(f"{call.device.name}: socket has no power state", device=child.name)
    await _power(child).set_power(not current)


async def get_child_device_list(call: Call) -> list[dict[str, Any]]:
    return await child_entries(call.device)


# lights ------------------------------------------------------------------------------------
async def set_brightness(call: Call) -> None:
    await call.device.need(C.BRIGHTNESS, BrightnessDriver).set_brightness(call.params["level"])


async def set_color(call: Call) -> None:
    hue, saturation, kelvin = COLORS[call.params["color"]]
    if kelvin:
        await call.device.need(C.COLOR_TEMP, ColorTempDriver).set_color_temp(kelvin)
    else:
        await call.device.need(C.COLOR, ColorDriver).set_color(hue, saturation)


async def set_hue_saturation(call: Call) -> None:
    await call.device.need(C.COLOR, ColorDriver).set_color(
        call.params["hue"], call.params["saturation"]
    )


async def set_color_temperature(call: Call) -> None:
    await call.device.need(C.COLOR_TEMP, ColorTempDriver).set_color_temp(
        call.params["color_temperature"]
    )


async def set_lighting_effect(call: Call) -> None:
    wanted = effect_key(call.params["lighting_effect"])
    effects = call.device.need(C.EFFECTS, EffectsDriver)
    known = call.device.state.get(EffectsState)
    names = known.available if known is not None else []
    name = next((n for n in names if effect_key(n) == wanted), None)
    if name is None:
        raise InvalidArgument(
            f"{call.device.name} has no effect {call.params['lighting_effect']!r}",
            errors=[f"lighting_effect: one of {', '.join(names)}"],
        )
    await effects.set_effect(name)


# information -------------------------------------------------------------------------------
async def get_device_info(call: Call) -> dict[str, Any]:
    return shaped(await vendor_object(call.device, "get_device_info"))


async def get_device_usage(call: Call) -> dict[str, Any]:
    usage = await vendor_object(call.device, "get_device_usage")
    keys = call.group.usage_keys
    return {k: v for k, v in usage.items() if keys is None or k in keys}


async def get_energy_usage(call: Call) -> dict[str, Any]:
    return shaped(await vendor_object(call.device, "get_energy_usage"))


async def get_current_power(call: Call) -> dict[str, Any]:
    call.device.need(C.ENERGY, EnergyDriver)
    await call.state.hub.coordinator(call.device.name).refresh()  # a live figure
    energy = call.device.state.get(EnergyState)
    return {"current_power": round(energy.power_w or 0.0) if energy is not None else 0}


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min).astimezone()  # the server's time zone, as tapo-rest


def _add_months(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 + months, 12)
    return moment.replace(year=moment.year + year, month=month + 1, day=1)


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _energy_data(call: Call, interval: Interval) -> dict[str, Any]:
    start = _local_midnight(call.params["start_date"])
    if interval == "hourly":
        last = call.params.get("end_date") or call.params["start_date"]
        end = _local_midnight(last) + timedelta(days=1)
    elif interval == "daily":
        end = _add_months(start, 3)  # a quarter, as the devices answer
    else:
        end = _add_months(start, 12)
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    if end_ms <= start_ms:
        raise InvalidArgument("end_date is before start_date", errors=["end_date: before start"])
    energy = call.device.need(C.ENERGY, EnergyDriver)
    buckets = await energy.get_energy_history(interval, start_ms, end_ms)
    first = buckets[0]["timestamp"] if buckets else start_ms
    return {
        "local_time": datetime.now().replace(microsecond=0).isoformat(),
        "start_date_time": _utc(int(first)),
        "entries": [
            {"start_date_time": _utc(int(b["timestamp"])), "energy": round(b["energy_wh"])}
            for b in buckets
        ],
        "interval_length": ENERGY_INTERVAL_MINUTES[interval],
    }


async def get_hourly_energy_data(call: Call) -> dict[str, Any]:
    return await _energy_data(call, "hourly")


async def get_daily_energy_data(call: Call) -> dict[str, Any]:
    return await _energy_data(call, "daily")


async def get_monthly_energy_data(call: Call) -> dict[str, Any]:
    return await _energy_data(call, "monthly")


# action name -> handler; socket actions (with ``child``) have their own table.
HANDLERS: dict[str, Handler] = {
    "on": on,
    "off": off,
    "toggle": toggle,
    "set-brightness": set_brightness,
    "set-color": set_color,
    "set-hue-saturation": set_hue_saturation,
    "set-color-temperature": set_color_temperature,
    "set-lighting-effect": set_lighting_effect,
    "get-device-info": get_device_info,
    "get-device-usage": get_device_usage,
    "get-energy-usage": get_energy_usage,
    "get-current-power": get_current_power,
    "get-hourly-energy-data": get_hourly_energy_data,
    "get-daily-energy-data": get_daily_energy_data,
    "get-monthly-energy-data": get_monthly_energy_data,
    "get-child-device-list": get_child_device_list,
}
CHILD_HANDLERS: dict[str, Handler] = {"on": child_on, "off": child_off, "toggle": child_toggle}
