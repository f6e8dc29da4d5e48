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

MODELS: dict[str, ModelSpec] = {
    spec.model: spec
    for spec in (
        ModelSpec(
            "P100", "SMART.TAPOPLUG", (*COMMON, ("led", 1)), PLUG_FW, default_nickname="Tapo Plug"
        ),
        ModelSpec(
            "P110",
            "SMART.TAPOPLUG",
            (*COMMON, ("led", 1), *ENERGY),
            PLUG_FW,
            default_nickname="Tapo Plug",
            load_w=60.0,
        ),
        ModelSpec(
            "P115",
            "SMART.TAPOPLUG",
            (*COMMON, ("led", 1), *ENERGY),
            PLUG_FW,
            default_nickname="Tapo Plug",
            load_w=60.0,
        ),
        ModelSpec(
            "L510",
            "SMART.TAPOBULB",
            (*COMMON, *LIGHT),
            BULB_FW,
            hw_ver="3.0",
            default_nickname="Tapo Bulb",
        ),
        ModelSpec(
            "L530",
            "SMART.TAPOBULB",
            (*COMMON, *LIGHT, *COLOR),
            BULB_FW,
            hw_ver="3.0",
            default_nickname="Tapo Bulb",
            color_temp_range=(2500, 6500),
        ),
        ModelSpec(
            "L900",
            "SMART.TAPOBULB",
            (*COMMON, *LIGHT, *COLOR, *STRIP),
            STRIP_FW,
            default_nickname="Tapo Light Strip",
            color_temp_range=(2500, 6500),
        ),
        ModelSpec(
            "L920",
            "SMART.TAPOBULB",
            (*COMMON, *LIGHT, *COLOR, *STRIP, *STRIP_EFFECTS),
            STRIP_FW,
            default_nickname="Tapo Light Strip",
            color_temp_range=(2500, 6500),
        ),
        ModelSpec(
            "L930",
            "SMART.TAPOBULB",
            (*COMMON, *LIGHT, *COLOR, *STRIP, *STRIP_EFFECTS),
            STRIP_FW,
            default_nickname="Tapo Light Strip",
            color_temp_range=(2500, 6500),
        ),
        ModelSpec(
            "P300",
            "SMART.TAPOPLUG",
            (*COMMON, ("led", 1), *CHILDREN),
            POWER_STRIP_FW,
            default_nickname="Tapo Power Strip",
            sockets=3,
            socket_components=SOCKET,
        ),
        ModelSpec(
            "P304M",
            "SMART.TAPOPLUG",
            (*COMMON, ("led", 1), *CHILDREN),
            POWER_STRIP_FW,
            default_nickname="Tapo Power Strip",
            sockets=4,
            load_w=40.0,
            socket_components=(*SOCKET, *ENERGY),
        ),
    )
}
