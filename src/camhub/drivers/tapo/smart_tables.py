"""Tables of the Tapo smart drivers: models by driver, capabilities by component and
by model, energy intervals, built-in light-strip effects."""

from __future__ import annotations

from camhub.capabilities import Capability as C

# tapo-rest's device_type values (seed 001), by the driver that drives them.
PLUG_MODELS = frozenset({"P100", "P105", "P110", "P110M", "P115"})
BULB_MODELS = frozenset({"L510", "L520", "L610", "L530", "L535", "L630"})
LIGHT_STRIP_MODELS = frozenset({"L900", "L920", "L930"})
POWER_STRIP_MODELS = frozenset({"P300", "P304", "P304M", "P316"})

# component_nego id -> the capability it brings. A capability listed here is optional:
# a device has it only when it lists the component (and its driver implements it).
# The others are what a driver is (a bulb dims, a power strip has sockets).
COMPONENT_CAPABILITIES: dict[str, C] = {
    "color": C.COLOR,
    "color_temperature": C.COLOR_TEMP,
    "light_effect": C.EFFECTS,  # a colour bulb's dynamic effects
    "light_strip_lighting_effect": C.EFFECTS,
    "preset": C.LIGHT_PRESETS,
    "energy_monitoring": C.ENERGY,
    "power_protection": C.POWER_PROTECTION,
    "auto_off": C.AUTO_OFF,
    "countdown": C.TIMER,
    "schedule": C.SCHEDULES,
    "led": C.LED,
}
OPTIONAL: frozenset[C] = frozenset(COMPONENT_CAPABILITIES.values())

# The optional capabilities each known model has, for the time before the device has
# told us (a configured model); its own component list replaces this on connect.
_RULES = frozenset({C.TIMER, C.SCHEDULES})
_PLUG = _RULES | {C.LED}
_METERED = _PLUG | {C.AUTO_OFF, C.ENERGY, C.POWER_PROTECTION}
_LIGHT = _RULES | {C.LIGHT_PRESETS}
_COLOR_LIGHT = _LIGHT | {C.COLOR, C.COLOR_TEMP, C.EFFECTS}
MODEL_CAPABILITIES: dict[str, frozenset[C]] = {
    "P100": _PLUG,
    "P105": _PLUG | {C.AUTO_OFF},
    **dict.fromkeys(("P110", "P110M", "P115"), _METERED),
    **dict.fromkeys(("L510", "L520", "L610"), _LIGHT),
    **dict.fromkeys(("L530", "L535", "L630"), _COLOR_LIGHT),
    # The L900 and L920 have no white channel (color_temp_range [9000, 9000]).
    **dict.fromkeys(("L900", "L920"), _COLOR_LIGHT - {C.COLOR_TEMP}),
    "L930": _COLOR_LIGHT,
    # a power strip's own (its sockets learn theirs from the strip's component list)
    **dict.fromkeys(("P300", "P304", "P304M", "P316"), frozenset({C.LED})),
}

ENERGY_INTERVALS: dict[str, int] = {"hourly": 60, "daily": 1440, "monthly": 43200}

# The colour bulbs' dynamic effects: rule id -> the name the Tapo app shows.
DYNAMIC_EFFECTS: dict[str, str] = {"L1": "Party", "L2": "Relax"}

# Built-in effects of the L900/L920/L930 strips: name -> the device's effect id.
EFFECTS: dict[str, str] = {
    "Aurora": "TapoStrip_1MClvV18i15Jq3bvJVf0eP",
    "Bubbling Cauldron": "TapoStrip_6DlumDwO2NdfHppy50vJtu",
    "Candy Cane": "TapoStrip_6Dy0Nc45vlhFPEzG021Pe9",
    "Christmas": "TapoStrip_5zkiG6avJ1IbhjiZbRlWvh",
    "Flicker": "TapoStrip_4HVKmMc6vEzjm36jXaGwMs",
    "Grandma's Christmas Lights": "TapoStrip_3Gk6CmXOXbjCiwz9iD543C",
    "Hanukkah": "TapoStrip_2YTk4wramLKv5XZ9KFDVYm",
    "Haunted Mansion": "TapoStrip_4rJ6JwC7I9st3tQ8j4lwlI",
    "Icicle": "TapoStrip_7UcYLeJbiaxVIXCxr21tpx",
    "Lightning": "TapoStrip_7OGzfSfnOdhoO2ri4gOHWn",
    "Ocean": "TapoStrip_0fOleCdwSgR0nfjkReeYfw",
    "Rainbow": "TapoStrip_7CC5y4lsL8pETYvmz7UOpQ",
    "Raindrop": "TapoStrip_1t2nWlTBkV8KXBZ0TWvBjs",
    "Spring": "TapoStrip_1nL6GqZ5soOxj71YDJOlZL",
    "Sunrise": "TapoStrip_1OVSyXIsDxrt4j7OxyRvqi",
    "Sunset": "TapoStrip_5NiN0Y8GAUD78p4neKk9EL",
    "Valentines": "TapoStrip_2q1Vio9sSjHmaC7JS9d30l",
}
