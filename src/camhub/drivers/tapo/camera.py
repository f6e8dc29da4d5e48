"""Tapo camera driver: the device layer (state and capability methods).

Layers: :mod:`.camera_transport` (the legacy, secure and TPAP logins, session,
encryption) -> :mod:`.camera_protocol` (multipleRequest, vendor errors) -> this
module, with :mod:`.camera_detection` (motion detector, detection log, event types),
:mod:`.camera_features` (night vision, SD card, firmware) and
:mod:`.camera_settings` (everything else, as one settings object).

Capabilities: ptz, presets, privacy, led, light (night vision), siren (the manual
alarm), motion_detection, storage (SD card), firmware, events, settings, reboot,
raw. ``connect()`` probes each optional one once, in one non-strict
multipleRequest, and keeps only those the firmware answers (a model without a
motor, lens mask or LED answers -40210 / -40106 / -40105 to the matching method);
``poll()`` then reads only what was declared, in one request, and reads the
detection log, emitting each detection once as its type.

The siren: the camera's manual alarm (``do msg_alarm manual_msg_alarm``) sounds for
the alarm's ``alarm_duration`` (0: until stopped). No getter tells whether it
sounds, so its state is what camhub last asked, ended by that duration or a restart.

The API logs in as ``admin`` with the Tapo cloud password (seed 000), so the
driver takes the cloud account; a ``username`` in the device's config wins.

Video: RTSP with the camera account when the config has one (``stream:``), else the
port-8800 stream with the cloud password (:mod:`.camera_media`); the packet hub
reads either as the camera's one upstream.
"""

from __future__ import annotations

import math
import time
from typing import Any

from camhub.capabilities import (
    Capability,
    DeviceState,
    Direction,
    LedState,
    LightState,
    MpegTsSource,
    Preset,
    PresetsState,
    PrivacyState,
    PtzState,
    RtspSource,
    SirenState,
    State,
    implemented,
)
from camhub.capabilities.firmware import FirmwareState
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext
from camhub.drivers.tapo.camera_detection import (
    DetectionLog,
    clock_seconds,
    motion_fields,
    motion_state,
    reported_types,
)
from camhub.drivers.tapo.camera_features import (
    FIRMWARE_CHECK,
    FIRMWARE_INFO,
    FIRMWARE_STATUS,
    SD_CARD,
    SD_FORMAT,
    firmware_state,
    has_night_vision,
    lamps_offered,
    light_modes,
    light_requests,
    light_state,
    storage_state,
)
from camhub.drivers.tapo.camera_media import Profile, media_source
from camhub.drivers.tapo.camera_options import StreamAccount, TapoCameraOptions
from camhub.drivers.tapo.camera_protocol import NOT_SUPPORTED_CODES, CameraProtocol, section
from camhub.drivers.tapo.camera_settings import CameraSettings, Tree
from camhub.drivers.tapo.camera_transport import CameraTransport, LoginMode
from camhub.errors import DeviceError, InvalidArgument, MalformedReply

C = Capability
# ptz_step direction -> movestep angle (0 is pytapo's "clockwise", i.e. right).
STEP_ANGLES: dict[str, int] = {"right": 0, "up": 90, "left": 180, "down": 270}
LOGIN_MODES: dict[str, LoginMode] = {
    "auto": "auto",
    "legacy": "legacy",
    "secure": "secure",
    "tpap": "tpap",
}
MODELS = frozenset({"C100", "C200", "C210", "C220", "C310", "C320WS", "C500", "C520WS"})

Request = tuple[str, dict[str, Any]]
# What the poll reads, by name; each optional capability needs some of them.
READS: dict[str, Request] = {
    "info": ("getDeviceInfo", {"device_info": {"name": ["basic_info"]}}),
    "presets": ("getPresetConfig", {"preset": {"name": ["preset"]}}),
    "mask": ("getLensMaskConfig", {"lens_mask": {"name": ["lens_mask_info"]}}),
    "led": ("getLedStatus", {"led": {"name": ["config"]}}),
    "motion": ("getDetectionConfig", {"motion_detection": {"name": ["motion_det"]}}),
    "clock": ("getClockStatus", {"system": {"name": "clock_status"}}),
    "image": ("getLdc", {"image": {"name": ["common", "switch"]}}),
    "alarm": ("getLastAlarmInfo", {"msg_alarm": {"name": ["chn1_msg_alarm_info"]}}),
    "sd": SD_CARD,
    "fw_status": FIRMWARE_STATUS,
    "fw_info": FIRMWARE_INFO,
}
NEEDS: dict[Capability, tuple[str, ...]] = {
    C.PTZ: ("presets",),
    C.PRESETS: ("presets",),
    C.PRIVACY: ("mask",),
    C.LED: ("led",),
    C.MOTION_DETECTION: ("motion",),
    C.EVENTS: ("clock",),
    C.LIGHT: ("image",),
    C.SIREN: ("alarm",),
    C.STORAGE: ("sd",),
    C.FIRMWARE: ("fw_status", "fw_info"),
}
Answers = dict[str, dict[str, Any]]


@register("tapo-camera")
class TapoCameraDevice(Device):
    kind = "tapo-camera"
    manufacturer = "TP-Link"
    poll_interval = 10.0
    cloud_account = True
    models = MODELS
    options_model = TapoCameraOptions

    def __init__(self, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(config, ctx)
        password = ctx.password or (config.password.get_secret_value() if config.password else "")
        self._cloud_password = password  # the API's login, and the port-8800 stream's
        self.transport = CameraTransport(
            ctx.http,
            host=config.host or "",
            port=config.port,
            username=config.username or "admin",
            password=password,
            login=LOGIN_MODES.get(config.login, "auto"),
            timeout=config.timeout,
            device=self.name,
        )
        self.protocol = CameraProtocol(self.transport, self.name)
        self.firmware = ""
        self.nickname = ""
        self.detections = DetectionLog(self.protocol, self.name, ctx.emit)
        self.settings = CameraSettings(self.protocol, self.name)
        self._light_modes: list[str] = ["auto", "ir"]
        self._lamp_choice = False  # the camera has more than the infrared lamp
        self._alarm_seconds = 0
        self._siren_until: float | None = None  # time.monotonic() deadline
        self._checked_on: str | None = None  # the firmware version last checked

    # lifecycle -------------------------------------------------------------------------
    async def connect(self) -> None:
        await self.transport.ensure_session()
        names = list(READS)
        found = await self.protocol.try_calls([READS[n] for n in names])
        answers: Answers = {}
        refused: set[str] = set()
        for name, answer in zip(names, found, strict=True):
            if isinstance(answer, DeviceError):
                if name == "info" or answer.code not in NOT_SUPPORTED_CODES:
                    raise answer
                refused.add(name)
            else:
                answers[name] = answer
        caps = set(implemented(type(self)))  # a reconnect probes everything again
        caps -= {cap for cap, needs in NEEDS.items() if refused.intersection(needs)}
        image = answers.get("image", {}).get("image")
        if not isinstance(image, dict) or not has_night_vision(image.get("common") or {}):
            caps.discard(C.LIGHT)  # a picture without the day/night switch
        self.capabilities = caps
        self._learn(await self.settings.read())
        self._states(answers)  # a malformed answer fails the connect now
        if C.EVENTS in caps:
            self.detections.start(clock_seconds(self.name, answers["clock"]))

    def _learn(self, tree: Tree) -> None:
        self.settings.learn(tree)
        lamps = lamps_offered(
            tree.get("image_capability", {}).get("supplement_lamp"),
            tree.get("image", {}).get("switch") or {},
        )
        self._light_modes = light_modes(lamps)
        self._lamp_choice = len(lamps) > 1

    async def close(self) -> None:
        self.transport.forget_session()

    # video ---------------------------------------------------------------------------
    @property
    def _account(self) -> StreamAccount | None:
        opts = self.ctx.options
        return opts.stream if isinstance(opts, TapoCameraOptions) else None

    def _video(self, profile: Profile) -> RtspSource | MpegTsSource:
        """RTSP with the camera account when there is one, else the port-8800 stream
        with the cloud password (the same single upstream either way)."""
        account = self._account
        if account is not None:
            path = "stream1" if profile == "main" else "stream2"
            url = f"rtsp://{self.config.host}:{account.rtsp_port}/{path}"
            return RtspSource(url, account.username, account.password.get_secret_value())
        opts = self.ctx.options
        port = opts.video_port if isinstance(opts, TapoCameraOptions) else 8800
        return media_source(self.config.host or "", port, self._cloud_password,
                            profile=profile, device=self.name)  # fmt: skip

    async def stream_source(self) -> RtspSource | MpegTsSource:
        """``stream1`` (``HD`` on port 8800): the main stream."""
        return self._video("main")

    async def substream_source(self) -> RtspSource | MpegTsSource:
        """``stream2`` (``VGA``): 640x360, for decoding (motion detection, small pictures)."""
        return self._video("sub")

    async def poll(self) -> DeviceState:
        names = ["info", *dict.fromkeys(n for c in self.capabilities for n in NEEDS.get(c, ()))]
        sent = time.time()
        results = await self.protocol.calls([READS[n] for n in names])
        received = time.time()
        answers = dict(zip(names, results, strict=True))
        states, vendor = self._states(answers)
        if C.EVENTS in self.capabilities:
            await self.detections.read(clock_seconds(self.name, answers["clock"]), sent, received)
        return DeviceState.of(*states, vendor=vendor)

    def _states(self, answers: Answers) -> tuple[list[State], dict[str, Any]]:
        """Typed states (and vendor extras) of the declared capabilities."""
        basic = section(answers["info"], ("device_info", "basic_info"), self.name)
        self.model = str(basic.get("device_model") or self.model)
        version = str(basic.get("sw_version", ""))
        if self.firmware and version != self.firmware:
            self._siren_until = None  # a new firmware: the camera restarted
        self.firmware, self.nickname = version, str(basic.get("device_alias", ""))
        vendor: dict[str, Any] = {
            "model": self.model,
            "firmware": self.firmware,
            "nickname": self.nickname,
            "login": self.transport.mode,
        }
        caps = self.capabilities
        states: list[State] = []
        if C.PRESETS in caps or C.PTZ in caps:
            states.append(PresetsState(presets=self._presets(answers["presets"])))
        if C.PTZ in caps:
            states.append(PtzState(can_zoom=False))  # the camera tells no position
        if C.PRIVACY in caps:
            info = section(answers["mask"], ("lens_mask", "lens_mask_info"), self.name)
            states.append(PrivacyState(on=info.get("enabled") == "on"))
        if C.LED in caps:
            led = section(answers["led"], ("led", "config"), self.name)
            states.append(LedState(on=led.get("enabled") == "on"))
        if C.MOTION_DETECTION in caps:
            states.append(motion_state(self.name, answers["motion"]))
        if C.LIGHT in caps:
            common = section(answers["image"], ("image", "common"), self.name)
            switch = section(answers["image"], ("image", "switch"), self.name)
            states.append(light_state(common, switch, self._light_modes))
        if C.SIREN in caps:
            alarm = section(answers["alarm"], ("msg_alarm", "chn1_msg_alarm_info"), self.name)
            seconds = str(alarm.get("alarm_duration", "0"))
            self._alarm_seconds = int(seconds) if seconds.isdecimal() and len(seconds) < 7 else 0
            states.append(SirenState(on=self._siren_on()))
        if C.STORAGE in caps:
            storage, vendor["sd_status"] = storage_state(self.name, answers["sd"])
            states.append(storage)
        if C.FIRMWARE in caps:
            states.append(self._firmware_state(answers["fw_status"], answers["fw_info"]))
        return states, vendor

    def _firmware_state(self, status: dict[str, Any], info: dict[str, Any]) -> FirmwareState:
        return firmware_state(self.name, self.firmware, status, info, self._checked_on)

    def event_types(self) -> frozenset[str]:
        return reported_types(self.settings.modules)

    # ptz ---------------------------------------------------------------------------
    async def ptz_step(self, direction: Direction) -> None:
        if direction not in STEP_ANGLES:
            raise InvalidArgument(
                f"direction must be one of {', '.join(STEP_ANGLES)} (this camera cannot zoom)",
                errors=[f"direction: one of {', '.join(STEP_ANGLES)}"],
            )
        angle = str(STEP_ANGLES[direction])
        await self.protocol.call("relativeMove", {"motor": {"movestep": {"direction": angle}}})

    async def ptz_move(self, pan: int, tilt: int, zoom: int) -> None:
        """Relative move in degrees-like motor units: pan > 0 right, tilt > 0 up."""
        if zoom:
            raise InvalidArgument("this camera cannot zoom", errors=["zoom: not supported"])
        move = {"x_coord": str(int(pan)), "y_coord": str(int(tilt))}
        await self.protocol.call("motorMove", {"motor": {"move": move}})

    async def ptz_home(self) -> None:
        await self.protocol.call("manualCalibrate", {"motor": {"manual_cali": ""}})

    async def ptz_stop(self) -> None:
        await self.protocol.call("cruiseStop", {"motor": {"cruise_stop": {}}})

    # presets -----------------------------------------------------------------------
    async def list_presets(self) -> list[Preset]:
        presets: list[Preset] = self._presets(await self.protocol.call(*READS["presets"]))
        return presets

    def _presets(self, data: dict[str, Any]) -> list[Preset]:
        table = section(data, ("preset", "preset"), self.name)
        ids, names = table.get("id", []), table.get("name", [])
        if not isinstance(ids, list) or not isinstance(names, list) or len(ids) != len(names):
            raise MalformedReply(self.name, "preset ids and names differ in length")
        return [Preset(id=str(i), name=str(n)) for i, n in zip(ids, names, strict=True)]

    async def save_preset(self, name: str) -> str:
        if not name.strip():
            raise InvalidArgument("preset name must not be empty", errors=["name: empty"])
        before = {p.id for p in await self.list_presets()}
        await self.protocol.call(
            "addMotorPostion", {"preset": {"set_preset": {"name": name, "save_ptz": "1"}}}
        )
        new = [p.id for p in await self.list_presets() if p.id not in before]
        if not new:
            raise DeviceError(f"{self.name}: the preset was not saved", device=self.name)
        return new[-1]

    async def goto_preset(self, preset_id: str) -> None:
        goto = {"id": str(preset_id)}
        await self.protocol.call("motorMoveToPreset", {"preset": {"goto_preset": goto}})

    async def delete_preset(self, preset_id: str) -> None:
        remove = {"id": [str(preset_id)]}
        await self.protocol.call("deletePreset", {"preset": {"remove_preset": remove}})

    # switches and detection ----------------------------------------------------------
    async def set_privacy(self, on: bool) -> None:
        info = {"enabled": "on" if on else "off"}
        await self.protocol.call("setLensMaskConfig", {"lens_mask": {"lens_mask_info": info}})

    async def set_led(self, on: bool) -> None:
        config = {"enabled": "on" if on else "off"}
        await self.protocol.call("setLedStatus", {"led": {"config": config}})

    async def set_motion_detection(self, enabled: bool | None, sensitivity: int | None) -> None:
        """Sensitivity in percent (1-100), mapped to the camera's three levels."""
        if sensitivity is not None and not 1 <= sensitivity <= 100:
            raise InvalidArgument(
                "sensitivity must be 1..100", errors=["sensitivity: an integer from 1 to 100"]
            )
        fields = motion_fields(enabled, sensitivity)
        if fields:
            await self.protocol.call(
                "setDetectionConfig", {"motion_detection": {"motion_det": fields}}
            )

    # night vision and the alarm ------------------------------------------------------
    async def set_light(self, on: bool, mode: str | None) -> None:
        """Night vision: off holds the camera in day mode; ``auto`` lets it switch at
        dusk; ``ir`` (``white``) holds it in night mode on that lamp."""
        if mode is not None and mode not in self._light_modes:
            modes = ", ".join(self._light_modes)
            raise InvalidArgument(f"light mode must be one of: {modes}", ["mode: unknown mode"])
        if on and mode is None:
            current = self.state.get(LightState)
            mode = current.mode if current is not None and current.on else None
        await self.protocol.calls(light_requests(on, mode or "auto", self._lamp_choice))

    def _siren_on(self) -> bool:
        return self._siren_until is not None and time.monotonic() < self._siren_until

    async def set_siren(self, on: bool) -> None:
        action = {"action": "start" if on else "stop"}
        await self.protocol.send({"method": "do", "msg_alarm": {"manual_msg_alarm": action}})
        if not on:
            self._siren_until = None
        elif self._alarm_seconds > 0:
            self._siren_until = time.monotonic() + self._alarm_seconds
        else:
            self._siren_until = math.inf

    # SD card and firmware ----------------------------------------------------------
    async def format_storage(self) -> None:
        await self.protocol.call(*SD_FORMAT)

    async def check_firmware(self) -> FirmwareState:
        """Ask the camera to ask the cloud, then read what it learnt."""
        _, status, info = await self.protocol.calls(
            [FIRMWARE_CHECK, FIRMWARE_STATUS, FIRMWARE_INFO]
        )
        self._checked_on = self.firmware
        return self._firmware_state(status, info)

    async def update_firmware(self) -> None:
        """Start the download; the camera installs it and restarts on it."""
        await self.protocol.send({"method": "do", "cloud_config": {"fw_download": "null"}})

    # settings ------------------------------------------------------------------------
    async def get_settings(self) -> dict[str, Any]:
        values = self.settings.values(await self.settings.read())
        return {key: values[key] for key in self.settings.keys if key in values}

    async def update_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        await self.settings.update(changes)
        return await self.get_settings()

    def settings_schema(self) -> dict[str, Any]:
        return self.settings.schema()

    # system ------------------------------------------------------------------------
    async def reboot(self) -> None:
        await self.protocol.call("rebootDevice", {"system": {"reboot": "null"}})
        self._siren_until = None
        await self.transport.end_session()

    async def raw(self, request: Any) -> Any:
        """A list of ``{"method", "params"}`` is sent as one multipleRequest and the
        responses come back as a list; a dict is sent as it is (get/set/do or
        multipleRequest) and the camera's whole answer comes back."""
        if isinstance(request, list):
            if not all(isinstance(r, dict) and isinstance(r.get("method"), str) for r in request):
                raise InvalidArgument("each request needs a method")
            return await self.protocol.multiple(request)
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            raise InvalidArgument("a raw request is an object with a method, or a list of them")
        if request["method"] not in ("multipleRequest", "get", "set", "do"):
            return (await self.protocol.multiple([request]))[0]
        return await self.protocol.send(request)
