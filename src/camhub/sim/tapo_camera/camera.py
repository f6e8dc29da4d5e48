"""One emulated Tapo camera: its model's module tree and everything that moves in it.

The request shapes and error codes are in :mod:`.dispatch`; what each model has in
:mod:`.profiles` and the ``data_*`` modules. This class wires the state that
changes on its own or through actions: the clock and time zone, the motor and
presets, the detection log and last alarm, the SD card and recordings, the
firmware upgrade, the manual alarm, privacy mode and reboots.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable
from typing import Any

from camhub.sim.tapo_camera import data_av, data_detect, data_system
from camhub.sim.tapo_camera.clock import Clock
from camhub.sim.tapo_camera.codes import CameraCode, CameraFault
from camhub.sim.tapo_camera.dispatch import Dispatcher, Tree
from camhub.sim.tapo_camera.firmware import Firmware
from camhub.sim.tapo_camera.motion import DetectionLog
from camhub.sim.tapo_camera.playback import Playback, as_dict
from camhub.sim.tapo_camera.profiles import Profile, profile_for
from camhub.sim.tapo_camera.ptz import Ptz
from camhub.sim.tapo_camera.storage import SdCard

# alarm_type of the detection log -> last_alarm_type
LAST_ALARM_TYPES = {"person": "people"}


def build_tree(profile: Profile, host: str) -> Tree:
    tree: Tree = {}
    for part in (
        data_system.identity(profile, host),
        data_system.settings(profile),
        data_av.picture(profile),
        data_av.video(profile),
        data_av.sound(profile),
        data_detect.detections(profile),
        data_detect.tracking(profile),
        data_detect.alerts(profile),
    ):
        tree.update(part)
    for module in profile.modules:  # modules with only dynamic sections or actions
        tree.setdefault(module, {})
    return tree


class TapoCamera(Dispatcher):
    """State and API of one camera; transport-agnostic."""

    def __init__(
        self,
        model: str,
        *,
        detection_period: float = 20.0,
        on_reboot: Callable[[], None] = lambda: None,
        without: frozenset[str] = frozenset(),
        host: str = "127.0.0.1",
        sd_card: bool = True,
        format_seconds: float = 2.0,
        firmware_update: str | None = None,
        upgrade_seconds: float = 4.0,
    ) -> None:
        self.profile = profile_for(model)
        super().__init__(build_tree(self.profile, host), dot_meta=self.profile.dot_meta)
        # Firmware without a module (no LED, no lens mask...) refuses its methods.
        for module in without:
            self.tree.pop(module, None)
        self.model = self.profile.model
        normalized = self.profile.motor_style == "normalized"
        self.ptz_unit = Ptz(lambda: self.privacy, normalized, self.profile.new_sdk)
        self.detections = DetectionLog(detection_period)
        self.card = SdCard(present=sd_card, format_seconds=format_seconds)
        self.playback = Playback(self.detections, self.card)
        self.clock = Clock(self.tree["system"]["basic"])
        self.firmware = Firmware(
            self.profile.sw_version, firmware_update, upgrade_seconds, self._installed
        )
        self.reboots = 0
        self.alarm_until = 0.0
        self._on_reboot = on_reboot
        self._wire()

    @property
    def ptz(self) -> bool:
        return "motor" in self.tree

    @property
    def motor(self) -> Any:
        return self.ptz_unit.motor

    @property
    def presets(self) -> Any:
        return self.ptz_unit.presets

    @property
    def user_id(self) -> int:
        return self.playback.user_id

    # state shortcuts -------------------------------------------------------------
    @property
    def privacy(self) -> bool:
        mask = self.tree.get("lens_mask", {}).get("lens_mask_info", {})
        return bool(mask.get("enabled") == "on")

    @property
    def led(self) -> bool | None:
        if "led" not in self.tree:
            return None
        return bool(self.tree["led"]["config"]["enabled"] == "on")

    @property
    def alarm_active(self) -> bool:
        return time.time() < self.alarm_until

    def before_request(self) -> None:
        self.firmware.tick()

    # wiring ------------------------------------------------------------------------
    def _wire(self) -> None:
        dynamic: dict[tuple[str, str], Callable[[], Any]] = {
            ("system", "clock_status"): self.clock.status,
            ("system", "dst"): self.clock.dst,
            ("system", "last_alarm_info"): self._last_alarm,
            ("harddisk_manage", "hd_info"): self._hd_info,
            ("cloud_config", "upgrade_status"): self.firmware.upgrade_status,
            ("cloud_config", "upgrade_info"): self.firmware.upgrade_info,
            ("preset", "preset"): self.ptz_unit.preset_config,
        }
        actions: dict[tuple[str, str], Callable[[Any], dict[str, Any]]] = {
            ("system", "reboot"): self._reboot,
            ("system", "get_user_id"): self.playback.get_user_id,
            ("system", "check_diagnose_status"): self._diagnose,
            ("playback", "search_detection_list"): self.playback.search_detections,
            ("playback", "search_year_utility"): self.playback.search_days,
            ("playback", "search_video_utility"): self.playback.search_day,
            ("playback", "search_video_with_utc"): self.playback.search_utc,
            ("msg_alarm", "manual_msg_alarm"): self._manual_alarm,
            ("harddisk_manage", "format_hd"): self._format,
            ("cloud_config", "check_fw_version"): lambda _v: self.firmware.check(),
            ("cloud_config", "fw_download"): lambda _v: self.firmware.download(),
            ("network", "get_connection_type"): self._connection,
            ("image", "get_wtl_status"): lambda _v: {"rest_time": 0, "status": 0},
            ("onboarding", "get_connect_status"): self._connect_status,
            **self.ptz_unit.handlers(),
        }
        if self._usr_def_audio():
            actions[("msg_alarm", "test_usr_def_audio")] = self._test_audio
        # only what the model's tree has
        self.dynamic = {key: fn for key, fn in dynamic.items() if key[0] in self.tree}
        self.actions = {key: fn for key, fn in actions.items() if key[0] in self.tree}
        self.checks[("system", "basic")] = Clock.check
        self.after_set[("system", "sys")] = self._alias_set
        self.after_set[("lens_mask", "lens_mask_info")] = self._privacy_set
        lamp = self.tree.get("image_capability", {}).get("supplement_lamp", {})
        self.choices["night_vision_mode"] = frozenset(
            lamp.get("night_vision_mode_range", ["inf_night_vision"])
        )

    def _usr_def_audio(self) -> bool:
        capability = self.tree.get("msg_alarm", {}).get("capability", {})
        return bool(capability.get("usr_def_audio_alarm_support") == "1")

    # dynamic sections --------------------------------------------------------------
    def _last_alarm(self) -> dict[str, Any]:
        now = int(time.time())
        found = self.detections.between(now - 30 * 86400, now)
        if not found:
            none = "" if self.dot_meta else "0"
            return {"last_alarm_time": none, "last_alarm_type": ""}
        last = found[-1]
        kind = LAST_ALARM_TYPES.get(last.kind, last.kind)
        return {"last_alarm_time": str(last.start), "last_alarm_type": kind}

    def _hd_info(self) -> list[dict[str, Any]]:
        harddisk = self.tree["harddisk_manage"].get("harddisk", {})
        return self.card.hd_info(harddisk.get("loop") == "on", self.profile.new_sdk)

    # actions -----------------------------------------------------------------------
    def _reboot(self, _value: Any = None) -> dict[str, Any]:
        self.reboots += 1
        self.motor.home()
        self.alarm_until = 0.0
        self._on_reboot()
        return {}

    def _installed(self, version: str) -> None:
        self.tree["device_info"]["basic_info"]["sw_version"] = version
        self._reboot()

    def _format(self, value: Any) -> dict[str, Any]:
        if str(value) != "1":
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
        self.card.format()
        return {}

    def _manual_alarm(self, value: Any) -> dict[str, Any]:
        action = as_dict(value).get("action")
        if action == "start":
            # alarm_duration 0: until stopped (the app's manual alarm button toggles)
            info = self.tree["msg_alarm"]["chn1_msg_alarm_info"]
            seconds = int(info.get("alarm_duration", "0") or 0)
            self.alarm_until = time.time() + seconds if seconds else math.inf
        elif action == "stop":
            self.alarm_until = 0.0
        else:
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
        return {}

    def _test_audio(self, value: Any) -> dict[str, Any]:
        args = as_dict(value)
        if args.get("action") == "stop":
            self.alarm_until = 0.0
        elif "id" in args:
            self.alarm_until = time.time() + 3
        else:
            raise CameraFault(CameraCode.GET_PARAM_NOT_EXIST)
        return {}

    def _connection(self, _value: Any) -> dict[str, Any]:
        ssid = base64.b64encode(b"camhub-sim").decode()
        return {"link_type": "wifi", "rssi": "4", "rssiValue": -39, "ssid": ssid}

    def _connect_status(self, _value: Any) -> dict[str, Any]:
        return {"onboarding": {"get_connect_status": {"status": 0}}}

    def _diagnose(self, _value: Any) -> dict[str, Any]:
        return {"system": {"check_diagnose_status": {"status": "idle"}}}

    # set hooks ---------------------------------------------------------------------
    def _alias_set(self, updates: dict[str, Any]) -> None:
        if "dev_alias" in updates:
            self.tree["device_info"]["basic_info"]["device_alias"] = updates["dev_alias"]

    def _privacy_set(self, updates: dict[str, Any]) -> None:
        if updates.get("enabled") == "on":
            self.motor.cruising = None
