"""What each emulated model is made of: a table, not a chain of ``if``s.

The component lists, firmware versions and model-specific keys are those real
devices report (as recorded in public device dumps, e.g. python-kasa's
fixtures): the methods a node answers follow from its components, the way a
real firmware's do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

Components = tuple[tuple[str, int], ...]

# What every plug, bulb and strip of the last years advertises first.
_CORE: Components = (
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
)
_PLUG_TAIL: Components = (
    ("led", 1),
    ("cloud_connect", 1),
    ("iot_cloud", 1),
    ("device_local_time", 1),
    ("default_states", 1),
)
_AUTO_OFF: Components = (("auto_off", 2), ("localSmart", 1))
_METERING: Components = (
    ("energy_monitoring", 2),
    ("power_protection", 1),
    ("charging_protection", 2),
)
_BULB_HEAD: Components = (
    ("device", 2),
    ("firmware", 2),
    ("quick_setup", 3),
    ("inherit", 1),
    *_CORE[3:],
)
_STRIP: Components = (
    ("device", 2),
    ("light_strip", 1),
    ("light_strip_lighting_effect", 2),
    *_BULB_HEAD[1:],
    ("brightness", 1),
    ("cloud_connect", 1),
    ("color_temperature", 1),
    ("default_states", 1),
    ("preset", 3),
    ("color", 1),
    ("on_off_gradually", 1),
    ("device_local_time", 1),
    ("iot_cloud", 1),
    ("music_rhythm", 3),
)
_SOCKET: Components = (
    ("device", 2),
    ("quick_setup", 3),
    ("time", 1),
    ("device_local_time", 1),
    ("schedule", 2),
    ("countdown", 2),
    ("antitheft", 1),
    ("account", 1),
    ("synchronize", 1),
    ("sunrise_sunset", 1),
    ("cloud_connect", 1),
    ("iot_cloud", 1),
    ("firmware", 2),
    ("default_states", 1),
)
_STRIP_HEAD: Components = (*_CORE, *_PLUG_TAIL, ("control_child", 2), ("child_device", 2))


@dataclass(frozen=True)
class ModelSpec:
    model: str
    device_type: str  # SMART.TAPOPLUG / SMART.TAPOBULB
    components: Components
    fw_ver: str
    hw_ver: str = "1.0"
    default_nickname: str = "Tapo Device"
    avatar: str = ""
    load_w: float = 0.0  # typical load: on a metering socket, or of the light itself
    # Reported as is; (9000, 9000) is how the L900/L920 say "no colour temperature".
    color_temp_range: tuple[int, int] | None = None
    schedule_max: int = 32
    max_power: int = 0  # W, what power protection may be set to (get_max_power)
    sockets: int = 0
    socket_components: Components = ()
    scan_paged: bool = True  # get_wireless_scan_info carries start_index/sum
    # Static keys only some models report in get_device_info.
    info_extra: tuple[tuple[str, Any], ...] = field(default=())

    def has(self, component: str) -> bool:
        return any(c == component for c, _ in self.components)

    def version(self, component: str) -> int:
        return next((v for c, v in self.components if c == component), 0)


def _plug(
    model: str, fw: str, extra: Components = (), load_w: float = 0.0, max_power: int = 0
) -> ModelSpec:
    return ModelSpec(
        model,
        "SMART.TAPOPLUG",
        (*_CORE, *_PLUG_TAIL, *extra),
        fw,
        default_nickname="Tapo Plug",
        avatar="plug",
        load_w=load_w,
        max_power=max_power,
    )


_MUSIC = (("music_rhythm_enable", False), ("music_rhythm_mode", "single_lamp"))


def _dimmable(model: str, fw: str, hw: str) -> ModelSpec:
    components = (
        *_BULB_HEAD,
        ("brightness", 1),
        ("cloud_connect", 1),
        ("default_states", 1),
        ("preset", 1),
        ("device_local_time", 1),
        ("iot_cloud", 1),
        ("bulb_quick_control", 1),
        ("on_off_gradually", 3),
        ("localSmart", 1),
    )
    return ModelSpec(
        model,
        "SMART.TAPOBULB",
        components,
        fw,
        hw_ver=hw,
        default_nickname="Tapo Bulb",
        avatar="bulb",
        load_w=8.0,
        color_temp_range=(2700, 2700),
        scan_paged=False,
        info_extra=_MUSIC,
    )


def _colour(model: str, fw: str, hw: str, ct: tuple[int, int], extra: Components = ()) -> ModelSpec:
    components = (
        *_BULB_HEAD,
        ("cloud_connect", 1),
        ("default_states", 1),
        ("preset", 1),
        ("brightness", 1),
        ("color", 1),
        ("color_temperature", 1),
        ("auto_light", 1),
        ("on_off_gradually", 3),
        ("device_local_time", 1),
        ("light_effect", 1),
        ("iot_cloud", 1),
        ("bulb_quick_control", 1),
        ("localSmart", 1),
        *extra,
    )
    return ModelSpec(
        model,
        "SMART.TAPOBULB",
        components,
        fw,
        hw_ver=hw,
        default_nickname="Tapo Bulb",
        avatar="bulb",
        load_w=8.7,
        color_temp_range=ct,
    )


def _light_strip(
    model: str, fw: str, ct: tuple[int, int], schedule_max: int, extra: Components = ()
) -> ModelSpec:
    return ModelSpec(
        model,
        "SMART.TAPOBULB",
        (*_STRIP, ("bulb_quick_control", 1), ("localSmart", 1), *extra),
        fw,
        default_nickname="Tapo Light Strip",
        avatar="light_strip",
        load_w=10.0,
        color_temp_range=ct,
        schedule_max=schedule_max,
        info_extra=_MUSIC,
    )


def _power_strip(
    model: str,
    fw: str,
    sockets: int,
    extra: Components,
    socket_extra: Components,
    *,
    hw: str = "1.0",
    load_w: float = 0.0,
    max_power: int = 0,
) -> ModelSpec:
    return ModelSpec(
        model,
        "SMART.TAPOPLUG",
        (*_STRIP_HEAD, *extra),
        fw,
        hw_ver=hw,
        default_nickname="Tapo Power Strip",
        sockets=sockets,
        load_w=load_w,
        max_power=max_power,
        socket_components=(*_SOCKET, *socket_extra),
    )


_SOCKET_METERING: Components = (
    ("localSmart", 1),
    ("overheat_protection", 1),
    ("auto_off", 2),
    ("energy_monitoring", 2),
    ("current_protection", 1),
    ("power_protection", 1),
    ("charging_protection", 2),
)

# Every device type tapo-rest (seed 001) lists.
MODELS: dict[str, ModelSpec] = {
    spec.model: spec
    for spec in (
        # smart plugs, and those with energy monitoring
        ModelSpec(
            "P100",
            "SMART.TAPOPLUG",
            (*_CORE[:1], ("firmware", 1), *_CORE[2:], *_PLUG_TAIL[:3], ("default_states", 1)),
            "1.4.0 Build 20231017 Rel. 33876",
            hw_ver="1.0.0",
            default_nickname="Tapo Plug",
            info_extra=(("location", ""),),
        ),
        _plug("P105", "1.2.5 Build 240411 Rel.143808", _AUTO_OFF),
        _plug(
            "P110",
            "1.3.1 Build 240621 Rel.162048",
            (*_AUTO_OFF, *_METERING, ("current_protection", 1)),
            load_w=60.0,
            max_power=2541,
        ),
        _plug(
            "P110M",
            "1.2.3 Build 240617 Rel.153525",
            (*_AUTO_OFF, *_METERING, ("matter", 2), ("current_protection", 1)),
            load_w=60.0,
            max_power=2541,
        ),
        _plug(
            "P115",
            "1.1.3 Build 240523 Rel.175054",
            (*_AUTO_OFF, *_METERING, ("overheat_protection", 1), ("current_protection", 1)),
            load_w=60.0,
            max_power=1900,
        ),
        # dimmable bulbs (L610: GU10 spot), colour bulbs (L630: GU10 spot)
        _dimmable("L510", "1.1.2 Build 231120 Rel.201048", "3.0"),
        _dimmable("L520", "1.1.2 Build 231120 Rel.201048", "3.0"),
        _dimmable("L610", "1.1.0 Build 231120 Rel.165009", "1.0"),
        replace(
            _colour("L530", "1.1.6 Build 240130 Rel.173828", "3.0", (2500, 6500)), scan_paged=False
        ),
        _colour("L535", "1.1.8 Build 240708 Rel.165207", "3.0", (2500, 6500), (("matter", 2),)),
        _colour("L630", "1.1.2 Build 240926 Rel.164744", "1.0", (2200, 6500)),
        # light strips: the L900/L920 have no white channel (range 9000..9000);
        # the L920/L930 light segments separately
        replace(
            _light_strip("L900", "1.1.0 Build 230905 Rel.184939", (9000, 9000), 16),
            scan_paged=False,
        ),
        _light_strip(
            "L920",
            "1.1.3 Build 231229 Rel.164316",
            (9000, 9000),
            24,
            (("segment", 1), ("segment_effect", 1)),
        ),
        _light_strip(
            "L930",
            "1.2.5 Build 240727 Rel.102843",
            (2500, 6500),
            24,
            (
                ("music_rhythm_v2", 4),
                ("homekit", 2),
                ("segment", 1),
                ("segment_effect", 1),
                ("auto_light", 1),
            ),
        ),
        # power strips: sockets as children; the M models meter each socket
        _power_strip(
            "P300",
            "1.0.15 Build 231130 Rel.122554",
            3,
            (("auto_off", 2), ("homekit", 2), ("overheat_protection", 1)),
            (("overheat_protection", 1), ("auto_off", 2)),
        ),
        _power_strip(
            "P304",
            "1.1.2 Build 240531 Rel.204226",
            4,
            (("localSmart", 1), ("auto_off", 2), ("overheat_protection", 1)),
            (("localSmart", 1), ("overheat_protection", 1), ("auto_off", 2)),
        ),
        _power_strip(
            "P304M",
            "1.0.3 Build 240605 Rel.091502",
            4,
            (
                ("localSmart", 1),
                ("auto_off", 2),
                ("matter", 2),
                ("overheat_protection", 1),
                ("energy_monitoring", 2),
                ("current_protection", 1),
                ("power_protection", 1),
                ("charging_protection", 2),
            ),
            _SOCKET_METERING,
            load_w=40.0,
            max_power=3252,
        ),
        _power_strip(
            "P316",
            "1.0.5 Build 250306 Rel.151943",
            6,
            (("localSmart", 1), ("matter", 3), ("auto_off", 2)),
            (("localSmart", 1), ("auto_off", 2)),
            hw="1.6",
        ),
    )
}
