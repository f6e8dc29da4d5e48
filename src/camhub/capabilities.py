"""Capability names: what a device can do, independent of its vendor."""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    POWER = "power"
    BRIGHTNESS = "brightness"
    COLOR = "color"
    COLOR_TEMP = "color_temp"
    EFFECTS = "effects"
    ENERGY = "energy"
    CHILDREN = "children"
    PTZ = "ptz"
    PRESETS = "presets"
    SNAPSHOT = "snapshot"
    STREAM = "stream"
    AUDIO = "audio"
    PRIVACY = "privacy"
    LED = "led"
    LIGHT = "light"
    MOTION_DETECTION = "motion_detection"
    ARM = "arm"
    SETTINGS = "settings"
    EVENTS = "events"
    REBOOT = "reboot"
    RAW = "raw"
