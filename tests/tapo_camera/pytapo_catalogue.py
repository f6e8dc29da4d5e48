"""pytapo 3.4.30's public methods that apply to a C200/C210, with the shape a real
camera answers (keys from python-kasa's recorded C200/C210 dumps and Home
Assistant Tapo Control debug dumps), and the ones that do not apply.

Each probe calls pytapo unmodified and checks what a user of pytapo would read:
the keys of the answer, or for a setter that the camera kept the new value.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from typing import Any

from pytapo import Tapo

Check = Callable[[Tapo], bool]

HD_INFO = {
    "detect_status", "disk_name", "free_space", "loop_record_status", "msg_push_free_space",
    "msg_push_total_space", "percent", "picture_free_space", "picture_total_space",
    "record_duration", "record_free_duration", "record_start_time", "rw_attr", "status",
    "total_space", "type", "video_free_space", "video_total_space", "write_protect",
}  # fmt: skip
BASIC_INFO = {
    "avatar", "barcode", "dev_id", "device_alias", "device_info", "device_model", "device_name",
    "device_type", "features", "hw_desc", "hw_version", "mac", "oem_id", "sw_version",
}  # fmt: skip
WEEK = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def has(data: Any, *keys: str, meta: bool = True) -> bool:
    """``data`` is a section with these keys (and, on firmware 1.3.x, its .name/.type)."""
    if not isinstance(data, dict) or not set(keys) <= set(data):
        return False
    return not meta or {".name", ".type"} <= set(data)


def _common_image(c: Tapo) -> Any:
    with warnings.catch_warnings():  # pytapo deprecates it in favour of specific getters
        warnings.simplefilter("ignore", DeprecationWarning)
        return c.getCommonImage()


def _getters() -> dict[str, Check]:
    today = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    return {
        "getBasicInfo": lambda c: set(c.getBasicInfo()["device_info"]["basic_info"]) >= BASIC_INFO,
        "getTime": lambda c: (
            {"local_time", "seconds_from_1970"} <= set(c.getTime()["system"]["clock_status"])
        ),
        "getTimeCorrection": lambda c: isinstance(c.getTimeCorrection(), int),
        "getTimezone": lambda c: has(
            c.getTimezone()["system"]["basic"], "timezone", "timing_mode", "zone_id"
        ),
        "getDSTRule": lambda c: (
            {"enabled", "synced", "has_rule", "dst_rule"} <= set(c.getDSTRule()["system"]["dst"])
        ),
        "getPrivacyMode": lambda c: has(c.getPrivacyMode(), "enabled"),
        "getMediaEncrypt": lambda c: has(c.getMediaEncrypt(), "enabled"),
        "getAlarm": lambda c: has(c.getAlarm(), "alarm_type", "light_type", "alarm_mode"),
        "getLED": lambda c: has(c.getLED(), "enabled"),
        "getSDCard": lambda c: set(c.getSDCard()[0]["hd_info_1"]) >= HD_INFO,
        "getRecordPlan": lambda c: has(c.getRecordPlan(), "enabled", *WEEK),
        "getCircularRecordingConfig": lambda c: has(c.getCircularRecordingConfig(), "loop"),
        "getAutoTrackTarget": lambda c: has(c.getAutoTrackTarget(), "enabled"),
        "getAudioSpec": lambda c: (
            {"device_microphone", "device_speaker"} <= set(c.getAudioSpec()["audio_capability"])
        ),
        "getAudioConfig": lambda c: has(
            c.getAudioConfig()["audio_config"]["microphone"], "volume", "encode_type"
        ),
        "getVhttpd": lambda c: c.getVhttpd()["cet"]["vhttpd"]["port"] == "8800",
        "getModuleSpec": lambda c: has(
            c.getModuleSpec()["function"]["module_spec"], "msg_alarm", "target_track"
        ),
        "getMotorCapability": lambda c: ".type" in c.getMotorCapability()["motor"]["capability"],
        "getWhitelampStatus": lambda c: c.getWhitelampStatus() == {"rest_time": 0, "status": 0},
        "getWhitelampConfig": lambda c: has(c.getWhitelampConfig(), "wtl_intensity_level"),
        "getNightVisionModeConfig": lambda c: has(
            c.getNightVisionModeConfig()["image"]["switch"], "night_vision_mode"
        ),
        "getDayNightMode": lambda c: c.getDayNightMode() in ("auto", "on", "off"),
        "getDayNightModeConfig": lambda c: has(
            c.getDayNightModeConfig()["image"]["common"], "inf_type", "light_freq_mode"
        ),
        "getLensDistortionCorrection": lambda c: c.getLensDistortionCorrection() is False,
        "getImageFlipVertical": lambda c: c.getImageFlipVertical() is False,
        "getRotationStatus": lambda c: has(
            c.getRotationStatus()["image"]["switch"], "flip_type", "rotate_type"
        ),
        "getLightFrequencyMode": lambda c: c.getLightFrequencyMode() in ("auto", "50", "60"),
        "getCommonImage": lambda c: has(_common_image(c)["image"]["common"], "inf_type"),
        "getMotionDetection": lambda c: has(
            c.getMotionDetection(), "enabled", "digital_sensitivity", "sensitivity"
        ),
        "getPersonDetection": lambda c: has(c.getPersonDetection(), "enabled"),
        "getTamperDetection": lambda c: has(c.getTamperDetection(), "enabled", "sensitivity"),
        "getBabyCryDetection": lambda c: has(c.getBabyCryDetection(), "enabled", "sensitivity"),
        "getLinecrossingDetection": lambda c: (
            {"detection", "arming_schedule"} <= set(c.getLinecrossingDetection())
        ),
        "getNotificationsEnabled": lambda c: has(
            c.getNotificationsEnabled(), "notification_enabled", "rich_notification_enabled"
        ),
        "getFirmwareUpdateStatus": lambda c: (
            {"lastUpgradingSuccess", "state"}
            <= set(c.getFirmwareUpdateStatus()["cloud_config"]["upgrade_status"])
        ),
        "getFirmwareAutoUpgradeConfig": lambda c: has(
            c.getFirmwareAutoUpgradeConfig()["auto_upgrade"]["common"], "enabled", "time"
        ),
        "isUpdateAvailable": lambda c: all(
            r["error_code"] == 0 for r in c.isUpdateAvailable()["result"]["responses"]
        ),
        "getVideoQualities": lambda c: has(
            c.getVideoQualities()["video"]["main"], "bitrate", "resolution", "frame_rate"
        ),
        "getVideoCapability": lambda c: has(
            c.getVideoCapability()["video_capability"]["main"], "resolutions", "bitrates"
        ),
        "getOsd": lambda c: (
            {"date", "week", "font", "logo", "label_info"} <= set(c.getOsd()["OSD"])
        ),
        "getReboot": lambda c: has(c.getReboot()["timing_reboot"]["reboot"], "enabled", "time"),
        "getDiagnoseMode": lambda c: "diagnose_mode" in c.getDiagnoseMode()["system"]["sys"],
        "checkDiagnoseStatus": lambda c: "system" in c.checkDiagnoseStatus(),
        "getDeviceIpAddress": lambda c: "ipaddr" in c.getDeviceIpAddress(),
        "getThirdAccount": lambda c: "third_account" in c.getThirdAccount()["user_management"],
        "getTapoCareServiceList": lambda c: (
            "service_list" in c.getTapoCareServiceList()["tapo_care"]
        ),
        "getUserID": lambda c: isinstance(c.getUserID(), int),
        "getPresets": lambda c: isinstance(c.getPresets(), dict),
        "isSupportingPresets": lambda c: c.isSupportingPresets() is not False,
        "getRecordingsList": lambda c: "date" in next(iter(c.getRecordingsList()[-1].values())),
        "getRecordings": lambda c: isinstance(c.getRecordings(today), list),
        "getRecordingsUTC": lambda c: isinstance(c.getRecordingsUTC(0, 2**31 - 1), list),
        "getEvents": lambda c: isinstance(c.getEvents(), list),
    }


def _set(call: Callable[[Tapo], Any], read: Callable[[Tapo], bool] = lambda _c: True) -> Check:
    """A setter probe: call it, then read back what a user would see."""

    def probe(c: Tapo) -> bool:
        call(c)
        return read(c)

    return probe


def _presets(c: Tapo) -> bool:
    c.moveMotor(10, 5)
    c.savePreset("gate")
    preset = next(k for k, v in c.getPresets().items() if v == "gate")
    c.calibrateMotor()
    c.setPreset(preset)
    return bool(c.deletePreset(preset)) and "gate" not in c.getPresets().values()


def _setters() -> dict[str, Check]:
    return {
        "setPrivacyMode": _set(
            lambda c: c.setPrivacyMode(True), lambda c: c.getPrivacyMode()["enabled"] == "on"
        ),
        "setPrivacyMode(off)": _set(
            lambda c: c.setPrivacyMode(False), lambda c: c.getPrivacyMode()["enabled"] == "off"
        ),
        "setMediaEncrypt": _set(
            lambda c: c.setMediaEncrypt(False), lambda c: c.getMediaEncrypt()["enabled"] == "off"
        ),
        "setAlarm": _set(
            lambda c: c.setAlarm(True, True, False),
            lambda c: c.getAlarm()["alarm_mode"] == ["sound"],
        ),
        "setLEDEnabled": _set(
            lambda c: c.setLEDEnabled(False), lambda c: c.getLED()["enabled"] == "off"
        ),
        "setRecordPlan": _set(
            lambda c: c.setRecordPlan(True, monday=["0000-1200:1"]),
            lambda c: c.getRecordPlan()["monday"] == '["0000-1200:1"]',
        ),
        "setCircularRecordingConfig": _set(
            lambda c: c.setCircularRecordingConfig(False),
            lambda c: c.getCircularRecordingConfig()["loop"] == "off",
        ),
        "setAutoTrackTarget": _set(
            lambda c: c.setAutoTrackTarget(True),
            lambda c: c.getAutoTrackTarget()["enabled"] == "on",
        ),
        "setSpeakerVolume": _set(
            lambda c: c.setSpeakerVolume(40),
            lambda c: c.getAudioConfig()["audio_config"]["speaker"]["volume"] == "40",
        ),
        "setMicrophone": _set(
            lambda c: c.setMicrophone(volume=70),  # a C200 has no mute or noise cancelling
            lambda c: c.getAudioConfig()["audio_config"]["microphone"]["volume"] == "70",
        ),
        "setWhitelampConfig": _set(
            lambda c: c.setWhitelampConfig(intensityLevel=3),
            lambda c: c.getWhitelampConfig()["wtl_intensity_level"] == "3",
        ),
        "setDayNightMode": _set(
            lambda c: c.setDayNightMode("on"), lambda c: c.getDayNightMode() == "on"
        ),
        "setDayNightModeConfig": _set(
            lambda c: c.setDayNightModeConfig("auto"), lambda c: c.getDayNightMode() == "auto"
        ),
        "setLensDistortionCorrection": _set(
            lambda c: c.setLensDistortionCorrection(True),
            lambda c: c.getLensDistortionCorrection() is True,
        ),
        "setImageFlipVertical": _set(
            lambda c: c.setImageFlipVertical(True), lambda c: c.getImageFlipVertical() is True
        ),
        "setRotationStatus": _set(
            lambda c: c.setRotationStatus("off"), lambda c: c.getImageFlipVertical() is False
        ),
        "setNightVisionModeConfig": _set(lambda c: c.setNightVisionModeConfig("inf_night_vision")),
        "setLightFrequencyMode": _set(
            lambda c: c.setLightFrequencyMode("50"), lambda c: c.getLightFrequencyMode() == "50"
        ),
        "setMotionDetection": _set(
            lambda c: c.setMotionDetection(True, "high"),
            lambda c: c.getMotionDetection()["digital_sensitivity"] == "80",
        ),
        "setPersonDetection": _set(
            lambda c: c.setPersonDetection(False),
            lambda c: c.getPersonDetection()["enabled"] == "off",
        ),
        "setTamperDetection": _set(
            lambda c: c.setTamperDetection(True, "high"),
            lambda c: c.getTamperDetection()["sensitivity"] == "high",
        ),
        "setBabyCryDetection": _set(
            lambda c: c.setBabyCryDetection(True, "low"),
            lambda c: c.getBabyCryDetection()["sensitivity"] == "low",
        ),
        "setLinecrossingDetection": _set(
            lambda c: c.setLinecrossingDetection(True),
            lambda c: c.getLinecrossingDetection()["detection"]["enabled"] == "on",
        ),
        "setNotificationsEnabled": _set(
            lambda c: c.setNotificationsEnabled(True, True),
            lambda c: c.getNotificationsEnabled()["rich_notification_enabled"] == "on",
        ),
        "setFirmwareAutoUpgradeConfig": _set(
            lambda c: c.setFirmwareAutoUpgradeConfig(True, "04:00"),
            lambda c: c.getFirmwareAutoUpgradeConfig()["auto_upgrade"]["common"]["time"] == "04:00",
        ),
        "setOsd": _set(
            lambda c: c.setOsd("Porch", labelEnabled=True),
            lambda c: c.getOsd()["OSD"]["label_info"][0]["label_info_1"]["text"] == "Porch",
        ),
        "setTimezone": _set(
            lambda c: c.setTimezone("UTC+01:00", "Europe/Paris"),
            lambda c: c.getDSTRule()["system"]["dst"]["dst_rule"].startswith("DST-02:00,M3.5.0"),
        ),
        "setReboot": _set(
            lambda c: c.setReboot(True, "03:30:00", 3),
            lambda c: c.getReboot()["timing_reboot"]["reboot"]["day"] == "3",
        ),
        "setDiagnoseMode": _set(
            lambda c: c.setDiagnoseMode(True),
            lambda c: c.getDiagnoseMode()["system"]["sys"]["diagnose_mode"] == "on",
        ),
        "setCruise": _set(lambda c: (c.setCruise(True, "x"), c.setCruise(False))),
        "moveMotor": _set(lambda c: c.moveMotor(15, -5)),
        "moveMotorStep": _set(lambda c: c.moveMotorStep(45)),
        "moveMotorClockWise": _set(lambda c: c.moveMotorClockWise()),
        "moveMotorCounterClockWise": _set(lambda c: c.moveMotorCounterClockWise()),
        "moveMotorVertical": _set(lambda c: c.moveMotorVertical()),
        "moveMotorHorizontal": _set(lambda c: c.moveMotorHorizontal()),
        "calibrateMotor": _set(lambda c: c.calibrateMotor()),
        "savePreset/setPreset/deletePreset": _presets,
        "startManualAlarm": lambda c: c.startManualAlarm()["error_code"] == 0,
        "stopManualAlarm": lambda c: c.stopManualAlarm()["error_code"] == 0,
    }


def probes() -> dict[str, Check]:
    """Every probe, getters first (the setters change what the getters would read)."""
    return {**_getters(), **_setters()}


# Methods for devices a C200/C210 is not, or for newer firmware: the camera must refuse
# them. (python-kasa's dumper asked a C210 on 1.3.11 and a C100 on 1.3.14 for the alert
# config, the alert types and the night-vision capability: no answer.)
NOT_APPLICABLE: dict[str, Callable[[Tapo], Any]] = {
    "getAlertConfig": lambda c: c.getAlertConfig(includeCapability=True),
    "getAlertTypeList": lambda c: c.getAlertTypeList(),
    "getNightVisionCapability": lambda c: c.getNightVisionCapability(),
    "getFloodlightStatus": lambda c: c.getFloodlightStatus(),
    "getPirDetConfig": lambda c: c.getPirDetConfig(),
    "getBatteryStatus": lambda c: c.getBatteryStatus(),
    "getChildDevices": lambda c: c.getChildDevices(),
    "getHubSirenStatus": lambda c: c.getHubSirenStatus(),
    "getDualCamLinkage": lambda c: c.getDualCamLinkage(),
    "getCoverConfig": lambda c: c.getCoverConfig(),
    "getPetDetection": lambda c: c.getPetDetection(),
    "getVehicleDetection": lambda c: c.getVehicleDetection(),
    "getBarkDetection": lambda c: c.getBarkDetection(),
    "getSmartTrackConfig": lambda c: c.getSmartTrackConfig(),
    "getAlertEventType": lambda c: c.getAlertEventType(),
    "getAllChnInfo": lambda c: c.getAllChnInfo(),
    "setSirenStatus": lambda c: c.setSirenStatus(True),
    "setHDR": lambda c: c.setHDR(True),
    "setForceWhitelampState": lambda c: c.setForceWhitelampState(True),
    "reverseWhitelampStatus": lambda c: c.reverseWhitelampStatus(),
    "setRecordAudio": lambda c: c.setRecordAudio(True),
    "setPetDetection": lambda c: c.setPetDetection(True),
    "testUsrDefAudio": lambda c: c.testUsrDefAudio(8195, True),
}
