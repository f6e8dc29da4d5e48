"""Initial sections of the picture and sound modules: image, OSD, video, audio, LED,
lens mask, media encryption. Keys as the recorded cameras answer them."""

from __future__ import annotations

from typing import Any

from camhub.sim.tapo_camera.profiles import Profile

Tree = dict[str, dict[str, Any]]


SCENES = ("autoday", "autonight", "common", "shedday", "shednight")


def sec(name: str, kind: str, /, **values: Any) -> dict[str, Any]:
    """A config section with the ``.name``/``.type`` decoration of firmware 1.3.x."""
    return {".name": name, ".type": kind, **values}


def _image_common(style: str) -> dict[str, Any]:
    if style == "c200":
        values: dict[str, Any] = {
            "backlight": "off",
            "chroma": "50",
            "contrast": "50",
            "exp_gain": "0",
            "exp_type": "auto",
            "inf_delay": "5",
            "inf_end_time": "21600",
            "inf_sensitivity": "4",
            "inf_sensitivity_day2night": "57",
            "inf_sensitivity_night2day": "160",
            "inf_start_time": "64800",
            "inf_type": "auto",
            "light_freq_mode": "auto",
            "luma": "50",
            "saturation": "50",
            "sharpness": "50",
            "shutter": "1/25",
            "wb_B_gain": "0",
            "wb_G_gain": "0",
            "wb_R_gain": "0",
            "wb_type": "auto",
            "wd_gain": "50",
        }
        return values
    values = {
        "area_compensation": "default",
        "chroma": "50",
        "contrast": "50",
        "dehaze": "off",
        "exp_gain": "0",
        "exp_type": "auto",
        "focus_limited": "600",
        "focus_type": "semi_auto",
        "high_light_compensation": "off",
        "inf_delay": "5",
        "inf_end_time": "21600",
        "inf_sensitivity": "1",
        "inf_start_time": "64800",
        "inf_type": "auto",
        "light_freq_mode": "auto",
        "lock_source": "local",
        "luma": "50",
        "saturation": "50",
        "sharpness": "50",
        "shutter": "1/25",
        "smartir": "off",
        "smartir_level": "100",
        "wb_B_gain": "50",
        "wb_G_gain": "50",
        "wb_R_gain": "50",
        "wb_type": "auto",
        "wd_gain": "50",
        "wide_dynamic": "off",
    }
    for colour in ("blue_colton", "blue_gain", "gb_gain", "gr_gain", "green_colton"):
        values[f"lock_{colour}"] = "0"
    values["lock_red_colton"] = values["lock_red_gain"] = "0"
    if style == "c220":
        values.update(
            auto_exp_antiflicker="off",
            auto_exp_gain_max="0",
            inf_sensitivity_day2night="1400",
            inf_sensitivity_night2day="9100",
            wtl_sensitivity_day2night="1400",
            wtl_sensitivity_night2day="9100",
            backlight="off",
            eis="off",
            exp_level="0",
            iris_level="160",
            style="standard",
            smartwtl="auto_wtl",
            smartwtl_digital_level="50",
            smartwtl_level="3",
            wtl_delay="5",
            wtl_end_time="21600",
            wtl_sensitivity="4",
            wtl_start_time="64800",
            wtl_type="auto",
        )
    return values


def _image_switch(style: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "flip_type": "off",
        "ldc": "off",
        "rotate_type": "off",
        "schedule_end_time": "64800",
        "schedule_start_time": "21600",
        "switch_mode": "common",
    }
    if style != "c200":  # C200 hw 1-2 has no night-vision mode switch
        values.update(night_vision_mode="inf_night_vision", wtl_intensity_level="5")
    if style == "c220":
        values.update(
            best_view_distance="0",
            clear_licence_plate_mode="off",
            full_color_min_keep_time="30",
            full_color_people_enhance="off",
            image_scene_mode="normal",
            overexposure_people_suppression="off",
            **{f"image_scene_mode_{m}": "normal" for m in SCENES},
            wtl_force_time="300",
        )
    return values


def picture(profile: Profile) -> Tree:
    tree: Tree = {
        "image": {
            "common": sec("common", "para", **_image_common(profile.image_style)),
            "switch": sec("switch", "switch_type", **_image_switch(profile.image_style)),
        },
        "OSD": {
            "date": sec("date", "date", enabled="on", x_coor=0, y_coor=0),
            "week": sec("week", "week", enabled="off", x_coor=0, y_coor=0),
            "logo": sec("logo", "logo", enabled="off", x_coor=0, y_coor=9150),
            "font": sec(
                "font", "font", color="white", color_type="auto", display="ntnb", size="auto"
            ),
            "label_info": [
                {
                    "label_info_1": sec(
                        "label_info_1", "label", enabled="off", text="", x_coor=0, y_coor=500
                    )
                }
            ],
        },
        "led": {"config": sec("config", "led", enabled="on")},
        "lens_mask": {"lens_mask_info": sec("lens_mask_info", "lens_mask_info", enabled="off")},
        "cet": {
            "media_encrypt": sec("media_encrypt", "on_off", enabled="on"),
            "vhttpd": sec("vhttpd", "server", port="8800"),
        },
    }
    if "image_capability" in profile.modules:
        lamp = sec(
            "supplement_lamp",
            "capability",
            night_vision_mode_range=["inf_night_vision"],
            supplement_lamp_type=["infrared_lamp"],
        )
        tree["image_capability"] = {"supplement_lamp": lamp}
    return tree


def video(profile: Profile) -> Tree:
    main: dict[str, Any] = {
        "bitrate": profile.bitrates[-1],
        "bitrate_type": "vbr",
        "encode_type": profile.encode_types[0],
        "frame_rate": "65551",
        "gop_factor": "2",
        "name": "VideoEncoder_1",
        "quality": "3",
        "resolution": profile.resolutions[0 if profile.new_sdk else 1],
        "stream_type": "general",
    }
    capability: dict[str, Any] = {
        "bitrate_types": ["cbr", "vbr"],
        "bitrates": list(profile.bitrates),
        "encode_types": list(profile.encode_types),
        "frame_rates": ["65537", "65546", "65551"],
        "qualitys": ["1", "3", "5"],
        "resolutions": list(profile.resolutions),
    }
    if profile.image_style == "c200":  # the C200's older encoder settings
        del main["encode_type"], main["gop_factor"]
    if profile.new_sdk:
        del main["gop_factor"], main["stream_type"]
        main.update(default_bitrate=main["bitrate"], smart_codec="off", frame_rate="65561")
        capability.update(
            change_fps_support="1",
            minor_stream_support="1",
            frame_rates=["65551", "65556", "65561"],
        )
    return {
        "video": {"main": sec("main", "stream", **main)},
        "video_capability": {"main": sec("main", "capability", **capability)},
    }


def sound(profile: Profile) -> Tree:
    microphone: dict[str, Any] = {
        "channels": "1",
        "encode_type": "G711alaw",
        "mute": "off",
        "noise_cancelling": "on",
        "sampling_rate": "8",
        "volume": "100",
    }
    speaker: dict[str, Any] = {"volume": "100"}
    device_mic: dict[str, Any] = {
        "aec": "1",
        "channels": "1",
        "echo_cancelling": "0",
        "encode_type": ["G711alaw"],
        "half_duplex": "1",
        "mute": "1",
        "noise_cancelling": "1",
        "sampling_rate": ["8"],
        "volume": "1",
    }
    device_speaker: dict[str, Any] = {
        "channels": "1",
        "decode_type": ["G711"],
        "mute": "0",
        "sampling_rate": ["8"],
        "volume": "1",
    }
    if profile.image_style == "c200":  # no mute or noise cancelling on the C200
        microphone = {"bitrate": "128", "channels": "1", "encode_type": "G711",
                      "sampling_rate": "8", "volume": "100"}  # fmt: skip
        device_mic.update(encode_type=["G711"], mute="0", noise_cancelling="0")
    if profile.new_sdk:
        microphone.update(
            bitrate="64",
            echo_cancelling="off",
            factory_noise_cancelling="off",
            input_device_type="MicIn",
        )
        speaker.update(mute="off", output_device_type="SpeakerOut")
        device_speaker.update(decode_type=["G711alaw"], output_device_type="0", system_volume="80")
    return {
        "audio_config": {
            "microphone": sec("microphone", "audio_config", **microphone),
            "speaker": sec("speaker", "audio_config", **speaker),
        },
        "audio_capability": {
            "device_microphone": sec("device_microphone", "capability", **device_mic),
            "device_speaker": sec("device_speaker", "capability", **device_speaker),
        },
    }
