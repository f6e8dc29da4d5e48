"""What each emulated model is made of: a table, not a chain of ``if``s."""

from __future__ import annotations

from dataclasses import dataclass

Components = tuple[tuple[str, int], ...]

COMMON: Components = (
    ("device", 2),
    ("firmware", 2),
    ("quick_setup", 3),
    ("time", 1),
    ("wireless", 1),
    ("schedule", 2),
    ("countdown", 2),
    ("antitheft", 1),
    ("account", 1),
    ("synchronize", 1),
    ("sunrise_sunset", 1),
    ("cloud_connect", 1),
    ("iot_cloud", 1),
    ("device_local_time", 1),
    ("default_states", 1),
)
ENERGY: Components = (("energy_monitoring", 2),)
LIGHT: Components = (("brightness", 1),)
COLOR: Components = (("color", 1), ("color_temperature", 1))
STRIP: Components = (("light_strip", 1),)
STRIP_EFFECTS: Components = (("light_strip_lighting_effect", 2),)
CHILDREN: Components = (("child_device", 1), ("control_child", 2))
SOCKET: Components = (
    ("device", 2),
    ("time", 1),
    ("schedule", 2),
    ("countdown", 2),
    ("default_states", 1),
    ("overheat_protection", 1),
)


@dataclass(frozen=True)
class ModelSpec:
    model: str
    device_type: str  # SMART.TAPOPLUG / SMART.TAPOBULB
    components: Components
    fw_ver: str
    hw_ver: str = "1.0"
    default_nickname: str = "Tapo Device"
    load_w: float = 0.0  # typical load on an energy-monitoring socket
    color_temp_range: tuple[int, int] | None = None
    sockets: int = 0
    socket_components: Components = ()

    def has(self, component: str) -> bool:
        return any(c == component for c, _ in self.components)


PLUG_FW = "1.2.3 Build 230425 Rel.142542"
BULB_FW = "1.1.6 Build 240130 Rel.173828"
STRIP_FW = "1.1.3 Build 231229 Rel.164316"
POWER_STRIP_FW = "1.0.15 Build 231130 Rel.122000"


def _plug(model: str, *, energy: bool) -> ModelSpec:
    components = (*COMMON, ("led", 1), *(ENERGY if energy else ()))
    return ModelSpec(
        model,
        "SMART.TAPOPLUG",
        components,
        PLUG_FW,
        default_nickname="Tapo Plug",
        load_w=60.0 if energy else 0.0,
    )


def _bulb(model: str, ct: tuple[int, int] | None, hw_ver: str = "3.0") -> ModelSpec:
    components = (*COMMON, *LIGHT, *(COLOR if ct else ()))
    return ModelSpec(
        model,
        "SMART.TAPOBULB",
        components,
        BULB_FW,
        hw_ver=hw_ver,
        default_nickname="Tapo Bulb",
        color_temp_range=ct,
    )


def _light_strip(model: str, *, effects: bool) -> ModelSpec:
    components = (*COMMON, *LIGHT, *COLOR, *STRIP, *(STRIP_EFFECTS if effects else ()))
    return ModelSpec(
        model,
        "SMART.TAPOBULB",
        components,
        STRIP_FW,
        default_nickname="Tapo Light Strip",
        color_temp_range=(2500, 6500),
    )


def _power_strip(model: str, sockets: int, *, energy: bool) -> ModelSpec:
    return ModelSpec(
        model,
        "SMART.TAPOPLUG",
        (*COMMON, ("led", 1), *CHILDREN),
        POWER_STRIP_FW,
        default_nickname="Tapo Power Strip",
        sockets=sockets,
        load_w=40.0 if energy else 0.0,
        socket_components=(*SOCKET, *(ENERGY if energy else ())),
    )


# Every device type tapo-rest (seed 001) lists.
MODELS: dict[str, ModelSpec] = {
    spec.model: spec
    for spec in (
        # smart plugs, and those with energy monitoring
        _plug("P100", energy=False),
        _plug("P105", energy=False),
        _plug("P110", energy=True),
        _plug("P110M", energy=True),
        _plug("P115", energy=True),
        # dimmable bulbs (L610: GU10 spot), colour bulbs (L630: GU10 spot)
        _bulb("L510", None),
        _bulb("L520", None),
        _bulb("L610", None, hw_ver="1.0"),
        _bulb("L530", (2500, 6500)),
        _bulb("L535", (2500, 6500)),
        _bulb("L630", (2200, 6500), hw_ver="1.0"),
        # light strips; L920 / L930 have segment effects
        _light_strip("L900", effects=False),
        _light_strip("L920", effects=True),
        _light_strip("L930", effects=True),
        # power strips: sockets as children; the M models meter each socket
        _power_strip("P300", 3, energy=False),
        _power_strip("P304", 4, energy=False),
        _power_strip("P304M", 4, energy=True),
        _power_strip("P316", 6, energy=False),
    )
}
