"""Tapo smart plugs (P100, P105; P110, P110M, P115 with an energy meter)."""

from __future__ import annotations

from camhub.drivers import register
from camhub.drivers.tapo.smart_features import Metered, Rebootable, StatusLed, Switch
from camhub.drivers.tapo.smart_tables import PLUG_MODELS


@register("tapo-plug")
class TapoPlug(Switch, Metered, StatusLed, Rebootable):
    """power, energy (models with a meter), led, reboot, raw."""

    kind = "tapo-plug"
    models = PLUG_MODELS
