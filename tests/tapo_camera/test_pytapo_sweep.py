"""Witness: unmodified pytapo over every method that applies to a C200/C210.

Counted: the share of probes answered with the shape a real camera gives must
stay at or above 90%; the methods of devices a C200/C210 is not (battery,
floodlight, hub, dual-lens...) must be refused, as the real cameras refuse them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pytapo import Tapo

from tests.tapo_camera.conftest import options, pytapo_client, running
from tests.tapo_camera.pytapo_catalogue import NOT_APPLICABLE, Check, probes

# What a C200 lacks next to a C210 (python-kasa's C200 dump, Tapo Control's C200 2.0 dump).
C200_LACKS = {
    "getPersonDetection", "setPersonDetection", "getTamperDetection", "setTamperDetection",
    "getLinecrossingDetection", "setLinecrossingDetection", "getNightVisionModeConfig",
    "setNightVisionModeConfig", "getWhitelampConfig", "setWhitelampConfig",
}  # fmt: skip
REFUSED = ('"error_code": -40210', '"error_code": -40106', '"error_code": -40105',
           '"error_code": -40101')  # fmt: skip


def _run(client: Tapo, checks: dict[str, Check]) -> dict[str, str]:
    """Run every probe; the failures, each with its reason."""
    failures: dict[str, str] = {}
    for name, check in checks.items():
        try:
            if not check(client):
                failures[name] = "answered with the wrong shape"
        except Exception as exc:  # a refusal or a KeyError in pytapo's own parsing
            failures[name] = f"{type(exc).__name__}: {str(exc)[:120]}"
    return failures


@pytest.mark.parametrize("model", ["C210", "C200"])
async def test_pytapo_sweep_is_answered_with_real_shapes(model: str) -> None:
    checks = {n: c for n, c in probes().items() if model != "C200" or n not in C200_LACKS}
    async with running(options("secure", model=model)) as emu, pytapo_client(emu) as cam:
        failures = await asyncio.to_thread(_run, cam.client, checks)
    answered = len(checks) - len(failures)
    print(f"pytapo sweep, {model}: {answered}/{len(checks)} answered with the real shapes")
    for name, why in failures.items():
        print(f"  {name}: {why}")
    assert answered / len(checks) >= 0.9, failures


@pytest.mark.parametrize("login", ["legacy", "secure"])
async def test_methods_of_other_devices_are_refused(login: str) -> None:
    async with running(options(login, model="C210")) as emu, pytapo_client(emu) as cam:
        before = emu.camera.present(emu.camera.tree)

        def refusals() -> dict[str, str]:
            wrong: dict[str, str] = {}
            for name, call in NOT_APPLICABLE.items():
                try:
                    call(cam.client)
                except Exception as exc:
                    if not any(code in str(exc) for code in REFUSED):
                        wrong[name] = str(exc)[:120]
                else:
                    wrong[name] = "accepted"
            return wrong

        wrong = await asyncio.to_thread(refusals)
        assert wrong == {}
        assert emu.camera.present(emu.camera.tree) == before  # nothing was written


async def test_get_most_is_answered_in_full() -> None:
    """Home Assistant Tapo Control's one poll: every request gets its own answer."""
    async with running(options("secure", model="C210")) as emu, pytapo_client(emu) as cam:
        emu.add_detection("motion")
        most: dict[str, list[Any]] = await cam.call("getMost")
    answered = {name for name, results in most.items() if any(r is not False for r in results)}
    print(f"getMost, C210: {len(answered)} of {len(most)} methods answered")
    expected = {
        "getDeviceInfo", "getDetectionConfig", "getPersonDetectionConfig", "getBCDConfig",
        "getTamperDetectionConfig", "getLensMaskConfig", "getLdc", "getLastAlarmInfo",
        "getLedStatus", "getTargetTrackConfig", "getPresetConfig", "getFirmwareUpdateStatus",
        "getMediaEncrypt", "getConnectionType", "getLightFrequencyInfo",
        "getRotationStatus", "getNightVisionModeConfig", "getWhitelampStatus",
        "getWhitelampConfig", "getMsgPushConfig", "getSdCardStatus",
        "getCircularRecordingConfig", "getRecordPlan", "getAudioConfig",
        "getFirmwareAutoUpgradeConfig", "getVideoQualities", "getVideoCapability",
        "getTimezone", "getClockStatus", "getDstRule", "getLinecrossingDetectionConfig",
        "getReboot", "getDiagnoseMode", "getDeviceIpAddress",
    }  # fmt: skip
    assert expected <= answered
    # battery, hub, floodlight, chime, siren and dual-lens methods stay unanswered
    assert not answered & {
        "getBatteryStatus",
        "getFloodlightStatus",
        "getSirenStatus",
        "getChildDeviceList",
        "getDualCamLinkage",
        "getChimeRingPlan",
    }
    # pytapo asks getLastAlarmInfo for the alarm settings (python-kasa for the last alarm)
    alarm = most["getLastAlarmInfo"][0]["msg_alarm"]["chn1_msg_alarm_info"]
    assert {"alarm_type", "light_type", "alarm_mode", "enabled"} <= set(alarm)
