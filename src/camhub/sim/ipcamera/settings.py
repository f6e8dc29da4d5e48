"""The IP Camera app's settings: every documented key, its type, range and default.

``POST /settings`` (and the WebSocket ``setting`` / ``settings_batch`` messages) take
partial updates. An update is checked as a whole; when any key is wrong nothing is
applied and each problem is reported as ``"key: message"``.

The phone has two cameras with different hardware (:data:`LENSES`): the front one
films at most 1280x720 and 30 fps. Resolution and frame rate are checked against the
camera the update leaves selected; switching to a camera that cannot keep the current
ones steps them down to its best (reported among the changed settings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

RESOLUTIONS = ("640x480", "1280x720", "1920x1080")
FRAME_RATES = (15, 20, 30, 60)
CAMERA_IDS = ("0", "1")
ROTATIONS = (0, 90, 180, 270)
_RESOLUTION = re.compile(r"^(\d{2,5})x(\d{2,5})$")


@dataclass(frozen=True)
class Lens:
    """One camera's hardware, as ``GET /capabilities`` describes it."""

    resolutions: tuple[str, ...]
    frame_rates: tuple[int, ...]

    @property
    def max_frame_rate(self) -> int:
        return max(self.frame_rates)


LENSES = {"0": Lens(RESOLUTIONS, FRAME_RATES), "1": Lens(RESOLUTIONS[:2], FRAME_RATES[:3])}


@dataclass(frozen=True)
class Spec:
    """One setting: its JSON type, allowed values and whether POST may change it."""

    type: type
    lo: int | None = None
    hi: int | None = None
    choices: tuple[Any, ...] | None = None
    read_only: bool = False

    def check(self, value: Any) -> str | None:
        """The problem with ``value``, or None."""
        if self.read_only:
            return "Setting is read-only"
        if self.type is bool:
            return None if isinstance(value, bool) else "Expected boolean"
        if self.type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                return "Expected integer"
            if self.lo is not None and self.hi is not None and not self.lo <= value <= self.hi:
                return f"Value must be between {self.lo} and {self.hi}"
        if self.type is str and not isinstance(value, str):
            return "Expected string"
        if self.choices is not None and value not in self.choices:
            return f"Value must be one of {', '.join(str(c) for c in self.choices)}"
        return None


SPECS: dict[str, Spec] = {
    # camera
    "resolution": Spec(str, choices=RESOLUTIONS),
    "frameRate": Spec(int, 1, 60),
    "jpegQuality": Spec(int, 1, 100),
    "cameraId": Spec(str, choices=CAMERA_IDS),
    "useFrontCamera": Spec(bool),
    "torchEnabled": Spec(bool),
    "rotation": Spec(int, choices=ROTATIONS),
    # display
    "keepScreenOn": Spec(bool),
    "showPreview": Spec(bool),
    # background operation
    "runInBackground": Spec(bool),
    "cameraStandbyMode": Spec(bool),
    # audio
    "audioEnabled": Spec(bool),
    # motion detection
    "motionEnabled": Spec(bool),
    "motionSensitivity": Spec(int, 1, 10),
    "motionCooldown": Spec(int, 0, 3600),
    # sound detection
    "soundEnabled": Spec(bool),
    "soundThreshold": Spec(int, 0, 100),
    "soundCooldown": Spec(int, 0, 3600),
    # ML classification
    "dogBarkClassificationEnabled": Spec(bool),
    "dogBarkClassificationConfidence": Spec(int, 1, 100),
    "babyCryClassificationEnabled": Spec(bool),
    "babyCryClassificationConfidence": Spec(int, 1, 100),
    "objectPersonDetectionEnabled": Spec(bool),
    "objectPersonDetectionConfidence": Spec(int, 1, 100),
    "objectDogDetectionEnabled": Spec(bool),
    "objectDogDetectionConfidence": Spec(int, 1, 100),
    "objectDetectionSamplingRate": Spec(int, 1, 30),
    # event history
    "eventHistoryEnabled": Spec(bool),
    # RTSP
    "rtspEnabled": Spec(bool),
    "rtspPort": Spec(int, 1024, 65535),
    "rtspPath": Spec(str),
    "rtspUsername": Spec(str),
    "rtspHasPassword": Spec(bool, read_only=True),
    # MQTT
    "mqttEnabled": Spec(bool),
    "mqttBrokerUrl": Spec(str),
    "mqttPort": Spec(int, 1, 65535),
    "mqttHasUsername": Spec(bool, read_only=True),
    "mqttHasPassword": Spec(bool, read_only=True),
    "mqttClientId": Spec(str),
    "mqttTopicPrefix": Spec(str),
    "mqttUseTls": Spec(bool),
    "mqttAcceptSelfSigned": Spec(bool),
    "mqttTelemetryIntervalSec": Spec(int, 5, 3600),
    "mqttCommandsEnabled": Spec(bool),
    # license (nested object, read-only)
    "license": Spec(dict, read_only=True),
}

DEFAULTS: dict[str, Any] = {
    "resolution": "1280x720",
    "frameRate": 30,
    "jpegQuality": 85,
    "cameraId": "0",
    "useFrontCamera": False,
    "torchEnabled": False,
    "rotation": 0,
    "keepScreenOn": True,
    "showPreview": True,
    "runInBackground": True,
    "cameraStandbyMode": False,
    "audioEnabled": True,
    "motionEnabled": True,
    "motionSensitivity": 5,
    "motionCooldown": 10,
    "soundEnabled": False,
    "soundThreshold": 50,
    "soundCooldown": 10,
    "dogBarkClassificationEnabled": False,
    "dogBarkClassificationConfidence": 70,
    "babyCryClassificationEnabled": False,
    "babyCryClassificationConfidence": 70,
    "objectPersonDetectionEnabled": False,
    "objectPersonDetectionConfidence": 60,
    "objectDogDetectionEnabled": False,
    "objectDogDetectionConfidence": 60,
    "objectDetectionSamplingRate": 2,
    "eventHistoryEnabled": True,
    "rtspEnabled": False,
    "rtspPort": 8554,
    "rtspPath": "/stream",
    "rtspUsername": "",
    "mqttEnabled": False,
    "mqttBrokerUrl": "",
    "mqttPort": 1883,
    "mqttClientId": "ipcamera",
    "mqttTopicPrefix": "ipcamera",
    "mqttUseTls": False,
    "mqttAcceptSelfSigned": False,
    "mqttTelemetryIntervalSec": 60,
    "mqttCommandsEnabled": False,
}


def license_info(pro: bool) -> dict[str, Any]:
    return {
        "isPro": pro,
        "state": "ACTIVE" if pro else "INACTIVE",
        "source": "REAL_PURCHASE" if pro else "NONE",
        "billing": {"available": True, "status": "CONNECTED"},
    }


class Settings:
    """Current values plus the secrets GET never shows."""

    def __init__(self, pro: bool) -> None:
        self.values: dict[str, Any] = dict(DEFAULTS)
        self.pro = pro
        self.rtsp_password = ""
        self.mqtt_username = ""
        self.mqtt_password = ""

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def public(self) -> dict[str, Any]:
        """What ``GET /settings`` answers: values, read-only flags, license."""
        return {
            **self.values,
            "rtspHasPassword": bool(self.rtsp_password),
            "mqttHasUsername": bool(self.mqtt_username),
            "mqttHasPassword": bool(self.mqtt_password),
            "license": license_info(self.pro),
        }

    @property
    def lens(self) -> Lens:
        return LENSES[self.values["cameraId"]]

    def _fit_lens(self, changes: dict[str, Any], updates: dict[str, Any]) -> list[str]:
        """Check (or, on a camera switch, step down) resolution and frame rate."""
        lens = LENSES[updates.get("cameraId", self.values["cameraId"])]
        errors = []
        if "resolution" in changes and changes["resolution"] not in lens.resolutions:
            errors.append(f"resolution: Value must be one of {', '.join(lens.resolutions)}")
        if "frameRate" in changes and changes["frameRate"] > lens.max_frame_rate:
            errors.append(f"frameRate: Value must be between 1 and {lens.max_frame_rate}")
        if self.values["resolution"] not in lens.resolutions:
            updates.setdefault("resolution", lens.resolutions[-1])
        if self.values["frameRate"] > lens.max_frame_rate:
            updates.setdefault("frameRate", lens.max_frame_rate)
        return errors

    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the picture, rotation applied."""
        m = _RESOLUTION.match(self.values["resolution"])
        assert m is not None
        w, h = int(m.group(1)), int(m.group(2))
        return (h, w) if self.values["rotation"] in (90, 270) else (w, h)

    def validate(self, changes: Any) -> list[str]:
        if not isinstance(changes, dict):
            return ["(body): Expected a JSON object"]
        errors = []
        for key, value in changes.items():
            spec = SPECS.get(key)
            problem = "Unknown setting" if spec is None else spec.check(value)
            if problem is not None:
                errors.append(f"{key}: {problem}")
        return errors

    def apply(self, changes: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """Apply a valid update as a whole; return (changed keys and values, errors)."""
        errors = self.validate(changes)
        if errors:
            return {}, errors
        updates = dict(changes)
        if "useFrontCamera" in changes:  # the two name the same choice
            updates["cameraId"] = "1" if changes["useFrontCamera"] else "0"
        elif "cameraId" in changes:
            updates["useFrontCamera"] = changes["cameraId"] == "1"
        errors = self._fit_lens(changes, updates)
        if errors:
            return {}, errors
        changed: dict[str, Any] = {}
        for key, value in updates.items():
            if self.values.get(key) != value:
                self.values[key] = value
                changed[key] = value
        return changed, []
