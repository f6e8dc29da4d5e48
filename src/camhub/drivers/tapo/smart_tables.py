"""Tables of the Tapo smart driver: capabilities by kind, model and component;
built-in light-strip effects."""

from __future__ import annotations

from camhub.capabilities import Capability as C

# What a kind can do before the device has told us (refined on connect).
KIND_CAPABILITIES: dict[str, frozenset[C]] = {
    "tapo-plug": frozenset({C.POWER, C.RAW}),
    "tapo-bulb": frozenset({C.POWER, C.BRIGHTNESS, C.RAW}),
    "tapo-strip": frozenset({C.POWER, C.BRIGHTNESS, C.COLOR, C.RAW}),
    "tapo-power-strip": frozenset({C.CHILDREN, C.RAW}),
}

# What each model of tapo-rest's device_type list (seed 001) is known to have, on
# top of its kind's; the device's own component list replaces it on connect.
MODEL_CAPABILITIES: dict[str, frozenset[C]] = {
    **dict.fromkeys(("P100", "P105"), frozenset({C.POWER, C.LED})),
    **dict.fromkeys(("P110", "P110M", "P115"), frozenset({C.POWER, C.LED, C.ENERGY})),
    **dict.fromkeys(("L510", "L520", "L610"), frozenset({C.POWER, C.BRIGHTNESS})),
    **dict.fromkeys(
        ("L530", "L535", "L630", "L900"), frozenset({C.POWER, C.BRIGHTNESS, C.COLOR, C.COLOR_TEMP})
    ),
    **dict.fromkeys(
        ("L920", "L930"), frozenset({C.POWER, C.BRIGHTNESS, C.COLOR, C.COLOR_TEMP, C.EFFECTS})
    ),
    **dict.fromkeys(("P300", "P304", "P304M", "P316"), frozenset({C.CHILDREN, C.LED})),
}

# component_nego id -> capability it brings.
COMPONENT_CAPABILITIES: dict[str, C] = {
    "brightness": C.BRIGHTNESS,
    "color": C.COLOR,
    "color_temperature": C.COLOR_TEMP,
    "light_strip_lighting_effect": C.EFFECTS,
    "energy_monitoring": C.ENERGY,
    "child_device": C.CHILDREN,
    "led": C.LED,
}

ENERGY_INTERVALS: dict[str, int] = {"hourly": 60, "daily": 1440, "monthly": 43200}

# Built-in effects of the L920/L930 strips: name -> the device's effect id.
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
