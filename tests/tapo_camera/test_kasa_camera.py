"""Witness: unmodified python-kasa 0.12 (Home Assistant's ``tplink`` camera path).

It logs in (legacy MD5 and secure encrypt_type 3 firmware, as ``admin`` or, like
Home Assistant, with the cloud e-mail), negotiates with ``getDeviceInfo``
(``basic_info`` + ``info``), ``getAppComponentList`` and ``getConnectionType``,
loads the smartcam modules the model's components call for, reads every feature
and drives the switches, the pan/tilt and the time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

import pytest
from kasa import (
    Credentials,
    Device,
    DeviceConfig,
    DeviceConnectionParameters,
    DeviceEncryptionType,
    DeviceFamily,
    DeviceType,
    Module,
)

from camhub.sim.tapo_camera import TapoCameraEmulator
from tests.tapo_camera.conftest import PASSWORD, options, running

# python-kasa's smartcam modules each model's components load (C210 fw 1.3.11 has
# no tamperDetection component, although it answers the tamper getter).
MODULES = {
    "C100": {"BabyCryDetection", "Camera", "LastAlertDetection", "Led", "LensMask",
             "MotionDetection", "PersonDetection", "Time", "devicemodule"},
    "C200": {"BabyCryDetection", "Camera", "LastAlertDetection", "Led", "LensMask",
             "MotionDetection", "PanTilt", "Time", "devicemodule"},
    "C210": {"BabyCryDetection", "Camera", "LastAlertDetection", "Led", "LensMask",
             "MotionDetection", "PanTilt", "PersonDetection", "Time", "devicemodule"},
    "C220": {"BabyCryDetection", "BarkDetection", "Camera", "GlassDetection",
             "LastAlertDetection", "Led", "LensMask", "LineCrossingDetection", "MeowDetection",
             "MotionDetection", "PanTilt", "PersonDetection", "PetDetection", "TamperDetection",
             "Time", "VehicleDetection", "devicemodule"},
}  # fmt: skip


@asynccontextmanager
async def kasa_camera(
    login: str, model: str = "C210", username: str = "admin", hash_name: str = "sha256"
) -> AsyncIterator[tuple[TapoCameraEmulator, Device]]:
    async with running(options(login, hash_name, model=model)) as emu:
        config = DeviceConfig(
            host="127.0.0.1",
            port_override=emu.port,
            credentials=Credentials(username, PASSWORD),
            connection_type=DeviceConnectionParameters(
                DeviceFamily.SmartIpCamera, DeviceEncryptionType.Aes, https=True, login_version=2
            ),
        )
        dev = await Device.connect(config=config)
        try:
            yield emu, dev
        finally:
            await dev.disconnect()


@pytest.mark.parametrize(
    ("login", "hash_name", "username"),
    [
        ("legacy", "md5", "admin"),
        ("secure", "sha256", "admin"),
        ("secure", "md5", "admin"),
        ("secure", "sha256", "someone@example.com"),  # Home Assistant passes the cloud e-mail
        ("legacy", "md5", "someone@example.com"),
    ],
)
async def test_kasa_connects_and_reads_every_feature(
    login: str, hash_name: str, username: str
) -> None:
    async with kasa_camera(login, "C210", username, hash_name) as (emu, dev):
        assert dev.device_type is DeviceType.Camera
        assert dev.model == "C210"
        assert dev.hw_info["sw_ver"] == emu.camera.firmware.version
        assert set(dev.modules) == MODULES["C210"]
        values = {fid: feature.value for fid, feature in dev.features.items()}
        assert values["state"] is True  # lens mask off
        assert values["led"] is True and values["motion_detection"] is True
        assert values["person_detection"] is True and values["baby_cry_detection"] is False
        assert (
            values["rssi"] == -39 and values["signal_level"] == "4"
        )  # a string, as cameras send it
        assert values["last_alert_type"] is None
        assert isinstance(values["device_time"], dt.datetime)
        assert emu.sim_state()["logins"] == 1


@pytest.mark.parametrize("model", sorted(MODULES))
async def test_kasa_modules_follow_the_models_components(model: str) -> None:
    async with kasa_camera("secure", model) as (_emu, dev):
        assert dev.model == model
        assert set(dev.modules) == MODULES[model]
        for feature in dev.features.values():
            feature.value  # noqa: B018 - every feature reads without an error


async def test_kasa_switches_change_the_camera() -> None:
    async with kasa_camera("secure", "C210") as (emu, dev):
        await dev.features["led"].set_value(False)
        await dev.features["state"].set_value(False)  # the camera "off" is privacy mode
        await dev.features["motion_detection"].set_value(False)
        await dev.features["baby_cry_detection"].set_value(True)
        await dev.update()
        assert emu.sim_state()["led"] is False and emu.sim_state()["privacy"] is True
        assert emu.sim_state()["motion_detection"] is False
        assert dev.features["baby_cry_detection"].value is True
        assert dev.is_on is False


async def test_kasa_pan_tilt_and_presets_move_the_motor() -> None:
    async with kasa_camera("legacy", "C210", hash_name="md5") as (emu, dev):
        start = emu.sim_state()
        await dev.features["tilt_up"].set_value(None)
        assert emu.sim_state()["tilt"] == start["tilt"] + 10
        pan_tilt = dev.modules[Module.PanTilt]
        await pan_tilt.save_preset("door")
        await dev.update()
        assert "door" in pan_tilt.presets
        await pan_tilt.move(pan=30, tilt=0)
        await pan_tilt.set_preset("door")
        assert (emu.sim_state()["pan"], emu.sim_state()["tilt"]) == (180, start["tilt"] + 10)


async def test_kasa_sets_the_time_zone() -> None:
    async with kasa_camera("secure", "C200") as (emu, dev):
        when = dt.datetime.now(ZoneInfo("America/New_York"))
        await dev.modules[Module.Time].set_time(when)
        await dev.update()
        assert dev.modules[Module.Time].timezone == ZoneInfo("America/New_York")
        basic = emu.camera.tree["system"]["basic"]
        assert basic["zone_id"] == "America/New_York" and basic["timezone"].startswith("UTC-0")
        rule = emu.camera.clock.dst()["dst_rule"]
        assert rule.startswith("DST+0") and ",M3.2.0/" in rule  # US rule, second Sunday of March


async def test_kasa_sees_the_last_alert() -> None:
    async with kasa_camera("secure", "C210") as (emu, dev):
        detection = emu.add_detection("motion")
        await dev.update()
        assert dev.features["last_alert_type"].value == "motion"
        stamp = dev.features["last_alert_timestamp"].value
        assert isinstance(stamp, dt.datetime) and int(stamp.timestamp()) == detection.start
