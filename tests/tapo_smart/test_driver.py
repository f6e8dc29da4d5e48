"""camhub's own driver against the emulators: what a user of the API would see."""

from __future__ import annotations

import time
from typing import Any

import pytest

from camhub.capabilities import Capability as C
from camhub.capabilities import ChildrenDriver, EnergyDriver, EnergyState, PowerState, implemented
from camhub.drivers import driver_for, kind_for_model
from camhub.drivers.base import Device
from camhub.errors import DeviceError, InvalidArgument, Unsupported

from .conftest import Connect


async def state_of(dev: Device) -> dict[str, Any]:
    """A fresh poll, as ``GET /api/devices/{name}`` shows it."""
    return (await dev.poll()).to_json()


async def energy_of(dev: Device) -> EnergyState:
    energy = (await dev.poll()).get(EnergyState)
    assert energy is not None
    return energy


async def test_plug_switches_and_reports_power(connect: Connect) -> None:
    async with connect("tapo-plug", "P110") as (emu, plug):
        assert {C.POWER, C.ENERGY, C.LED, C.RAW} <= plug.capabilities
        assert plug.model == "P110"
        await plug.set_power(True)
        state = await state_of(plug)
        assert state["power"] == {"on": True}
        assert state["led"] == {"on": True}
        assert state["vendor"]["nickname"] == "Tapo Plug"
        assert state["vendor"]["model"] == "P110"
        assert 50 < state["energy"]["power_w"] < 70
        assert 230 <= state["energy"]["voltage_v"] < 240  # mains, as the meter reads it
        assert 0.2 < state["energy"]["current_a"] < 0.3  # ~60 W at 230 V
        assert emu.sim_state()["on"] is True
        await plug.set_power(False)
        state = await state_of(plug)
        assert state["power"] == {"on": False}
        assert state["energy"]["power_w"] == 0


async def test_energy_accumulates_while_on(connect: Connect) -> None:
    async with connect("tapo-plug", "P115") as (emu, plug):
        start_ms = int(time.time() * 1000)
        await plug.set_power(True)
        emu.advance(2 * 3600)  # two hours at ~60 W
        now_ms = start_ms + 2 * 3600 * 1000
        energy = await energy_of(plug)
        assert energy.today_wh is not None and energy.month_wh is not None
        assert energy.today_wh <= energy.month_wh
        assert energy.today_runtime_min is not None and energy.today_runtime_min >= 1
        since_on = await plug.get_energy_history("hourly", start_ms - 3600 * 1000, now_ms + 1)
        assert 100 <= sum(b["energy_wh"] for b in since_on[1:]) <= 140
        hourly = await plug.get_energy_history("hourly", now_ms - 6 * 3600 * 1000, now_ms)
        assert 6 <= len(hourly) <= 7
        assert sum(b["energy_wh"] for b in hourly) >= 100
        daily = await plug.get_energy_history("daily", now_ms - 20 * 86400 * 1000, now_ms)
        assert len(daily) in (20, 21)
        assert all(b["timestamp"] % 86_400_000 == 0 for b in daily)
        monthly = await plug.get_energy_history("monthly", now_ms - 40 * 86400 * 1000, now_ms)
        assert 2 <= len(monthly) <= 3
        assert sum(b["energy_wh"] for b in monthly) > 0  # seeded history


async def test_p100_has_no_energy(connect: Connect) -> None:
    async with connect("tapo-plug", "P100") as (_, plug):
        assert C.ENERGY not in plug.capabilities
        with pytest.raises(Unsupported):
            plug.need(C.ENERGY, EnergyDriver)
        with pytest.raises(Unsupported):
            await plug.get_energy_history("daily", 0, 86_400_000)
        state = await state_of(plug)
        assert "energy" not in state and state["power"] == {"on": False}


async def test_bulb_brightness_colour_and_temperature(connect: Connect) -> None:
    async with connect("tapo-bulb", "L530") as (emu, bulb):
        assert {C.POWER, C.BRIGHTNESS, C.COLOR, C.COLOR_TEMP} <= bulb.capabilities
        await bulb.set_power(True)
        await bulb.set_brightness(37)
        await bulb.set_color(240, 80)
        state = await state_of(bulb)
        assert state["brightness"] == {"level": 37}
        assert state["color"] == {"hue": 240, "saturation": 80}
        # colour mode: no white shown
        assert state["color_temp"] == {"kelvin": None, "min_kelvin": 2500, "max_kelvin": 6500}
        await bulb.set_color_temp(4000)
        assert (await state_of(bulb))["color_temp"]["kelvin"] == 4000
        assert emu.sim_state()["color_temp"] == 4000
        with pytest.raises(InvalidArgument):
            await bulb.set_color_temp(9000)
        with pytest.raises(InvalidArgument):
            await bulb.set_brightness(0)


async def test_dimmable_bulb_has_no_colour(connect: Connect) -> None:
    async with connect("tapo-bulb", "L510") as (_, bulb):
        assert C.BRIGHTNESS in bulb.capabilities
        assert not {C.COLOR, C.COLOR_TEMP} & bulb.capabilities
        with pytest.raises(Unsupported):
            await bulb.set_color(10, 10)
        state = await state_of(bulb)
        assert set(state) == {
            "power",
            "brightness",
            "light_presets",
            "timer",
            "schedules",
            "vendor",
        }


async def test_strip_effects(connect: Connect) -> None:
    async with connect("tapo-strip", "L930") as (emu, strip):
        assert C.EFFECTS in strip.capabilities
        assert "Aurora" in (await state_of(strip))["effects"]["available"]
        await strip.set_effect("Ocean")
        state = await state_of(strip)
        assert state["effects"]["current"] == "Ocean" and state["power"] == {"on": True}
        assert emu.sim_state()["effect"] == "Ocean"
        current = await strip.raw({"method": "get_lighting_effect"})
        assert current["result"]["id"] == "TapoStrip_0fOleCdwSgR0nfjkReeYfw"
        await strip.set_color(30, 100)  # a plain colour stops the effect
        assert (await state_of(strip))["effects"]["current"] is None
        await strip.set_effect("Rainbow")
        await strip.set_effect(None)
        assert emu.sim_state()["effect"] is None
        with pytest.raises(InvalidArgument):
            await strip.set_effect("Disco Inferno")


async def test_l900_has_effects_but_no_white(connect: Connect) -> None:
    # A real L900 runs the built-in effects and reports color_temp_range [9000, 9000]:
    # it has no white channel, so no colour temperature to offer.
    async with connect("tapo-strip", "L900") as (emu, strip):
        assert {C.EFFECTS, C.COLOR} <= strip.capabilities
        assert C.COLOR_TEMP not in strip.capabilities
        await strip.set_effect("Ocean")
        assert emu.sim_state()["effect"] == "Ocean"
        assert "color_temp" not in await state_of(strip)


async def test_power_strip_children(connect: Connect) -> None:
    async with connect("tapo-power-strip", "P304M") as (emu, strip):
        assert C.CHILDREN in strip.capabilities
        assert C.POWER not in strip.capabilities
        children = await strip.list_children()
        assert [c.name for c in children] == [f"dev.plug-{n}" for n in range(1, 5)]
        await children[1].set_power(True)
        sockets = emu.sim_state()["children"]
        assert [s["on"] for s in sockets] == [False, True, False, False]
        assert C.ENERGY in children[1].capabilities
        assert C.REBOOT not in children[1].capabilities  # a socket does not restart alone
        power = (await energy_of(children[1])).power_w
        assert power is not None and power > 0
        state = await state_of(strip)
        assert state["led"] == {"on": True} and "power" not in state
        assert state["vendor"]["nickname"] == "Tapo Power Strip"
        on = [(await c.poll()).get(PowerState) for c in children]
        assert [p.on if p else None for p in on] == [False, True, False, False]
        child_state = await state_of(children[1])
        assert child_state["power"] == {"on": True}
        assert child_state["vendor"]["nickname"] == "Plug 2"
        assert child_state["vendor"]["position"] == 2
        assert await strip.list_children() == children  # same objects, same names
        # a socket holds a narrow port (its list entry, its channel), never its strip
        socket = children[1]
        assert strip not in [*vars(socket).values(), *vars(socket.port).values()]
        assert socket.kind == "tapo-socket" and socket.model == "P304M"


async def test_p300_sockets_have_no_energy(connect: Connect) -> None:
    async with connect("tapo-power-strip", "P300") as (_, strip):
        children = await strip.list_children()
        assert len(children) == 3
        assert C.ENERGY not in children[0].capabilities
        await children[2].connect()  # the hub connects children it is given
        assert children[2].model == "P300"
        await children[2].set_power(True)
        assert (await state_of(children[2]))["power"] == {"on": True}
        assert "energy" not in await state_of(children[0])
        with pytest.raises(Unsupported):
            children[0].need(C.CHILDREN, ChildrenDriver)


def test_every_kind_has_a_driver() -> None:
    kinds = ("tapo-plug", "tapo-bulb", "tapo-strip", "tapo-power-strip")
    assert [driver_for(k).kind for k in kinds] == list(kinds)
    assert all(driver_for(k).cloud_account for k in kinds)
    # each class has only its own interfaces
    assert C.CHILDREN not in implemented(driver_for("tapo-plug"))
    assert C.POWER not in implemented(driver_for("tapo-power-strip"))
    assert C.EFFECTS in implemented(driver_for("tapo-bulb"))  # the colour bulbs'
    assert C.EFFECTS in implemented(driver_for("tapo-strip"))
    assert C.AUTO_OFF not in implemented(driver_for("tapo-bulb"))
    assert C.LED not in implemented(driver_for("tapo-bulb"))


def test_tapo_rest_device_types_name_their_kind() -> None:
    for model, (kind, *_) in SEED_TYPES.items():
        assert kind_for_model(model) == kind
        assert kind_for_model(model.lower()) == kind
    assert kind_for_model("C200") == "tapo-camera"
    assert kind_for_model("X999") is None


async def test_device_error_carries_vendor_code(connect: Connect) -> None:
    async with connect("tapo-bulb", "L530") as (_, bulb):
        reply = await bulb.raw({"method": "set_device_info", "params": {"brightness": 101}})
        assert reply == {"error_code": -1008}
        with pytest.raises(DeviceError) as info:
            await bulb.proto.call("set_device_info", {"hue": 400})
        assert info.value.code == -1008
        assert "PARAMS_ERROR" in info.value.message and "dev" in info.value.message
        with pytest.raises(DeviceError) as info:
            await bulb.proto.call("get_something_else")
        assert info.value.code == -1002


async def test_led_and_nickname_via_raw(connect: Connect) -> None:
    async with connect("tapo-plug", "P110") as (_, plug):
        await plug.set_led(False)
        led = await plug.raw({"method": "get_led_info"})
        assert led["result"]["led_rule"] == "never"
        assert (await state_of(plug))["led"] == {"on": False}
        await plug.raw({"method": "set_device_info", "params": {"nickname": "S2l0Y2hlbg=="}})
        assert (await state_of(plug))["vendor"]["nickname"] == "Kitchen"


# Every device type of seed 001 (tapo-rest's list): (kind, capabilities it must have,
# capabilities it must not have, sockets).
_RULES = {C.TIMER, C.SCHEDULES, C.SETTINGS}
_DIMMABLE = {C.BRIGHTNESS, C.LIGHT_PRESETS} | _RULES
_NO_COLOUR = {C.COLOR, C.COLOR_TEMP, C.EFFECTS, C.AUTO_OFF, C.ENERGY}
_COLOUR = {C.BRIGHTNESS, C.COLOR, C.COLOR_TEMP, C.EFFECTS, C.LIGHT_PRESETS} | _RULES
_NOT_A_LIGHT = {C.BRIGHTNESS, C.LIGHT_PRESETS, C.EFFECTS}
_PLUG = {C.POWER, C.LED} | _RULES
_METERED = _PLUG | {C.ENERGY, C.AUTO_OFF, C.POWER_PROTECTION}
_STRIP = {C.CHILDREN, C.LED, C.SETTINGS}
_NOT_A_SWITCH = {C.POWER, C.TIMER, C.SCHEDULES, C.AUTO_OFF, C.POWER_PROTECTION}
SEED_TYPES: dict[str, tuple[str, set[C], set[C], int]] = {
    "L510": ("tapo-bulb", _DIMMABLE, _NO_COLOUR, 0),
    "L520": ("tapo-bulb", _DIMMABLE, _NO_COLOUR, 0),
    "L610": ("tapo-bulb", _DIMMABLE, _NO_COLOUR, 0),
    "L530": ("tapo-bulb", _COLOUR, {C.AUTO_OFF, C.ENERGY}, 0),
    "L535": ("tapo-bulb", _COLOUR, {C.AUTO_OFF, C.ENERGY}, 0),
    "L630": ("tapo-bulb", _COLOUR, {C.AUTO_OFF, C.ENERGY}, 0),
    "L900": ("tapo-strip", _COLOUR - {C.COLOR_TEMP}, {C.COLOR_TEMP}, 0),
    "L920": ("tapo-strip", _COLOUR - {C.COLOR_TEMP}, {C.COLOR_TEMP}, 0),
    "L930": ("tapo-strip", _COLOUR, {C.AUTO_OFF}, 0),
    "P100": ("tapo-plug", _PLUG, {C.ENERGY, C.AUTO_OFF, C.POWER_PROTECTION} | _NOT_A_LIGHT, 0),
    "P105": ("tapo-plug", _PLUG | {C.AUTO_OFF}, {C.ENERGY, C.POWER_PROTECTION}, 0),
    "P110": ("tapo-plug", _METERED, _NOT_A_LIGHT, 0),
    "P110M": ("tapo-plug", _METERED, _NOT_A_LIGHT, 0),
    "P115": ("tapo-plug", _METERED, _NOT_A_LIGHT, 0),
    "P300": ("tapo-power-strip", _STRIP, _NOT_A_SWITCH, 3),
    "P304": ("tapo-power-strip", _STRIP, _NOT_A_SWITCH, 4),
    "P304M": ("tapo-power-strip", _STRIP, _NOT_A_SWITCH | {C.ENERGY}, 4),
    "P316": ("tapo-power-strip", _STRIP, _NOT_A_SWITCH, 6),
}


@pytest.mark.parametrize("model", list(SEED_TYPES))
async def test_every_seed_device_type_is_emulated_and_driven(model: str, connect: Connect) -> None:
    kind, has, lacks, sockets = SEED_TYPES[model]
    async with connect(kind, model) as (emu, dev):
        assert dev.model == model
        assert has <= dev.capabilities
        assert not lacks & dev.capabilities
        # what the configured model promises before connecting is what the device has
        configured = driver_for(kind)(dev.config, dev.ctx)
        assert configured.capabilities == dev.capabilities
        if sockets:
            children = await dev.list_children()
            assert len(children) == sockets
            metered = model.endswith("M")
            assert all((C.ENERGY in c.capabilities) is metered for c in children)
            assert all((C.POWER_PROTECTION in c.capabilities) is metered for c in children)
            assert all({C.TIMER, C.SCHEDULES, C.AUTO_OFF} <= c.capabilities for c in children)
            await children[-1].set_power(True)
            assert emu.sim_state()["children"][-1]["on"] is True
        else:
            await dev.set_power(True)
            assert (await state_of(dev))["power"] == {"on": True}


async def test_power_strip_sockets_read_the_strips_child_list(connect: Connect) -> None:
    async with connect("tapo-power-strip", "P304") as (emu, strip):
        requests: list[str] = []
        handle = emu.node.handle

        def counting(request: Any, nested: bool = False) -> dict[str, Any]:
            if not nested:
                requests.append(str(request.get("method")))
            reply: dict[str, Any] = handle(request, nested)
            return reply

        emu.node.handle = counting
        # what the hub does: poll the strip, sync its children, connect and poll each
        await strip.poll()
        children = await strip.list_children()
        assert await strip.list_children() == children  # the same objects, no request
        for child in children:
            await child.connect()
            assert (await state_of(child))["power"] == {"on": False}
        for _ in range(2):  # two more rounds
            await strip.poll()
            for child in children:
                await child.poll()
        # one request per strip poll (+1: the sockets' components, read once); each
        # socket reads its own settings (countdown, schedules, auto-off) once, in one
        # control_child, and then once a minute
        others = [r for r in requests if r != "control_child"]
        assert len(others) == 4, requests
        assert requests.count("control_child") == len(children)
        # a socket switched is read back by its next poll
        await children[2].set_power(True)
        assert (await state_of(children[2]))["power"] == {"on": True}
        await strip.poll()
        assert [(await state_of(c))["power"]["on"] for c in children] == [False, False, True, False]


async def test_malformed_component_version_is_a_device_error(connect: Connect) -> None:
    async with connect("tapo-plug", "P100", do_connect=False) as (emu, plug):
        emu.node.methods["component_nego"] = lambda _: {
            "component_list": [{"id": "device", "ver_code": "v2"}]
        }
        with pytest.raises(DeviceError, match="malformed reply") as info:
            await plug.connect()
        assert info.value.device == "dev"
        for bad in (None, "²"):  # "²".isdigit() is true, int() refuses it
            emu.node.methods["component_nego"] = lambda _, bad=bad: {
                "component_list": [{"id": "device", "ver_code": bad}]
            }
            with pytest.raises(DeviceError, match="malformed reply"):
                await plug.connect()


async def test_socket_names_fold_accents(connect: Connect) -> None:
    async with connect("tapo-power-strip", "P300", do_connect=False) as (emu, strip):
        emu.node.children[0].nickname = "Café lamp"
        await strip.connect()
        children = await strip.list_children()
        assert children[0].name == "dev.cafe-lamp"
