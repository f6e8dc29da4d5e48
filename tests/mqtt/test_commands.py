"""Command payloads map onto the capability actions the same way for every spec."""

from __future__ import annotations

import pytest

from camhub.capabilities import Capability
from camhub.errors import InvalidArgument
from camhub.mqtt.topics import command, hass_light_state, light_command


def test_switches_take_on_off_words_and_bodies() -> None:
    action, args, params = command(Capability.POWER, "ON")
    assert (action.path, args, params) == ("power", {"on": True}, {})
    assert command(Capability.MOTION_DETECTION, "off")[1] == {"enabled": False}
    assert command(Capability.AUTO_OFF, "ON")[1] == {"enabled": True}
    assert command(Capability.BRIGHTNESS, {"level": 5})[1] == {"level": 5}


def test_multi_action_capabilities_take_one_verb() -> None:
    action, args, params = command(Capability.PRESETS, "2")
    assert (action.name, args, params) == ("goto", None, {"preset_id": "2"})
    action, args, _ = command(Capability.PRESETS, {"save": "Door"})
    assert (action.name, args) == ("save", {"name": "Door"})
    action, args, params = command(Capability.LIGHT_PRESETS, {"save": {"id": "1", "brightness": 9}})
    assert (action.name, args, params) == ("save", {"brightness": 9}, {"preset_id": "1"})
    action, _, params = command(Capability.SCHEDULES, {"delete": "7"})
    assert (action.name, params) == ("delete", {"schedule_id": "7"})
    with pytest.raises(InvalidArgument):
        command(Capability.PRESETS, {"explode": 1})


def test_read_only_capabilities_refuse_commands() -> None:
    for cap in (Capability.ENERGY, Capability.EVENTS, Capability.CHILDREN, Capability.STREAM):
        with pytest.raises(InvalidArgument):
            command(cap, {})


def test_ha_light_json_becomes_capability_steps() -> None:
    steps = light_command({"state": "ON", "brightness": 40, "color": {"h": 120.4, "s": 50}})
    assert steps == [
        (Capability.POWER, {"on": True}),
        (Capability.BRIGHTNESS, {"level": 40}),
        (Capability.COLOR, {"hue": 120, "saturation": 50}),
    ]
    assert light_command({"state": "OFF", "brightness": 3}) == [(Capability.POWER, {"on": False})]


def test_ha_light_colour_temperature_is_in_mireds_both_ways() -> None:
    # HA sends mireds (as the discovery config announces); 250 mireds = 4000 K
    assert light_command({"color_temp": 250}) == [(Capability.COLOR_TEMP, {"kelvin": 4000})]
    for bad in (0, -5, "warm", True, None):
        with pytest.raises(InvalidArgument):
            light_command({"color_temp": bad})
    state = {"power": {"on": True}, "brightness": {"level": 70}, "color_temp": {"kelvin": 2700}}
    assert hass_light_state(state) == {
        "state": "ON",
        "brightness": 70,
        "color_mode": "color_temp",
        "color_temp": 370,
    }
