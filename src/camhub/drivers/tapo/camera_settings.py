"""A Tapo camera's own settings as one flat object with a JSON Schema.

Picture (flip, lens correction, mains frequency, the lamp automatic night vision
uses), on-screen display, time zone and clock, notifications, auto-tracking, every
detector the model has (person, vehicle, pet, baby cry, bark, meow, glass break,
tamper, line crossing) with its sensitivity in percent, the alarm that sounds on a
detection, loop recording, speaker and microphone volume, automatic firmware
updates, and the camera's name. A camera shows only the settings it answers (read
once at connect, so :meth:`CameraSettings.schema` is the camera's own).

Reading is one ``multipleRequest`` of the getters pytapo's ``getMost`` uses; writing
validates the whole change first (nothing is sent when one key is bad), then sends
each section's change once: named setters together in one ``multipleRequest``, and
the sections that have none (on-screen display, alarm) as raw ``set`` requests,
as the Tapo app and pytapo do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from camhub.drivers.tapo.camera_codecs import (
    AlarmPart,
    Choice,
    Codec,
    Flag,
    Level,
    Number,
    Switch,
    Text,
    TimeZone,
    Tone,
    zone,
)
from camhub.drivers.tapo.camera_features import IMAGE_COMMON, IMAGE_SWITCH, LAMP_CAPABILITY
from camhub.drivers.tapo.camera_protocol import NOT_SUPPORTED_CODES, CameraProtocol
from camhub.errors import DeviceError, InvalidArgument

Request = tuple[str, dict[str, Any]]
Tree = dict[str, dict[str, Any]]  # module -> section -> value, merged from the answers

READS: dict[str, Request] = {
    "device": ("getDeviceInfo", {"device_info": {"name": ["basic_info"]}}),
    "common": IMAGE_COMMON,
    "switch": IMAGE_SWITCH,
    "lamps": LAMP_CAPABILITY,
    "osd": ("getOsd", {"OSD": {"name": ["date", "week"], "table": ["label_info"]}}),
    "basic": ("getTimezone", {"system": {"name": ["basic"]}}),
    "clock": ("getClockStatus", {"system": {"name": "clock_status"}}),
    "dst": ("getDstRule", {"system": {"name": "dst"}}),
    "push": ("getMsgPushConfig", {"msg_push": {"name": ["chn1_msg_push_info"]}}),
    "track": ("getTargetTrackConfig", {"target_track": {"name": ["target_track_info"]}}),
    "alarm": ("getLastAlarmInfo", {"msg_alarm": {"name": ["chn1_msg_alarm_info"]}}),
    "tones": ("getAlertTypeList", {"msg_alarm": {"name": "alert_type"}}),
    "harddisk": ("getCircularRecordingConfig", {"harddisk_manage": {"name": "harddisk"}}),
    "audio": ("getAudioConfig", {"audio_config": {"name": ["speaker", "microphone"]}}),
    "upgrade": ("getFirmwareAutoUpgradeConfig", {"auto_upgrade": {"name": ["common"]}}),
}
# detector: (module, section, getter, setter, title)
DETECTORS: dict[str, tuple[str, str, str, str, str]] = {
    "person": ("people_detection", "detection", "getPersonDetectionConfig",
               "setPersonDetectionConfig", "Person detection"),
    "vehicle": ("vehicle_detection", "detection", "getVehicleDetectionConfig",
                "setVehicleDetectionConfig", "Vehicle detection"),
    "pet": ("pet_detection", "detection", "getPetDetectionConfig",
            "setPetDetectionConfig", "Pet detection"),
    "baby_cry": ("sound_detection", "bcd", "getBCDConfig", "setBCDConfig",
                 "Baby cry detection"),
    "bark": ("bark_detection", "detection", "getBarkDetectionConfig",
             "setBarkDetectionConfig", "Dog bark detection"),
    "meow": ("meow_detection", "detection", "getMeowDetectionConfig",
             "setMeowDetectionConfig", "Cat meow detection"),
    "glass": ("glass_detection", "detection", "getGlassDetectionConfig",
              "setGlassDetectionConfig", "Glass break detection"),
    "tamper": ("tamper_detection", "tamper_det", "getTamperDetectionConfig",
               "setTamperDetectionConfig", "Tamper detection"),
    "line_crossing": ("linecrossing_detection", "detection", "getLinecrossingDetectionConfig",
                      "setLinecrossingDetectionConfig", "Line crossing detection"),
}  # fmt: skip
READS.update(
    {
        kind: (getter, {module: {"name": [name]}})
        for kind, (module, name, getter, _, _) in DETECTORS.items()
    }
)

RAW_SET = None  # a section without a named setter: a raw "set" request
READ_ONLY = ""
Percent = Annotated[int, Field(ge=1, le=100)]
Volume = Annotated[int, Field(ge=0, le=100)]
LAMP_WORDS = (
    ("inf_night_vision", "ir"),
    ("wtl_night_vision", "white"),
    ("md_night_vision", "smart"),
)


@dataclass(frozen=True)
class Setting:
    key: str
    title: str
    kind: Any  # the value's type, for the schema and validation
    where: tuple[str, str]  # the module and section that hold it
    codec: Codec
    write: str | None  # the named setter; RAW_SET; READ_ONLY
    to: tuple[str, str] | None = None  # the section a write goes to, when not ``where``
    limits: tuple[tuple[str, Any], ...] = ()  # more Field() arguments


def _detector_settings() -> list[Setting]:
    out = []
    for kind, (module, section, _, setter, title) in DETECTORS.items():
        where = (module, section)
        out.append(Setting(f"{kind}_detection", title, bool, where, Switch("enabled"), setter))
        if kind != "line_crossing":
            key, label = f"{kind}_sensitivity", f"{title}: sensitivity (%)"
            out.append(Setting(key, label, Percent, where, Level(), setter))
    return out


ALARM = ("msg_alarm", "chn1_msg_alarm_info")
SETTINGS: tuple[Setting, ...] = (
    Setting("name", "Name", str, ("device_info", "basic_info"),
            Text("device_alias", "dev_alias"), "setDeviceAlias", ("system", "sys"),
            (("min_length", 1), ("max_length", 32))),
    Setting("image_flip", "Picture upside down (ceiling mount)", bool, ("image", "switch"),
            Switch("flip_type", on="center"), "setRotationStatus"),
    Setting("lens_distortion_correction", "Lens distortion correction", bool,
            ("image", "switch"), Switch("ldc"), "setLdc"),
    Setting("light_frequency", "Mains frequency (anti-flicker)", Literal["auto", "50", "60"],
            ("image", "common"), Choice("light_freq_mode", (("auto", "auto"), ("50", "50"),
            ("60", "60"))), "setLightFrequencyInfo"),
    Setting("night_vision_lamp", "Lamp of automatic night vision", str, ("image", "switch"),
            Choice("night_vision_mode", LAMP_WORDS), "setNightVisionModeConfig"),
    Setting("osd_date", "Date on the picture", bool, ("OSD", "date"), Switch("enabled"), RAW_SET),
    Setting("osd_week", "Weekday on the picture", bool, ("OSD", "week"), Switch("enabled"),
            RAW_SET),
    Setting("osd_text_enabled", "Text on the picture", bool, ("OSD", "label_info"),
            Switch("enabled"), RAW_SET, ("OSD", "label_info_1")),
    Setting("osd_text", "The text", str, ("OSD", "label_info"), Text("text"), RAW_SET,
            ("OSD", "label_info_1"), (("max_length", 15),)),
    Setting("time_zone", "Time zone (IANA name, e.g. Europe/Paris)", str, ("system", "basic"),
            TimeZone(), "setTimezone", None, (("max_length", 64),)),
    Setting("utc_offset", "UTC offset outside daylight saving", str, ("system", "basic"),
            Text("timezone"), READ_ONLY),
    Setting("local_time", "Camera clock (local time)", str, ("system", "clock_status"),
            Text("local_time"), READ_ONLY),
    Setting("daylight_saving", "Daylight saving rule in force", bool, ("system", "dst"),
            Flag("enabled"), READ_ONLY),
    Setting("notifications", "Push notifications (Tapo app)", bool,
            ("msg_push", "chn1_msg_push_info"), Switch("notification_enabled"),
            "setMsgPushConfig"),
    Setting("rich_notifications", "Notifications with a picture", bool,
            ("msg_push", "chn1_msg_push_info"), Switch("rich_notification_enabled"),
            "setMsgPushConfig"),
    Setting("auto_track", "Auto-tracking (the camera follows what moves)", bool,
            ("target_track", "target_track_info"), Switch("enabled"), "setTargetTrackConfig"),
    *_detector_settings(),
    Setting("alarm_on_detection", "Alarm on a detection", bool, ALARM, Switch("enabled"),
            RAW_SET),
    Setting("alarm_sound", "Alarm: siren sound", bool, ALARM, AlarmPart("sound"), RAW_SET),
    Setting("alarm_light", "Alarm: flashing light", bool, ALARM, AlarmPart("light"), RAW_SET),
    Setting("alarm_volume", "Alarm volume", Literal["low", "normal", "high"], ALARM,
            Choice("alarm_volume", (("low", "low"), ("normal", "normal"), ("high", "high"))),
            RAW_SET),
    Setting("alarm_duration", "Alarm duration (s; 0: until stopped)", int, ALARM,
            Number("alarm_duration"), RAW_SET, None, (("ge", 0), ("le", 3600))),
    Setting("alarm_tone", "Alarm sound", str, ALARM, Tone(()), RAW_SET),
    Setting("sd_loop_recording", "Overwrite the oldest recordings when the card is full",
            bool, ("harddisk_manage", "harddisk"), Switch("loop"), "setCircularRecordingConfig"),
    Setting("speaker_volume", "Speaker volume (%)", Volume, ("audio_config", "speaker"),
            Number("volume"), "setSpeakerVolume"),
    Setting("microphone_volume", "Microphone volume (%)", Volume, ("audio_config", "microphone"),
            Number("volume"), "setMicrophoneVolume"),
    Setting("firmware_auto_update", "Install firmware updates automatically", bool,
            ("auto_upgrade", "common"), Switch("enabled"), "setFirmwareAutoUpgradeConfig"),
)  # fmt: skip
BY_KEY = {s.key: s for s in SETTINGS}

SettingsModel: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "TapoCameraSettings",
    __config__=ConfigDict(extra="forbid"),
    **{s.key: (s.kind, Field(None, title=s.title, **dict(s.limits))) for s in SETTINGS},
)


def _section(tree: Tree, where: tuple[str, str]) -> dict[str, Any] | None:
    """A section, or the first row of a table (``label_info`` -> ``label_info_1``)."""
    value = tree.get(where[0], {}).get(where[1])
    if isinstance(value, list) and value and isinstance(value[0], dict):
        value = next(iter(value[0].values()), None)
    return value if isinstance(value, dict) else None


class CameraSettings:
    """Reads and writes one camera's settings through its protocol."""

    def __init__(self, protocol: CameraProtocol, device: str) -> None:
        self._protocol = protocol
        self._device = device
        self.keys: tuple[str, ...] = ()  # what this camera has (after learn())
        self.modules: frozenset[str] = frozenset()
        self._enums: dict[str, list[str]] = {}

    async def read(self) -> Tree:
        """Every settings section the camera answers, in one request."""
        tree: Tree = {}
        for answer in await self._protocol.try_calls(list(READS.values())):
            if isinstance(answer, DeviceError):
                if answer.code not in NOT_SUPPORTED_CODES:
                    raise answer
                continue
            for module, sections in answer.items():
                if isinstance(sections, dict):
                    tree.setdefault(module, {}).update(sections)
        return tree

    @staticmethod
    def _tones(tree: Tree) -> tuple[str, ...]:
        """The alarm sounds the camera offers (``getAlertTypeList``)."""
        names = (_section(tree, ("msg_alarm", "alert_type")) or {}).get("alert_type_list")
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            return tuple(names)
        return ()

    def _codec(self, setting: Setting, tree: Tree) -> Codec:
        return Tone(self._tones(tree)) if setting.key == "alarm_tone" else setting.codec

    def values(self, tree: Tree) -> dict[str, Any]:
        """The value of every setting the sections hold."""
        out: dict[str, Any] = {}
        for setting in SETTINGS:
            section = _section(tree, setting.where)
            value = self._codec(setting, tree).read(section) if section is not None else None
            if value is not None:
                out[setting.key] = value
        lamps = _section(tree, ("image_capability", "supplement_lamp")) or {}
        offered = lamps.get("night_vision_mode_range")
        if not isinstance(offered, list) or len(offered) < 2:
            out.pop("night_vision_lamp", None)  # only infrared: nothing to choose
        return out

    def learn(self, tree: Tree) -> None:
        """Remember what this camera has (its schema, its detector modules)."""
        values = self.values(tree)
        self.keys = tuple(values)
        self.modules = frozenset(tree)
        lamps = (_section(tree, ("image_capability", "supplement_lamp")) or {}).get(
            "night_vision_mode_range"
        )
        words = dict(LAMP_WORDS)
        self._enums = {
            "night_vision_lamp": [words[m] for m in lamps or [] if m in words],
            "alarm_tone": list(self._tones(tree)),
        }

    def schema(self) -> dict[str, Any]:
        full = SettingsModel.model_json_schema()
        properties: dict[str, Any] = {}
        for key in self.keys:
            prop = dict(full["properties"][key])
            prop.pop("default", None)
            if key in self._enums:
                prop["enum"] = list(self._enums[key])
            if BY_KEY[key].write == READ_ONLY:
                prop["readOnly"] = True
            properties[key] = prop
        return {
            "title": "Tapo camera settings",
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }

    # writing ----------------------------------------------------------------------------
    def _check(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The validated changes, or InvalidArgument naming every bad key."""
        errors: list[str] = []
        for key in changes:
            if key not in self.keys:
                errors.append(f"{key}: not a setting of this camera")
            elif BY_KEY[key].write == READ_ONLY:
                errors.append(f"{key}: read-only")
        named = {e.split(":", 1)[0] for e in errors}
        valid: dict[str, Any] = {}
        try:
            parsed = SettingsModel.model_validate(changes)
        except ValidationError as exc:
            for err in exc.errors():
                key = str(err["loc"][0]) if err["loc"] else "(body)"
                if key not in named:
                    errors.append(f"{key}: {err['msg']}")
            named |= {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
        else:
            valid = {k: getattr(parsed, k) for k in parsed.model_fields_set}
        for key, allowed in self._enums.items():
            if key in changes and key not in named and changes[key] not in allowed:
                errors.append(f"{key}: one of {', '.join(allowed) or 'none'}")
        place = changes.get("time_zone")
        if isinstance(place, str) and "time_zone" not in named and zone(place) is None:
            errors.append("time_zone: unknown time zone")
        if errors:
            raise InvalidArgument(
                f"{self._device}: invalid settings", errors=errors, device=self._device
            )
        return valid

    def requests(self, changes: dict[str, Any], tree: Tree) -> list[tuple[list[str], Request]]:
        """One request per section written (named setter or raw set), with its keys."""
        groups: dict[tuple[str, str, str | None], tuple[list[str], dict[str, Any]]] = {}
        current: dict[tuple[str, str], dict[str, Any]] = {}
        for key, value in self._check(changes).items():
            setting = BY_KEY[key]
            target = setting.to or setting.where
            section = current.setdefault(setting.where, dict(_section(tree, setting.where) or {}))
            fields = self._codec(setting, tree).write(value, section)
            section.update(fields)
            keys, body = groups.setdefault((*target, setting.write), ([], {}))
            keys.append(key)
            body.update(fields)
        if {"alarm_sound", "alarm_light"} & set(changes):
            modes = current.get(ALARM, {}).get("alarm_mode")
            if not modes:
                raise InvalidArgument(
                    f"{self._device}: the alarm needs its sound or its light",
                    errors=["alarm_sound: the alarm needs its sound or its light"],
                    device=self._device,
                )
        out: list[tuple[list[str], Request]] = []
        for (module, section_name, method), (keys, body) in groups.items():
            params = {module: {section_name: body}}
            out.append((keys, (method or "set", params)))
        return out

    async def update(self, changes: dict[str, Any]) -> None:
        """Validate, then write; InvalidArgument for what the camera refuses."""
        if not isinstance(changes, dict) or not changes:
            raise InvalidArgument("give at least one setting", errors=["(body): nothing to change"])
        plan = self.requests(changes, await self.read())
        named = [(keys, req) for keys, req in plan if req[0] != "set"]
        raw = [(keys, req) for keys, req in plan if req[0] == "set"]
        outcomes: list[tuple[list[str], DeviceError | None]] = []
        if named:
            answers = await self._protocol.try_calls([req for _, req in named])
            for (keys, _), answer in zip(named, answers, strict=True):
                outcomes.append((keys, answer if isinstance(answer, DeviceError) else None))
        for keys, (_, params) in raw:
            try:
                await self._protocol.send({"method": "set", **params})
            except DeviceError as exc:
                outcomes.append((keys, exc))
        errors: list[str] = []
        for keys, failure in outcomes:
            if failure is None:
                continue
            if failure.code not in NOT_SUPPORTED_CODES:
                raise failure
            errors += [f"{key}: the camera refused it ({failure.message})" for key in keys]
        if errors:
            raise InvalidArgument(
                f"{self._device} refused some settings", errors=errors, device=self._device
            )
