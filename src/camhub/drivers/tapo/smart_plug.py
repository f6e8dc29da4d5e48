"""Tapo smart plugs (P100, P105; P110, P110M, P115 with an energy meter and power
protection)."""

from __future__ import annotations

from camhub.drivers import register
from camhub.drivers.tapo.smart_features import Metered, Rebootable, StatusLed, Switch
from camhub.drivers.tapo.smart_power import AutoOff, PowerProtection
from camhub.drivers.tapo.smart_rules import Countdown, Schedules
from camhub.drivers.tapo.smart_settings import Settings
from camhub.drivers.tapo.smart_tables import PLUG_MODELS


@register("tapo-plug")
class TapoPlug(
    Switch,
    Metered,
    StatusLed,
    AutoOff,
    PowerProtection,
    Countdown,
    Schedules,
    Settings,
    Rebootable,
):
    """power, energy, auto_off and power_protection (models with a meter; P105:
    auto_off), led, timer, schedules, settings, reboot, raw."""

    kind = "tapo-plug"
    models = PLUG_MODELS
