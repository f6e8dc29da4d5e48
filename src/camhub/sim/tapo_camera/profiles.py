"""What each emulated camera model has: firmware, app components and API modules.

Learnt from python-kasa's recorded camera dumps (C100 4.0 fw 1.3.14, C200 1.0 fw
1.3.17, C210 2.0 fw 1.3.11 and 1.4.3, C220 1.0 fw 1.2.5) and Home Assistant Tapo
Control debug dumps (C100 2.0, C200 2.0): which ``getAppComponentList`` entries a
model advertises, which API modules answer, and which keys their sections carry.
A module the model lacks is absent from its tree, so its methods are refused
(``-40210``) exactly where the real model refuses them: python-kasa's dumper asked the
C100 1.3.14 and C210 1.3.11 for ``getAlertConfig``, ``getAlertTypeList`` and
``getNightVisionCapability`` and got no answer, which the C220 1.2.5 (and the C210
on 1.4.3) gives. Firmware 1.3.x decorates every config section with
``.name``/``.type``; the newer SDK (1.2.x on the C220, 1.4.x) does not and adds keys
(``new_sdk``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Modules every C1xx/C2xx camera answers.
BASE_MODULES = frozenset(
    {
        "app_component",
        "audio_capability",
        "audio_config",
        "auto_upgrade",
        "cet",
        "cloud_config",
        "device_info",
        "function",
        "harddisk_manage",
        "image",
        "lens_mask",
        "led",
        "motion_detection",
        "msg_alarm",
        "msg_alarm_plan",
        "msg_push",
        "network",
        "onboarding",
        "OSD",
        "playback",
        "record_plan",
        "sound_detection",
        "system",
        "tapo_care",
        "timing_reboot",
        "user_management",
        "video",
        "video_capability",
    }
)
PTZ = frozenset({"motor", "preset", "target_track"})
AI_EXTRA = frozenset(
    {"vehicle_detection", "pet_detection", "bark_detection", "meow_detection", "glass_detection"}
)


def _components(text: str) -> tuple[tuple[str, int], ...]:
    """``"sdCard:1 timezone:1"`` -> ``(("sdCard", 1), ("timezone", 1))``."""
    pairs = (item.split(":") for item in text.split())
    return tuple((name, int(version)) for name, version in pairs)


_COMMON = (
    "sdCard:1 timezone:1 system:3 led:1 playback:{pb} detection:{det} alert:{alert} "
    "firmware:2 account:{acct} quickSetup:1 "
)


@dataclass(frozen=True)
class Profile:
    model: str
    hw_version: str
    sw_version: str
    modules: frozenset[str]
    components: tuple[tuple[str, int], ...]
    dot_meta: bool = True  # firmware 1.3.x: sections carry ".name"/".type"
    image_style: str = "v1"  # keys of image.common / image.switch (see data_av)
    motor_style: str = ""  # "" (no motor), "degrees" (C200) or "normalized"
    mac_prefix: str = "40-AE-30"
    resolutions: tuple[str, ...] = ("2304*1296", "1920*1080", "1280*720")
    bitrates: tuple[str, ...] = ("256", "512", "1024", "2048")
    encode_types: tuple[str, ...] = ("H264",)
    motion_extra: tuple[str, ...] = ()  # extra motion_det switches
    alert_types: tuple[str, ...] = ("Siren", "Tone")
    avatar: str = "camera c212"

    @property
    def ptz(self) -> bool:
        return "motor" in self.modules

    @property
    def new_sdk(self) -> bool:
        return not self.dot_meta

    def component_names(self) -> set[str]:
        return {name for name, _version in self.components}


C100 = Profile(
    model="C100",
    hw_version="4.0",
    sw_version="1.3.14 Build 240513 Rel.43631n(5553)",
    modules=BASE_MODULES | {"people_detection", "tamper_detection"},
    components=_components(
        _COMMON.format(pb=4, det=3, alert=1, acct=2)
        + "video:2 lensMask:2 lightFrequency:1 dayNightMode:1 osd:2 record:1 videoRotation:1 "
        "audio:2 diagnose:1 msgPush:3 deviceShare:1 tapoCare:1 blockZone:1 personDetection:2 "
        "babyCryDetection:1 needSubscriptionServiceList:1 iotCloud:1 recordDownload:1 "
        "detectionRegion:2 staticIp:1"
    ),
    mac_prefix="F0-A7-31",
    resolutions=("1920*1080", "1280*720", "640*360"),
    bitrates=("256", "512", "1024", "1536"),
    avatar="camera c100",
)

C200 = Profile(
    model="C200",
    hw_version="2.0",
    sw_version="1.3.11 Build 231117 Rel.56453n(4555)",
    modules=BASE_MODULES | PTZ,
    components=_components(
        _COMMON.format(pb=4, det=2, alert=1, acct=2)
        + "ptz:1 video:1 lensMask:2 lightFrequency:1 dayNightMode:1 osd:2 record:1 "
        "videoRotation:1 audio:2 diagnose:1 ldc:1 blockZone:1 targetTrack:1 "
        "babyCryDetection:1 msgPush:3 deviceShare:1 tapoCare:1 needSubscriptionServiceList:1 "
        "iotCloud:1 relayPreConnection:1 cipcPassthroughRelayCompress:1"
    ),
    image_style="c200",
    motor_style="degrees",
    mac_prefix="5C-62-8B",
    resolutions=("1920*1080", "1280*720", "640*360"),
    bitrates=("256", "512", "1024"),
    motion_extra=("enhanced",),
    avatar="Garage",
)

C210 = Profile(
    model="C210",
    hw_version="2.0",
    sw_version="1.3.11 Build 240110 Rel.64341n(4555)",
    modules=BASE_MODULES | PTZ | {"people_detection", "tamper_detection", "linecrossing_detection"},
    components=_components(
        _COMMON.format(pb=4, det=1, alert=1, acct=1)
        + "ptz:1 video:2 lensMask:2 lightFrequency:1 dayNightMode:1 osd:2 record:1 "
        "videoRotation:1 audio:2 diagnose:1 msgPush:3 deviceShare:1 tapoCare:1 blockZone:1 "
        "personDetection:1 targetTrack:1 babyCryDetection:1 needSubscriptionServiceList:1 "
        "iotCloud:1 recordDownload:1"
    ),
    motor_style="normalized",
)

C220 = Profile(
    model="C220",
    hw_version="1.0",
    sw_version="1.2.5 Build 241224 Rel.40956n",
    modules=BASE_MODULES
    | PTZ
    | AI_EXTRA
    | {
        "people_detection",
        "tamper_detection",
        "image_capability",
        "alert_config",
        "linecrossing_detection",
        "patrol",
        "smart_track",
    },
    components=_components(
        _COMMON.format(pb=6, det=3, alert=2, acct=2)
        + "ptz:1 video:3 lensMask:2 lightFrequency:1 dayNightMode:1 osd:2 record:1 "
        "videoRotation:1 audio:3 diagnose:1 msgPush:3 linecrossingDetection:2 deviceShare:1 "
        "tamperDetection:1 tapoCare:1 targetTrack:1 blockZone:1 babyCryDetection:1 "
        "personDetection:2 needSubscriptionServiceList:1 patrol:1 vehicleDetection:1 "
        "petDetection:1 meowDetection:1 barkDetection:1 glassDetection:1 markerBox:1 nvmp:1 "
        "iotCloud:1 panoramicView:1 recordDownload:1 smartTrack:1 detectionRegion:2 "
        "staticIp:2 snapshot:2 timeFormat:1 upnpc:2 relayPreConnection:1"
    ),
    dot_meta=False,
    image_style="c220",
    motor_style="normalized",
    mac_prefix="7C-F1-7E",
    resolutions=("2560*1440", "1920*1080"),
    bitrates=("256", "512", "1024", "1536", "2048", "2560"),
    encode_types=("H264", "H265"),
    motion_extra=("non_vehicle_enabled", "people_enabled", "vehicle_enabled"),
    alert_types=("Siren", "Emergency", "Red Alert"),
)

PROFILES = {p.model: p for p in (C100, C200, C210, C220)}
# Other PTZ models answer like the C210, other fixed ones like the C100.
OTHER_PTZ = {"C211", "C225", "C500", "C510W", "C520WS", "TC70"}


def profile_for(model: str) -> Profile:
    name = model.upper()
    if name in PROFILES:
        return PROFILES[name]
    return replace(C210 if name in OTHER_PTZ else C100, model=model)
