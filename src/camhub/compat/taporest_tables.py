"""tapo-rest's vocabulary: device-type groups, their actions, colour and effect presets.

tapo-rest (github.com/ClementNerma/tapo-rest) serves one route per action and per
device type, ``/actions/{type}/{action}``, where ``type`` is a lowercase model
(``l530``, ``p110``...). A route accepts any device of the same group: ``/actions/l530/on``
drives an L535 too. Parameters come from the query string; names and meanings
follow tapo-rest and the ``tapo`` crate it is built on.

camhub adds a few actions tapo-rest lacks (``toggle``; ``on``/``off``/``toggle`` of
one power-strip socket with ``child=``); they are marked ``extension`` and listed
by ``GET /actions`` like the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Parameter kinds: how a query value is parsed (see taporest_params).
U8, U16, DATE, COLOR, EFFECT, TEXT = "u8", "u16", "date", "color", "effect", "text"


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    required: bool = True


@dataclass(frozen=True)
class Action:
    name: str
    params: tuple[Param, ...] = ()
    extension: bool = False


ON = Action("on")
OFF = Action("off")
TOGGLE = Action("toggle", extension=True)
SET_BRIGHTNESS = Action("set-brightness", (Param("level", U8),))
SET_COLOR = Action("set-color", (Param("color", COLOR),))
SET_HUE_SATURATION = Action("set-hue-saturation", (Param("hue", U16), Param("saturation", U8)))
SET_COLOR_TEMPERATURE = Action("set-color-temperature", (Param("color_temperature", U16),))
SET_LIGHTING_EFFECT = Action("set-lighting-effect", (Param("lighting_effect", EFFECT),))
GET_DEVICE_INFO = Action("get-device-info")
GET_DEVICE_USAGE = Action("get-device-usage")
GET_ENERGY_USAGE = Action("get-energy-usage")
GET_CURRENT_POWER = Action("get-current-power")
GET_HOURLY = Action(
    "get-hourly-energy-data", (Param("start_date", DATE), Param("end_date", DATE, False))
)
GET_DAILY = Action("get-daily-energy-data", (Param("start_date", DATE),))
GET_MONTHLY = Action("get-monthly-energy-data", (Param("start_date", DATE),))
GET_CHILDREN = Action("get-child-device-list")
CHILD_ON = Action("on", (Param("child", TEXT),), extension=True)
CHILD_OFF = Action("off", (Param("child", TEXT),), extension=True)
CHILD_TOGGLE = Action("toggle", (Param("child", TEXT),), extension=True)

_LIGHT = (ON, OFF, TOGGLE, SET_BRIGHTNESS, GET_DEVICE_INFO, GET_DEVICE_USAGE)
_COLOR_LIGHT = (
    ON,
    OFF,
    TOGGLE,
    SET_BRIGHTNESS,
    SET_COLOR,
    SET_HUE_SATURATION,
    SET_COLOR_TEMPERATURE,
    GET_DEVICE_INFO,
    GET_DEVICE_USAGE,
)
_POWER_STRIP = (GET_DEVICE_INFO, GET_CHILDREN, CHILD_ON, CHILD_OFF, CHILD_TOGGLE)


@dataclass(frozen=True)
class Group:
    """Device types that share one set of routes (tapo-rest's macro blocks)."""

    types: tuple[str, ...]
    description: str
    actions: tuple[Action, ...]
    usage_keys: tuple[str, ...] | None = None  # get-device-usage fields; None: all

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)


GROUPS: tuple[Group, ...] = (
    Group(("L510", "L520", "L610"), "bulb", _LIGHT),
    Group(("L530", "L535", "L630"), "bulb", _COLOR_LIGHT),
    Group(("L900",), "light strip", _COLOR_LIGHT),
    Group(("L920", "L930"), "light strip", (*_COLOR_LIGHT, SET_LIGHTING_EFFECT)),
    Group(
        ("P100", "P105"),
        "plug",
        (ON, OFF, TOGGLE, GET_DEVICE_INFO, GET_DEVICE_USAGE),
        usage_keys=("time_usage",),
    ),
    Group(
        ("P110", "P110M", "P115"),
        "plug",
        (
            ON,
            OFF,
            TOGGLE,
            GET_DEVICE_INFO,
            GET_DEVICE_USAGE,
            GET_ENERGY_USAGE,
            GET_HOURLY,
            GET_DAILY,
            GET_MONTHLY,
            GET_CURRENT_POWER,
        ),
    ),
    Group(("P300",), "power strip", _POWER_STRIP),
    Group(("P304", "P304M", "P316"), "energy monitoring power strip", _POWER_STRIP),
)

GROUP_BY_TYPE: dict[str, Group] = {t: g for g in GROUPS for t in g.types}


def route_uris() -> list[str]:
    """Every action route, in tapo-rest's order: group, type, action."""
    return [f"/{t.lower()}/{a.name}" for g in GROUPS for t in g.types for a in g.actions]


# The ``tapo`` crate's colour presets: name -> (hue, saturation, colour temperature).
# A non-zero temperature means a white; the hue and saturation are then ignored.
COLORS: dict[str, tuple[int, int, int]] = {
    "CoolWhite": (0, 100, 4000),
    "Daylight": (0, 100, 5000),
    "Ivory": (0, 100, 6000),
    "WarmWhite": (0, 100, 3000),
    "Incandescent": (0, 100, 2700),
    "Candlelight": (0, 100, 2500),
    "Snow": (0, 100, 6500),
    "GhostWhite": (0, 100, 6500),
    "AliceBlue": (208, 5, 0),
    "LightGoldenrod": (54, 28, 0),
    "LemonChiffon": (54, 19, 0),
    "AntiqueWhite": (0, 100, 5500),
    "Gold": (50, 100, 0),
    "Peru": (29, 69, 0),
    "Chocolate": (30, 100, 0),
    "SandyBrown": (27, 60, 0),
    "Coral": (16, 68, 0),
    "Pumpkin": (24, 90, 0),
    "Tomato": (9, 72, 0),
    "Vermilion": (4, 77, 0),
    "OrangeRed": (16, 100, 0),
    "Pink": (349, 24, 0),
    "Crimson": (348, 90, 0),
    "DarkRed": (0, 100, 0),
    "HotPink": (330, 58, 0),
    "Smitten": (329, 67, 0),
    "MediumPurple": (259, 48, 0),
    "BlueViolet": (271, 80, 0),
    "Indigo": (274, 100, 0),
    "LightSkyBlue": (202, 46, 0),
    "CornflowerBlue": (218, 57, 0),
    "Ultramarine": (254, 100, 0),
    "DeepSkyBlue": (195, 100, 0),
    "Azure": (210, 100, 0),
    "NavyBlue": (240, 100, 0),
    "LightTurquoise": (180, 26, 0),
    "Aquamarine": (159, 50, 0),
    "Turquoise": (174, 71, 0),
    "LightGreen": (120, 39, 0),
    "Lime": (75, 100, 0),
    "ForestGreen": (120, 75, 0),
}

# The ``tapo`` crate's lighting-effect presets (L920/L930), as tapo-rest spells them.
EFFECTS: tuple[str, ...] = (
    "Aurora",
    "BubblingCauldron",
    "CandyCane",
    "Christmas",
    "Flicker",
    "GrandmasChristmasLights",
    "Hanukkah",
    "HauntedMansion",
    "Icicle",
    "Lightning",
    "Ocean",
    "Rainbow",
    "Raindrop",
    "Spring",
    "Sunrise",
    "Sunset",
    "Valentines",
)


def effect_key(name: str) -> str:
    """Compare effect names across spellings: ``Grandma's Christmas Lights`` ==
    ``GrandmasChristmasLights``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


ENERGY_INTERVAL_MINUTES: dict[str, int] = {"hourly": 60, "daily": 1440, "monthly": 43200}
