"""The named methods of ``multipleRequest``: which operation each is and which module
it belongs to.

The firmware dispatches a named method as a ``get``, ``set`` or ``do`` on the
modules its params address (pytapo's ``getLastAlarmInfo`` reads
``msg_alarm.chn1_msg_alarm_info`` where python-kasa's reads
``system.last_alarm_info``; ``getLdc`` serves both image sections). A method is
known to a camera only when its home module is: the others answer ``-40210``
("function not supported"), names no Tapo firmware knows ``-40105``.

Home modules that no emulated C1xx/C2xx has (``siren``, ``battery``,
``floodlight``, ``childControl``...) stand for the hub, battery, doorbell and
floodlight cameras those methods were written for.
"""

from __future__ import annotations

_TABLE = """
get device_info: getDeviceInfo
get app_component: getAppComponentList
get system: getClockStatus getTimezone getDstRule getLastAlarmInfo getDiagnoseMode getAllChnInfo
get lens_mask: getLensMaskConfig
get led: getLedStatus
get motion_detection: getDetectionConfig
get people_detection: getPersonDetectionConfig
get vehicle_detection: getVehicleDetectionConfig
get pet_detection: getPetDetectionConfig
get bark_detection: getBarkDetectionConfig
get meow_detection: getMeowDetectionConfig
get glass_detection: getGlassDetectionConfig
get package_detection: getPackageDetectionConfig
get tamper_detection: getTamperDetectionConfig
get sound_detection: getBCDConfig
get linecrossing_detection: getLinecrossingDetectionConfig getLinecrossingDetectionRegion
get target_track: getTargetTrackConfig
get smart_track: getSmartTrackConfig
get alert_config: getAlertConfig getAlertTypeList
get msg_alarm: getAlertEventType
get msg_alarm_plan: getAlertPlan
get msg_push: getMsgPushConfig
get harddisk_manage: getSdCardStatus getCircularRecordingConfig
get record_plan: getRecordPlan
get audio_config: getAudioConfig
get auto_upgrade: getFirmwareAutoUpgradeConfig
get cloud_config: getFirmwareUpdateStatus getCloudConfig
get cet: getMediaEncrypt
get video: getVideoQualities
get video_capability: getVideoCapability
get image: getLdc getLightFrequencyInfo getDayNightModeConfig getNightVisionModeConfig
get image: getRotationStatus getWhitelampConfig
get image_capability: getNightVisionCapability getWhitelampCapability
get preset: getPresetConfig
get OSD: getOsd
get timing_reboot: getReboot
get network: getDeviceIpAddress
get tapo_care: getTapoCareServiceList
get user_management: getThirdAccount
set lens_mask: setLensMaskConfig
set led: setLedStatus
set motion_detection: setDetectionConfig
set people_detection: setPersonDetectionConfig
set vehicle_detection: setVehicleDetectionConfig
set pet_detection: setPetDetectionConfig
set bark_detection: setBarkDetectionConfig
set meow_detection: setMeowDetectionConfig
set glass_detection: setGlassDetectionConfig
set package_detection: setPackageDetectionConfig
set tamper_detection: setTamperDetectionConfig
set sound_detection: setBCDConfig
set linecrossing_detection: setLinecrossingDetectionConfig
set target_track: setTargetTrackConfig
set smart_track: setSmartTrackConfig
set alert_config: setAlertConfig
set msg_alarm: setAlertEventType
set msg_alarm_plan: setAlertPlan
set msg_push: setMsgPushConfig
set harddisk_manage: setCircularRecordingConfig
set record_plan: setRecordPlan
set audio_config: setRecordAudio setSpeakerVolume setMicrophoneVolume
set auto_upgrade: setFirmwareAutoUpgradeConfig
set cet: setMediaEncrypt
set image: setLdc setLightFrequencyInfo setDayNightModeConfig setNightVisionModeConfig
set image: setRotationStatus setWhitelampConfig
set system: setTimezone setDiagnoseMode setDeviceAlias
set timing_reboot: setReboot
do network: getConnectionType
do image: getWhitelampStatus
do system: getUserID rebootDevice checkDiagnoseStatus
do onboarding: getConnectStatus
do motor: relativeMove motorMove manualCalibrate cruiseMove cruiseStop
do preset: addMotorPostion motorMoveToPreset deletePreset
do playback: searchDetectionList searchDateWithVideo searchVideoOfDay searchVideoWithUTC
do harddisk_manage: formatSdCard
do cloud_config: checkFirmwareVersionByCloud
do msg_alarm: testUsrDefAudio
do patrol: getPatrolAction getPatrolSchedule setPatrolStatus
do white_lamp: reverseWhitelampStatus
do video_hdr: setHDR
get siren: getSirenTypeList getSirenConfig getSirenStatus getLightTypeList getAlarmConfig
get siren: getAlarmPlan
set siren: setSirenStatus setSirenConfig setAlarmConfig setAlarmPlan
get light_frequency_capability: getLightFrequencyCapability
get dual_cam_linkage: getDualCamLinkage getLinkageTargetCapability getDualCamCapability
set dual_cam_linkage: setDualCamLinkage
do dual_cam_linkage: readLinkageTargetSetting modifyLinkageTargetSetting
get cover: getCoverConfig
set cover: setCoverConfig
get hub_manage: getWifiBackup getHubStorage
do hub_manage: startScanHub
get childControl: getChildDeviceList getChildDeviceComponentList getSupportChildDeviceCategory
get battery: getBatteryStatus getBatteryPowerSave getBatteryOperatingMode getBatteryConfig
get battery: getBatteryOperatingModeParam getPowerMode getChargingMode getBatteryCapability
get battery: getBatteryStatistic
set battery: setBatteryPowerSave setBatteryOperatingMode setBatteryConfig setChargingMode
get pir: getPirSensitivity
set pir: setPirSensitivity
get pir_detection: getPirDetCapability getPirDetConfig
set pir_detection: setPirDetConfig
get floodlight: getFloodlightConfig getFloodlightCapability
set floodlight: setFloodlightConfig
do floodlight: getFloodlightStatus manualFloodlightOp
do nightlight: getNightlightStatus manualNightlightOp
set nightlight: setNightlightConfig
get ring: getRingStatus
set ring: setRingStatus
get wake_up: getWakeUpConfig
set wake_up: setWakeUpConfig
get clips: getClipsConfig
set clips: setClipsConfig
get chime_ring_plan: getChimeRingPlan
set chime_ring_plan: setChimeRingPlan
do chime_ctrl: getChimeCtrlList
get quick_response: getQuickRespList
do quick_response: playQuickResp
get matter: getMatterSetupInfo
"""


def _parse(table: str) -> dict[str, tuple[str, str]]:
    methods: dict[str, tuple[str, str]] = {}
    for line in table.strip().splitlines():
        head, names = line.split(":", 1)
        op, module = head.split()
        for name in names.split():
            methods[name] = (op, module)
    return methods


# method name -> (operation, home module)
METHODS: dict[str, tuple[str, str]] = _parse(_TABLE)
