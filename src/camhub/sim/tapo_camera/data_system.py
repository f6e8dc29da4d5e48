"""Initial sections of the system modules: identity, components, time zone, firmware
upgrade settings, scheduled reboot, recording plan, storage, capabilities."""

from __future__ import annotations

import secrets
from typing import Any

from camhub.sim.tapo_camera.data_av import Tree, sec
from camhub.sim.tapo_camera.data_detect import WEEK
from camhub.sim.tapo_camera.profiles import Profile


def _motor_capability(profile: Profile) -> dict[str, Any]:
    if profile.motor_style == "degrees":  # C200: pan/tilt in degrees from the centre
        return sec(
            "capability",
            "capability",
            calibrate="enabled",
            lens_mask_no_moving="1",
            preset="enabled",
            simultaneous="disabled",
            x_coord_max="170",
            x_coord_min="-170",
            x_max_speed="9",
            y_coord_max="35",
            y_coord_min="-35",
            y_max_speed="9",
        )
    return sec(
        "capability",
        "ptz",
        absolute_move_supported="1",
        calibrate_supported="1",
        continuous_move_supported="1",
        eflip_mode=["off", "on"],
        home_position_mode="none",
        limit_supported="0",
        manual_control_level=["low", "normal", "high"],
        manual_control_mode=[
            "compatible",
            "pedestrian",
            "motor_vehicle",
            "non_motor_vehicle",
            "self_adaptive",
        ],
        park_supported="0",
        pattern_supported="0",
        plan_supported="0",
        position_pan_range=["-1.000000", "1.000000"],
        position_tilt_range=["-1.000000", "1.000000"],
        poweroff_save_supported="1",
        poweroff_save_time_range=["10", "600"],
        preset_number_max="8",
        preset_supported="1",
        relative_move_supported="1",
        reverse_mode=["off", "on", "auto"],
        scan_supported="0",
        speed_pan_max="1.00000",
        speed_tilt_max="1.000000",
        tour_supported="0",
    )


def _module_spec(profile: Profile) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "app_version": "1.0.0",
        "audio": ["speaker", "microphone"],
        "auth_encrypt": "1",
        "change_password": "1",
        "client_info": "1",
        "device_share": ["preview", "playback", "voice"] + (["motor"] if profile.ptz else []),
        "download": ["video"],
        "events": ["motion"] + (["tamper"] if "tamper_detection" in profile.modules else []),
        "led": "1",
        "lens_mask": "1",
        "local_storage": "1",
        "media_encrypt": "1",
        "msg_alarm": "1",
        "msg_alarm_list": ["sound", "light"],
        "msg_push": "1",
        "multi_user": "0",
        "network": ["wifi"],
        "ota_upgrade": "1",
        "p2p_support_versions": ["1.1"],
        "playback": ["local", "p2p", "relay"],
        "playback_scale": "1",
        "preview": ["local", "p2p", "relay"],
        "record_max_slot_cnt": "10",
        "record_type": ["timing", "motion"],
        "relay_support_versions": ["1.3"],
        "ssl_cer_version": "1.0",
        "storage_api_version": "2.2",
        "stream_max_sessions": "10",
        "streaming_support_versions": ["1.0"],
        "timing_reboot": "1",
        "video_codec": ["h264"],
        "video_detection_digital_sensitivity": "1",
        "wifi_connection_info": "1",
        "wireless_hotspot": "1",
    }
    if profile.image_style == "c200":  # the C200's older platform
        if profile.ptz:
            spec.update(motor="1", target_track="1")
        return sec("module_spec", "module-spec", **spec)
    spec.update(
        ae_weighting_table_resolution="5*5",
        ai_enhance_capability="1",
        audioexception_detection="0",
        backlight_coexistence="1",
        cloud_storage_version="1.0",
        custom_area_compensation="1",
        custom_auto_mode_exposure_level="0",
        greeter="1.0",
        http_system_state_audio_support="1",
        linkage_capability="1",
        msg_alarm_separate_list=["light", "sound"],
        multicast="0",
        privacy_mask_api_version="1.0",
        reonboarding="1",
        smart_msg_push_capability="1",
        verification_change_password="1",
        wifi_cascade_connection="1",
    )
    spec["device_share"] = spec["device_share"] + ["cloud_storage"]
    spec.update(ptz="1" if profile.ptz else "0", target_track="1.0" if profile.ptz else "0")
    if "people_detection" in profile.modules:
        spec["smart_detection"] = "1"
    if not profile.new_sdk:
        spec.update(linecrossing_detection="1", intrusion_detection="1")
        if not profile.ptz:
            del spec["ptz"]
        return sec("module_spec", "module-spec", **spec)
    for key in ("audioexception_detection", "greeter", "msg_alarm", "msg_alarm_separate_list",
                "privacy_mask_api_version", "smart_msg_push_capability",
                "wifi_cascade_connection"):  # fmt: skip
        del spec[key]
    spec.update(
        ai_enhance_range=["traditional_enhance"],
        ai_firmware_upgrade="0",
        alarm_out_num="0",
        auto_ip_configurable="1",
        config_recovery=["audio_config", "OSD", "image", "video"],
        custom_auto_mode_exposure_level="1",
        daynight_subdivision="1",
        force_iframe_support="1",
        image_capability="1",
        image_list=["supplement_lamp", "expose"],
        ir_led_pwm_control="1",
        motor="0",
        network=["wifi", "ethernet"],
        osd_capability="1",
        p2p_support_versions=["2.0"],
        personalized_audio_alarm="0",
        remote_upgrade="1",
        smart_codec="0",
        storage_capability="1",
        tapo_care_version="1.0.0",
        target_track="1",
        wide_range_inf_sensitivity="1",
    )
    return sec("module_spec", "module-spec", **spec)


def identity(profile: Profile, host: str) -> Tree:
    mac = profile.mac_prefix + "-" + "-".join(f"{b:02X}" for b in secrets.token_bytes(3))
    basic = {
        "avatar": profile.avatar,
        "barcode": "",
        "dev_id": secrets.token_hex(20).upper(),
        "device_alias": f"Tapo {profile.model}",
        "device_info": f"{profile.model} {profile.hw_version} IPC",
        "device_model": profile.model,
        "device_name": f"{profile.model} {profile.hw_version}",
        "device_type": "SMART.IPCAMERA",
        "features": "3",
        "ffs": False,
        "has_set_location_info": 0,
        "hw_desc": secrets.token_hex(16).upper(),
        "hw_version": profile.hw_version,
        "is_cal": True,
        "latitude": 0,
        "longitude": 0,
        "mac": mac,
        "oem_id": secrets.token_hex(16).upper(),
        "sw_version": profile.sw_version,
    }
    if profile.new_sdk:
        basic.update(
            features=3,
            hw_id=secrets.token_hex(16).upper(),
            manufacturer_name="TP-LINK",
            mobile_access="0",
            no_rtsp_constrain=1,
            region="EU",
            tss=False,
        )
    components = [{"name": name, "version": v} for name, v in profile.components]
    wan = sec(
        "wan",
        "interface",
        ipaddr=host,
        netmask="255.255.255.0",
        gateway=host.rsplit(".", 1)[0] + ".1",
        proto="dhcp",
        macaddr=mac,
    )
    return {
        "device_info": {"basic_info": basic},
        "app_component": {"app_component_list": components},
        "network": {"wan": wan},
        "function": {"module_spec": _module_spec(profile)},
        "user_management": {"third_account": sec("third_account", "account", enabled="off")},
        "tapo_care": {"service_list": []},
    }


def settings(profile: Profile) -> Tree:
    tree: Tree = {
        "system": {
            "basic": sec(
                "basic", "setting", timezone="UTC-00:00", timing_mode="ntp", zone_id="Europe/London"
            ),
            "sys": sec("sys", "sys", dev_alias=f"Tapo {profile.model}", diagnose_mode="off"),
        },
        "auto_upgrade": {
            "common": sec("common", "on_off", enabled="off", random_range="120", time="03:00")
        },
        "timing_reboot": {
            "reboot": sec(
                "reboot", "reboot", enabled="off", day="7", time="03:00:00", random_range="30"
            )
        },
        "record_plan": {
            "chn1_channel": sec(
                "chn1_channel", "plan", enabled="on", **{d: '["0000-2400:2"]' for d in WEEK}
            )
        },
        "harddisk_manage": {"harddisk": sec("harddisk", "storage", loop="on")},
    }
    if profile.ptz and not profile.new_sdk:  # the C220's 1.2.5 answers no motor capability
        tree["motor"] = {"capability": _motor_capability(profile)}
    return tree
