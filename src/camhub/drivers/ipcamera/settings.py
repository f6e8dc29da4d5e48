"""The IP Camera app's settings (``GET /settings``) as seed 003 documents them.

:class:`Settings` gives their JSON Schema (:func:`settings_schema`), narrowed to the
phone's camera hardware when it is known (``GET /capabilities``: its resolutions,
camera ids and top frame rate). camhub does not check updates against it: the app
checks every ``POST /settings`` itself and its ``"key: message"`` errors are passed
on as they are. Keys the document does not list are allowed (newer app versions).
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict

Percent = Annotated[int, Field(ge=1, le=100)]
Seconds = Annotated[int, Field(ge=0, description="seconds")]
ReadOnly = Field(json_schema_extra={"readOnly": True})


class Billing(TypedDict, total=False):
    available: bool
    status: Literal["CONNECTED", "UNAVAILABLE_RECOVERABLE", "UNAVAILABLE_HARD"]


class License(TypedDict, total=False):
    isPro: bool
    state: Literal["ACTIVE", "INACTIVE", "UNKNOWN"]
    source: Literal["REAL_PURCHASE", "DEBUG_OVERRIDE", "NONE"]
    billing: Billing


@with_config(ConfigDict(extra="allow", title="IP Camera settings"))
class Settings(TypedDict, total=False):
    # camera
    resolution: Annotated[str, Field(pattern=r"^\d+x\d+$", description="e.g. 1280x720")]
    frameRate: Annotated[int, Field(ge=1, le=60, description="frames per second")]
    jpegQuality: Annotated[Percent, Field(description="JPEG quality of the MJPEG stream")]
    cameraId: Annotated[str, Field(description='"0" back, "1" front')]
    useFrontCamera: bool
    torchEnabled: bool
    rotation: Literal[0, 90, 180, 270]
    # display
    keepScreenOn: bool
    showPreview: bool
    # background operation
    runInBackground: bool
    cameraStandbyMode: Annotated[bool, Field(description="standby when no client watches")]
    # audio
    audioEnabled: bool
    # motion detection
    motionEnabled: bool
    motionSensitivity: Annotated[int, Field(ge=1, le=10)]
    motionCooldown: Annotated[Seconds, Field(description="seconds between events")]
    # sound detection
    soundEnabled: bool
    soundThreshold: Annotated[int, Field(ge=0, le=100)]
    soundCooldown: Annotated[Seconds, Field(description="seconds between events")]
    # ML classification
    dogBarkClassificationEnabled: bool
    dogBarkClassificationConfidence: Percent
    babyCryClassificationEnabled: bool
    babyCryClassificationConfidence: Percent
    objectPersonDetectionEnabled: bool
    objectPersonDetectionConfidence: Percent
    objectDogDetectionEnabled: bool
    objectDogDetectionConfidence: Percent
    objectDetectionSamplingRate: Annotated[int, Field(ge=1)]
    # event history
    eventHistoryEnabled: bool
    # RTSP (credentials change through the app's own apply-settings endpoint)
    rtspEnabled: bool
    rtspPort: Annotated[int, Field(ge=1, le=65535)]
    rtspPath: Annotated[str, Field(description='e.g. "/stream"')]
    rtspUsername: str
    rtspHasPassword: Annotated[bool, ReadOnly]
    # MQTT
    mqttEnabled: bool
    mqttBrokerUrl: str
    mqttPort: Annotated[int, Field(ge=1, le=65535)]
    mqttHasUsername: Annotated[bool, ReadOnly]
    mqttHasPassword: Annotated[bool, ReadOnly]
    mqttClientId: str
    mqttTopicPrefix: str
    mqttUseTls: bool
    mqttAcceptSelfSigned: bool
    mqttTelemetryIntervalSec: Annotated[int, Field(ge=1, description="seconds")]
    mqttCommandsEnabled: bool
    # the Pro license
    license: Annotated[License, ReadOnly]


_SCHEMA: dict[str, Any] = TypeAdapter(Settings).json_schema()


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def settings_schema(hardware: dict[str, Any]) -> dict[str, Any]:
    """The settings' JSON Schema, narrowed to ``hardware`` (``GET /capabilities``)."""
    schema = copy.deepcopy(_SCHEMA)
    props = schema["properties"]
    resolutions = _strings(hardware.get("resolutions"))
    if resolutions is not None:
        props["resolution"]["enum"] = resolutions
    camera_ids = _strings(hardware.get("cameraIds"))
    if camera_ids is not None:
        props["cameraId"]["enum"] = camera_ids
    top = hardware.get("maxFrameRate")
    if isinstance(top, int) and not isinstance(top, bool) and 1 <= top <= 60:
        props["frameRate"]["maximum"] = top
    return schema
