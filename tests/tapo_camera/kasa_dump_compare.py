"""Compare the emulator with a camera dump recorded by python-kasa's ``dump_devinfo``.

    python -m tests.tapo_camera.kasa_dump_compare PATH/TO/C210_2.0_1.3.11.json C210

python-kasa's dumps are GPL files and stay outside this project: give the path of
one from a python-kasa checkout (``tests/fixtures/smartcam/``). The script sends
the dumper's requests to the emulator through unmodified pytapo and reports, for
each request the dump holds, whether the emulator answers with the same keys at
every level (values aside); and, for each request it does not hold, whether the
emulator refuses it too.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from pytapo import Tapo

from camhub.sim import SimOptions
from camhub.sim.tapo_camera import TapoCameraEmulator

# The requests python-kasa's dumper sends to a camera (method, params).
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("getAlertTypeList", {"msg_alarm": {"name": "alert_type"}}),
    ("getNightVisionCapability", {"image_capability": {"name": ["supplement_lamp"]}}),
    ("getDeviceInfo", {"device_info": {"name": ["basic_info"]}}),
    ("getDetectionConfig", {"motion_detection": {"name": ["motion_det"]}}),
    ("getPersonDetectionConfig", {"people_detection": {"name": ["detection"]}}),
    ("getVehicleDetectionConfig", {"vehicle_detection": {"name": ["detection"]}}),
    ("getBCDConfig", {"sound_detection": {"name": ["bcd"]}}),
    ("getPetDetectionConfig", {"pet_detection": {"name": ["detection"]}}),
    ("getBarkDetectionConfig", {"bark_detection": {"name": ["detection"]}}),
    ("getMeowDetectionConfig", {"meow_detection": {"name": ["detection"]}}),
    ("getGlassDetectionConfig", {"glass_detection": {"name": ["detection"]}}),
    ("getTamperDetectionConfig", {"tamper_detection": {"name": "tamper_det"}}),
    ("getLensMaskConfig", {"lens_mask": {"name": ["lens_mask_info"]}}),
    ("getLdc", {"image": {"name": ["switch", "common"]}}),
    ("getLastAlarmInfo", {"system": {"name": ["last_alarm_info"]}}),
    ("getLedStatus", {"led": {"name": ["config"]}}),
    ("getTargetTrackConfig", {"target_track": {"name": ["target_track_info"]}}),
    ("getPresetConfig", {"preset": {"name": ["preset"]}}),
    ("getFirmwareUpdateStatus", {"cloud_config": {"name": "upgrade_status"}}),
    ("getMediaEncrypt", {"cet": {"name": ["media_encrypt"]}}),
    ("getConnectionType", {"network": {"get_connection_type": []}}),
    (
        "getAlertConfig",
        {"msg_alarm": {"name": ["chn1_msg_alarm_info", "capability"], "table": ["usr_def_audio"]}},
    ),
    ("getAlertPlan", {"msg_alarm_plan": {"name": "chn1_msg_alarm_plan"}}),
    ("getSirenTypeList", {"siren": {}}),
    ("getSirenConfig", {"siren": {}}),
    ("getLightTypeList", {"msg_alarm": {}}),
    ("getSirenStatus", {"siren": {}}),
    ("getLightFrequencyInfo", {"image": {"name": "common"}}),
    ("getRotationStatus", {"image": {"name": ["switch"]}}),
    ("getNightVisionModeConfig", {"image": {"name": "switch"}}),
    ("getWhitelampStatus", {"image": {"get_wtl_status": ["null"]}}),
    ("getWhitelampConfig", {"image": {"name": "switch"}}),
    ("getMsgPushConfig", {"msg_push": {"name": ["chn1_msg_push_info"]}}),
    ("getSdCardStatus", {"harddisk_manage": {"table": ["hd_info"]}}),
    (
        "getLinecrossingDetectionConfig",
        {"linecrossing_detection": {"name": ["detection", "arming_schedule"]}},
    ),
    ("getCircularRecordingConfig", {"harddisk_manage": {"name": "harddisk"}}),
    ("getRecordPlan", {"record_plan": {"name": ["chn1_channel"]}}),
    ("getAudioConfig", {"audio_config": {"name": ["speaker", "microphone"]}}),
    ("getFirmwareAutoUpgradeConfig", {"auto_upgrade": {"name": ["common"]}}),
    ("getVideoQualities", {"video": {"name": ["main"]}}),
    ("getVideoCapability", {"video_capability": {"name": "main"}}),
    ("getTimezone", {"system": {"name": "basic"}}),
    ("getClockStatus", {"system": {"name": "clock_status"}}),
    ("getAppComponentList", {"app_component": {"name": "app_component_list"}}),
    ("getChildDeviceComponentList", {"childControl": {"start_index": 0}}),
    ("get", {"function": {"name": ["module_spec"]}}),
    ("get", {"cet": {"name": ["vhttpd"]}}),
    ("get", {"motor": {"name": ["capability"]}}),
    ("get", {"audio_capability": {"name": ["device_speaker", "device_microphone"]}}),
    ("get", {"audio_config": {"name": ["speaker", "microphone"]}}),
]


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value and isinstance(value[0], dict | list) else "list"
    return "leaf"


def differences(got: Any, want: Any, path: str = "") -> list[str]:
    if isinstance(got, dict) and isinstance(want, dict):
        out = [f"missing {path}/{k}" for k in want.keys() - got.keys()]
        out += [f"extra {path}/{k}" for k in got.keys() - want.keys()]
        for key in got.keys() & want.keys():
            out += differences(got[key], want[key], f"{path}/{key}")
        return out
    if isinstance(got, list) and isinstance(want, list):
        return differences(got[0], want[0], path + "[0]") if got and want else []
    return [] if got == want else [f"kind {path}"]


def compare(client: Tapo, dump: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    same = answered = recorded = refused = missing = 0
    for method, params in REQUESTS:
        key = method if method != "get" else f"get_{next(iter(params))}"
        try:
            if method == "get":
                got = client.performRequest({"method": "get", **params})
                got.pop("error_code", None)
            else:
                got = client.executeFunction(method, params)
        except Exception as exc:
            got, error = None, str(exc)[:80]
        if key not in dump:
            missing += 1
            refused += got is None
            if got is not None:
                lines.append(f"answered, the camera did not: {key}")
            continue
        recorded += 1
        if got is None:
            lines.append(f"refused, the camera answered: {key}: {error}")
            continue
        answered += 1
        want = dump[key]["get"] if method == "get" else dump[key]
        diff = differences(shape(got), shape(want))
        same += not diff
        if diff:
            lines.append(f"different keys: {key}: {diff[:5]}")
    lines.append(f"{answered}/{recorded} answered, {same} with the camera's keys")
    lines.append(f"{refused}/{missing} refused where the camera gave no answer")
    return lines


async def main(path: str, model: str) -> None:
    dump = json.loads(Path(path).read_text())
    opts = SimOptions(login="secure", password="pw", model=model, extra={"detection_period": 0})
    async with TapoCameraEmulator(opts) as emu:
        emu.add_detection("motion")

        def run() -> list[str]:
            client = Tapo("127.0.0.1", "admin", "pw", controlPort=emu.port)
            try:
                return compare(client, dump)
            finally:
                client.close()

        for line in await asyncio.to_thread(run):
            print(line)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
