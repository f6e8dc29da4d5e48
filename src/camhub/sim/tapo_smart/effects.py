"""Lighting effects of the Tapo light strips, and the segment effects of the L920/L930.

``set_lighting_effect`` takes a whole effect definition (what python-kasa and
the ``tapo`` crate send), a built-in one by ``id`` (the app, camhub's driver),
or a partial update of the current one (``{"brightness": n, "bAdjusted":
true}``). ``get_lighting_effect`` answers the whole current definition and
``get_device_info`` a summary of it (``brightness``, ``custom``,
``display_colors``, ``enable``, ``id``, ``name``). Segment effects
(``apply_segment_effect_rule``) work alike; the two exclude each other, and a
plain colour stops both.
"""

from __future__ import annotations

from typing import Any

from camhub.sim.tapo_smart.codes import SmartCode, SmartFault

Params = dict[str, Any]

# Built-in effects: name -> (the device's id, effect type, hues it shows).
BUILT_IN: dict[str, tuple[str, str, tuple[int, ...]]] = {
    "Aurora": ("TapoStrip_1MClvV18i15Jq3bvJVf0eP", "sequence", (120, 240, 260, 280)),
    "Bubbling Cauldron": ("TapoStrip_6DlumDwO2NdfHppy50vJtu", "random", (100, 270)),
    "Candy Cane": ("TapoStrip_6Dy0Nc45vlhFPEzG021Pe9", "sequence", (0, 360)),
    "Christmas": ("TapoStrip_5zkiG6avJ1IbhjiZbRlWvh", "random", (136, 350, 0)),
    "Flicker": ("TapoStrip_4HVKmMc6vEzjm36jXaGwMs", "random", (30, 40)),
    "Grandma's Christmas Lights": ("TapoStrip_3Gk6CmXOXbjCiwz9iD543C", "sequence", (30, 0, 240)),
    "Hanukkah": ("TapoStrip_2YTk4wramLKv5XZ9KFDVYm", "random", (200, 210)),
    "Haunted Mansion": ("TapoStrip_4rJ6JwC7I9st3tQ8j4lwlI", "random", (45, 270)),
    "Icicle": ("TapoStrip_7UcYLeJbiaxVIXCxr21tpx", "sequence", (190, 200)),
    "Lightning": ("TapoStrip_7OGzfSfnOdhoO2ri4gOHWn", "random", (210, 230, 250)),
    "Ocean": ("TapoStrip_0fOleCdwSgR0nfjkReeYfw", "sequence", (198, 220, 240)),
    "Rainbow": ("TapoStrip_7CC5y4lsL8pETYvmz7UOpQ", "sequence", (0, 60, 120, 180, 240, 300)),
    "Raindrop": ("TapoStrip_1t2nWlTBkV8KXBZ0TWvBjs", "random", (200, 215)),
    "Spring": ("TapoStrip_1nL6GqZ5soOxj71YDJOlZL", "random", (0, 90, 130)),
    "Sunrise": ("TapoStrip_1OVSyXIsDxrt4j7OxyRvqi", "pulse", (30, 0)),
    "Sunset": ("TapoStrip_5NiN0Y8GAUD78p4neKk9EL", "pulse", (0, 30)),
    "Valentines": ("TapoStrip_2q1Vio9sSjHmaC7JS9d30l", "random", (340, 0, 350)),
}
EFFECT_IDS: dict[str, str] = {name: v[0] for name, v in BUILT_IN.items()}
NAMES_BY_ID = {v: k for k, v in EFFECT_IDS.items()}
SUMMARY_KEYS = ("brightness", "custom", "display_colors", "enable", "id", "name")
_INT_KEYS = ("duration", "transition", "direction", "spread", "repeat_times", "run_time")


def built_in(name: str, *, enable: int = 1, brightness: int = 100) -> Params:
    """A definition of a built-in effect, in the shape the devices answer."""
    effect_id, kind, hues = BUILT_IN[name]
    colours = [[h, 100, 100] for h in hues]
    return {
        "brightness": brightness,
        "custom": 0,
        "direction": 1,
        "display_colors": colours,
        "duration": 0,
        "enable": enable,
        "expansion_strategy": 1,
        "id": effect_id,
        "name": name,
        "repeat_times": 0,
        "segments": [0],
        "sequence": colours,
        "spread": 4,
        "transition": 1500,
        "type": kind,
    }


def effect_off() -> Params:
    """What a strip that never ran an effect reports: its factory "station" sweep."""
    sweep = [[h, 100, 50] for h in (300, 240, 180, 120, 60, 0)] + [[0, 0, 50]] * 6
    return {
        "brightness": 50,
        "custom": 0,
        "direction": 1,
        "display_colors": [],
        "duration": 0,
        "enable": 0,
        "expansion_strategy": 2,
        "id": "",
        "name": "station",
        "repeat_times": 1,
        "segment_length": 1,
        "sequence": sweep,
        "spread": 16,
        "transition": 400,
        "type": "sequence",
    }


def segment_off() -> Params:
    """What an L920/L930 that never ran a segment effect reports."""
    return {
        "brightness": 0,
        "custom": 0,
        "display_colors": [],
        "enable": 0,
        "id": "",
        "name": "station",
    }


def _flag(params: Params, key: str) -> int | None:
    if key not in params:
        return None
    if params[key] not in (0, 1) or not isinstance(params[key], int):
        raise SmartFault(SmartCode.PARAMS_ERROR)
    return int(params[key])


def _colours(value: Any, width: int) -> list[list[int]]:
    ok = isinstance(value, list) and len(value) <= 64
    ok = ok and all(
        isinstance(c, list)
        and len(c) in (width - 1, width)
        and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 9000 for v in c)
        for c in value
    )
    if not ok:
        raise SmartFault(SmartCode.PARAMS_ERROR)
    return [list(c) for c in value]


def merge(current: Params, params: Params, *, segment: bool = False) -> Params:
    """The effect after ``params`` is applied to ``current`` (validated first).

    A lighting effect that is not custom must be a built-in one; segment effects
    carry 4-value colours and ids of the app's choosing.
    """
    width = 4 if segment else 3
    bounded = len(params) <= 40 and all(
        isinstance(k, str)
        and len(k) <= 32
        and not isinstance(v, dict)
        and not (isinstance(v, list | str) and len(v) > 64)
        for k, v in params.items()
    )
    if not bounded:  # what a device keeps of an effect is small
        raise SmartFault(SmartCode.PARAMS_ERROR)
    brightness = params.get("brightness")
    if brightness is not None and (
        isinstance(brightness, bool)
        or not isinstance(brightness, int)
        or not 0 <= brightness <= 100
    ):
        raise SmartFault(SmartCode.PARAMS_ERROR)
    enable, custom = _flag(params, "enable"), _flag(params, "custom")
    for key in ("id", "name", "type"):
        if key in params and (not isinstance(params[key], str) or len(params[key]) > 64):
            raise SmartFault(SmartCode.PARAMS_ERROR)
    for key in _INT_KEYS:
        if key in params and (isinstance(params[key], bool) or not isinstance(params[key], int)):
            raise SmartFault(SmartCode.PARAMS_ERROR)
    for key in ("display_colors", "sequence", "states"):
        if key in params:
            _colours(params[key], width + (key == "states"))
    new_id = params.get("id")
    if new_id is not None and new_id != current.get("id"):
        name = NAMES_BY_ID.get(new_id)
        if not custom and name is None and not segment:
            raise SmartFault(SmartCode.PARAMS_ERROR)  # not a built-in effect
        base = built_in(name) if name and len(params) <= 6 else {}
        new = {**base, **{k: v for k, v in params.items() if k != "bAdjusted"}}
        new.setdefault("name", name or "")
        new.setdefault("custom", custom or 0)
        new.setdefault("display_colors", [])
        new.setdefault("brightness", 100)
        new.setdefault("enable", 1)
    else:
        new = {**current, **{k: v for k, v in params.items() if k != "bAdjusted"}}
    if enable is not None:
        new["enable"] = enable
    if custom is not None:
        new["custom"] = custom
    if new.get("brightness") == 0:
        new["enable"] = 0
    return new


def summary(effect: Params) -> Params:
    return {k: effect[k] for k in SUMMARY_KEYS if k in effect}
