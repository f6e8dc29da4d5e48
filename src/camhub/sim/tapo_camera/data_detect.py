"""Initial sections of the detection and alert modules: motion and AI detections,
tamper, baby cry, line crossing, target tracking, the alarm and notifications."""

from __future__ import annotations

from typing import Any

from camhub.sim.tapo_camera.data_av import Tree, sec
from camhub.sim.tapo_camera.profiles import Profile

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Optional AI detections: module -> default sensitivity.
AI_MODULES = {
    "vehicle_detection": "60",
    "pet_detection": "60",
    "bark_detection": "50",
    "meow_detection": "50",
    "glass_detection": "50",
}


def detections(profile: Profile) -> Tree:
    motion: dict[str, Any] = {"digital_sensitivity": "50", "enabled": "on", "sensitivity": "medium"}
    for key in profile.motion_extra:
        motion[key] = "on" if key == "enhanced" else "off"
    tree: Tree = {
        "motion_detection": {"motion_det": sec("motion_det", "on_off", **motion)},
        "sound_detection": {
            "bcd": sec(
                "bcd", "on_off", digital_sensitivity="50", enabled="off", sensitivity="medium"
            )
        },
    }
    if "people_detection" in profile.modules:
        people: dict[str, Any] = {"enabled": "on"}
        if dict(profile.components).get("personDetection", 1) >= 2:
            people["sensitivity"] = "60"
        tree["people_detection"] = {"detection": sec("detection", "on_off", **people)}
    for module, sensitivity in AI_MODULES.items():
        if module in profile.modules:
            detection = sec("detection", "on_off", enabled="off", sensitivity=sensitivity)
            tree[module] = {"detection": detection}
    if "tamper_detection" in profile.modules:
        tamper = sec(
            "tamper_det", "on_off", digital_sensitivity="50", enabled="off", sensitivity="medium"
        )
        tree["tamper_detection"] = {"tamper_det": tamper}
    if "linecrossing_detection" in profile.modules:
        schedule = {day: '["0000-2400"]' for day in WEEK}
        region = sec(
            "region_info_1",
            "region_info",
            direction="both",
            id="0",
            people_enabled="off",
            vehicle_enabled="off",
            non_vehicle_enabled="off",
            pt1_x="1662",
            pt1_y="837",
            pt2_x="7516",
            pt2_y="903",
            sensitivity="50",
        )
        tree["linecrossing_detection"] = {
            "detection": sec("detection", "on_off", enabled="off"),
            "arming_schedule": sec("arming_schedule", "plan", **schedule),
            "region_info": [{"region_info_1": region}],
        }
    return tree


def tracking(profile: Profile) -> Tree:
    tree: Tree = {}
    if "target_track" in profile.modules:
        info: dict[str, Any] = {"enabled": "off"}
        if profile.model == "C220":
            info.update(back_time="30", track_mode="pantilt", track_time="0")
        tree["target_track"] = {
            "target_track_info": sec("target_track_info", "target_track_info", **info)
        }
    if "smart_track" in profile.modules:
        smart = sec(
            "smart_track_info",
            "on_off",
            enabled="off",
            people_enabled="on",
            vehicle_enabled="off",
            pet_enabled="off",
        )
        tree["smart_track"] = {"smart_track_info": smart}
    return tree


def alerts(profile: Profile) -> Tree:
    info: dict[str, Any] = {
        "alarm_type": "0",
        "light_type": "0",
        "alarm_mode": ["sound", "light"],
        "enabled": "off",
        "alarm_volume": "high",
        "alarm_duration": "0",
    }
    alarm: dict[str, Any] = {}
    if "alert_config" in profile.modules:  # newer SDK: getAlertConfig/getAlertTypeList
        info.update(light_type="1", light_alarm_enabled="on", sound_alarm_enabled="on")
        alarm["capability"] = sec(
            "capability",
            "capability",
            alarm_duration_support="1",
            alarm_func=["sound", "light"],
            alarm_volume_support="1",
            alert_event_type_support="1",
            usr_def_audio_alarm_max_num="2",
            usr_def_audio_alarm_support="1",
            usr_def_audio_max_duration="15",
            usr_def_audio_type="0",
            usr_def_start_file_id="8195",
        )
        alarm["alert_type"] = sec(
            "alert_type", "alert_type", alert_type_list=list(profile.alert_types)
        )
        alarm["usr_def_audio"] = []
        kinds = ("motion", "people", "vehicle", "pet", "linecrossing")
        alarm["msg_alarm_type"] = [{"name": kind, "enabled": "on"} for kind in kinds]
    alarm["chn1_msg_alarm_info"] = sec("chn1_msg_alarm_info", "info", **info)
    return {
        "msg_alarm": alarm,
        "msg_alarm_plan": {
            "chn1_msg_alarm_plan": sec(
                "chn1_msg_alarm_plan", "plan", alarm_plan_1="0000-0000,127", enabled="off"
            )
        },
        "msg_push": {
            "chn1_msg_push_info": sec(
                "chn1_msg_push_info",
                "on_off",
                notification_enabled="on",
                rich_notification_enabled="off",
            )
        },
    }
