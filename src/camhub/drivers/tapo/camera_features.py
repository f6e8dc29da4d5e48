"""A Tapo camera's night vision, SD card and firmware, as camhub's typed states.

Night vision (``light``): ``image.common.inf_type`` is ``auto`` (the camera lights
its night-vision lamp when it gets dark), ``on`` (night mode now) or ``off`` (day
mode, no lamp); ``image.switch.night_vision_mode`` picks the lamp on models that
have a choice (``inf_night_vision`` infrared, ``wtl_night_vision`` the white lamp,
full colour, ``md_night_vision`` smart: infrared, white on motion), listed in
``image_capability.supplement_lamp.night_vision_mode_range``. camhub's light is on
unless the camera is held in day mode; its modes are ``auto`` and each lamp the
camera can be held on with (``ir``, and ``white`` where there is a white lamp).

SD card (``storage``): ``harddisk_manage.hd_info`` (status ``normal``,
``formatting``, ``offline``...; sizes as ``"29.7GB"``, or exact ``"<n>B"`` in the
newer SDK's ``*_accurate`` keys).

Firmware: ``cloud_config.upgrade_status`` (``normal``, ``downloading``,
``upgrading``) and ``upgrade_info`` (the newer version, once the camera has
asked the cloud).
"""

from __future__ import annotations

import re
from typing import Any

from camhub.capabilities import LightState
from camhub.capabilities.firmware import FirmwareState, FirmwareStatus
from camhub.capabilities.storage import StorageState, StorageStatus
from camhub.drivers.tapo.camera_protocol import section

Request = tuple[str, dict[str, Any]]

IMAGE_COMMON: Request = ("getDayNightModeConfig", {"image": {"name": "common"}})
IMAGE_SWITCH: Request = ("getRotationStatus", {"image": {"name": ["switch"]}})
LAMP_CAPABILITY: Request = (
    "getNightVisionCapability",
    {"image_capability": {"name": ["supplement_lamp"]}},
)
SD_CARD: Request = ("getSdCardStatus", {"harddisk_manage": {"table": ["hd_info"]}})
FIRMWARE_STATUS: Request = ("getFirmwareUpdateStatus", {"cloud_config": {"name": "upgrade_status"}})
FIRMWARE_INFO: Request = ("getCloudConfig", {"cloud_config": {"name": ["upgrade_info"]}})
FIRMWARE_CHECK: Request = (
    "checkFirmwareVersionByCloud",
    {"cloud_config": {"check_fw_version": "null"}},
)
SD_FORMAT: Request = ("formatSdCard", {"harddisk_manage": {"format_hd": "1"}})

# night_vision_mode -> the lamp's name in camhub, and back
LAMPS = {"inf_night_vision": "ir", "wtl_night_vision": "white", "md_night_vision": "smart"}
LAMP_MODES = {name: mode for mode, name in LAMPS.items()}
# lamps the light can be held on with (smart switches by itself)
HELD_LAMPS = ("ir", "white")

SD_STATUS: dict[str, StorageStatus] = {
    "normal": "ready",
    "formatting": "formatting",
    "offline": "absent",
    "unformatted": "unformatted",
}
UPGRADE_STATUS: dict[str, FirmwareStatus] = {
    "normal": "idle",
    "downloading": "downloading",
    "upgrading": "installing",
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


# night vision ---------------------------------------------------------------------------
def lamps_offered(capability: dict[str, Any] | None, switch: dict[str, Any]) -> list[str]:
    """The lamps the camera has, infrared first (it is always there)."""
    offered = (capability or {}).get("night_vision_mode_range")
    if not isinstance(offered, list):
        current = switch.get("night_vision_mode")
        offered = [current] if isinstance(current, str) else []
    found = [LAMPS[m] for m in offered if isinstance(m, str) and m in LAMPS]
    return ["ir", *(lamp for lamp in found if lamp != "ir")]


def light_modes(lamps: list[str]) -> list[str]:
    return ["auto", *(lamp for lamp in lamps if lamp in HELD_LAMPS)]


def has_night_vision(common: dict[str, Any]) -> bool:
    return common.get("inf_type") in ("auto", "on", "off")


def light_state(common: dict[str, Any], switch: dict[str, Any], modes: list[str]) -> LightState:
    infrared = common.get("inf_type")
    if infrared == "off":
        return LightState(on=False, mode=None, modes=modes)
    if infrared == "auto":
        return LightState(on=True, mode="auto", modes=modes)
    lamp = LAMPS.get(str(switch.get("night_vision_mode", "inf_night_vision")), "ir")
    return LightState(on=True, mode=lamp if lamp in modes else None, modes=modes)


def light_requests(on: bool, mode: str | None, has_lamp_choice: bool) -> list[Request]:
    """The writes that put the light in ``(on, mode)``; ``mode`` is one of the modes."""
    if not on:
        return [("setDayNightModeConfig", {"image": {"common": {"inf_type": "off"}}})]
    held = mode if mode in HELD_LAMPS else None
    out: list[Request] = [
        ("setDayNightModeConfig", {"image": {"common": {"inf_type": "on" if held else "auto"}}})
    ]
    if held is not None and has_lamp_choice:
        lamp = {"night_vision_mode": LAMP_MODES[held]}
        out.append(("setNightVisionModeConfig", {"image": {"switch": lamp}}))
    return out


# SD card ------------------------------------------------------------------------------
def size_bytes(value: Any) -> int | None:
    """``"29.7GB"`` / ``"1234B"`` -> bytes (binary units, as the camera counts)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.match(value) if isinstance(value, str) and len(value) <= 32 else None
    if match is None:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def _card(device: str, data: dict[str, Any]) -> dict[str, Any]:
    rows = section(data, ("harddisk_manage",), device).get("hd_info")
    first = rows[0] if isinstance(rows, list) and rows else None
    card = next(iter(first.values()), None) if isinstance(first, dict) else None
    return card if isinstance(card, dict) else {}


def storage_state(device: str, data: dict[str, Any]) -> tuple[StorageState, str]:
    """The state, and the camera's own word for the card's status."""
    card = _card(device, data)
    raw = str(card.get("status", ""))
    status = SD_STATUS.get(raw, "error")
    if status == "absent":
        return StorageState(status=status), raw

    def exact(key: str) -> int | None:
        found = size_bytes(card.get(f"{key}_accurate"))
        return found if found is not None else size_bytes(card.get(key))

    total, free = exact("total_space"), exact("free_space")
    progress = None
    if status == "formatting":
        percent = str(card.get("percent", ""))
        progress = min(int(percent), 100) if percent.isdecimal() and len(percent) <= 3 else None
    if total is not None and free is not None:
        free = min(free, total)
    return StorageState(status=status, total_bytes=total, free_bytes=free, progress=progress), raw


# firmware -----------------------------------------------------------------------------
def firmware_state(
    device: str,
    version: str,
    status_data: dict[str, Any],
    info_data: dict[str, Any],
    checked_on: str | None,
) -> FirmwareState:
    """``checked_on``: the version we last asked the cloud about (None: never)."""
    upgrade = section(status_data, ("cloud_config", "upgrade_status"), device)
    status = UPGRADE_STATUS.get(str(upgrade.get("state", "normal")), "idle")
    info = section(info_data, ("cloud_config",), device).get("upgrade_info")
    latest = info.get("version") if isinstance(info, dict) else None
    if isinstance(latest, str) and latest and latest != version:
        return FirmwareState(version=version, update_available=True, latest=latest, status=status)
    known = False if checked_on == version else None
    return FirmwareState(version=version, update_available=known, latest=None, status=status)
