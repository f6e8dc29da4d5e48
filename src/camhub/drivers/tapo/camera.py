"""Tapo camera driver: the device layer (state and capability methods).

Layers: :mod:`.camera_transport` (login, session, encryption) ->
:mod:`.camera_protocol` (multipleRequest, vendor errors) -> this module, with
:mod:`.camera_detection` (motion detector settings, detection log).

Capabilities: ptz, presets, privacy, led, motion_detection, events, reboot, raw.
``connect()`` probes each optional one once, in one non-strict multipleRequest,
and keeps only those the firmware answers (a model without a motor, lens mask or
LED answers -40210 / -40106 / -40105 to the matching method); ``poll()`` then
reads only what was declared, in one request, and reads the detection log,
emitting each detection once.

The API logs in as ``admin`` with the Tapo cloud password (seed 000), so the
driver takes the cloud account; a ``username`` in the device's config wins.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from camhub.capabilities import (
    Capability,
    DeviceState,
    Direction,
    LedState,
    Preset,
    PresetsState,
    PrivacyState,
    PtzState,
    State,
    implemented,
)
from camhub.config import DeviceConfig
from camhub.drivers import register
from camhub.drivers.base import Device, DeviceContext
from camhub.drivers.tapo.camera_detection import (
    REPORTED_TYPES,
    DetectionLog,
    clock_seconds,
    motion_fields,
    motion_state,
)
from camhub.drivers.tapo.camera_options import TapoCameraOptions
from camhub.drivers.tapo.camera_protocol import NOT_SUPPORTED_CODES, Batch, CameraProtocol, section
from camhub.drivers.tapo.camera_transport import CameraTransport, LoginMode
from camhub.errors import ConfigError, DeviceError, InvalidArgument, MalformedReply

C = Capability
# ptz_step direction -> movestep angle (0 is pytapo's "clockwise", i.e. right).
STEP_ANGLES: dict[str, int] = {"right": 0, "up": 90, "left": 180, "down": 270}
LOGIN_MODES: dict[str, LoginMode] = {"auto": "auto", "legacy": "legacy", "secure": "secure"}
MODELS = frozenset({"C100", "C200", "C210", "C220", "C310", "C320WS", "C500", "C520WS"})

DEVICE_INFO = ("getDeviceInfo", {"device_info": {"name": ["basic_info"]}})
CLOCK = ("getClockStatus", {"system": {"name": "clock_status"}})
PRESETS = ("getPresetConfig", {"preset": {"name": ["preset"]}})
LENS_MASK = ("getLensMaskConfig", {"lens_mask": {"name": ["lens_mask_info"]}})
LED = ("getLedStatus", {"led": {"name": ["config"]}})
MOTION = ("getDetectionConfig", {"motion_detection": {"name": ["motion_det"]}})

Request = tuple[str, dict[str, Any]]
Parser = Callable[[dict[str, Any]], Any]


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

    @classmethod
    def check_config(cls, config: DeviceConfig) -> None:
        if config.login not in LOGIN_MODES:
            raise ConfigError(
                [f"devices.{config.name}.login: one of {', '.join(LOGIN_MODES)} for a Tapo camera"]
            )

    # what each optional capability is probed and polled with ---------------------------
    def _reads(self) -> list[tuple[frozenset[Capability], Request, Parser]]:
        """Optional capabilities -> (the request that shows and reads them, its parser:
        a typed state, or for events the camera's clock)."""
        return [
            (frozenset({C.PTZ, C.PRESETS}), PRESETS, self._presets_state),
            (frozenset({C.PRIVACY}), LENS_MASK, self._privacy_state),
            (frozenset({C.LED}), LED, self._led_state),
            (frozenset({C.MOTION_DETECTION}), MOTION, self._motion_state),
            (frozenset({C.EVENTS}), CLOCK, self._clock_seconds),
        ]

    # lifecycle -------------------------------------------------------------------------
    async def connect(self) -> None:
        await self.transport.ensure_session()
        reads = self._reads()
        batch: Batch = [DEVICE_INFO, *(request for _, request, _ in reads)]
        info, *answers = await self.protocol.try_calls(batch)
        if isinstance(info, DeviceError):
            raise info
        basic = section(info, ("device_info", "basic_info"), self.name)
        self.model = str(basic.get("device_model") or self.model)
        self.firmware = str(basic.get("sw_version", ""))
        self.nickname = str(basic.get("device_alias", ""))
        caps = set(implemented(type(self)))  # a reconnect probes everything again
        clock: int | None = None
        for (provides, _, parse), answer in zip(reads, answers, strict=True):
            if isinstance(answer, DeviceError):
                if answer.code not in NOT_SUPPORTED_CODES:
                    raise answer
                caps -= provides
                continue
            value = parse(answer)  # a malformed answer fails the connect now
            if provides == {C.EVENTS}:
                clock = value
        self.capabilities = caps
        if clock is not None:
            self.detections.start(clock)

    async def close(self) -> None:
        self.transport.forget_session()

    async def poll(self) -> DeviceState:
        reads = [
            (provides, request, parse)
            for provides, request, parse in self._reads()
            if provides & self.capabilities
        ]
        sent = time.time()
        results = await self.protocol.calls([request for _, request, _ in reads]) if reads else []
        received = time.time()
        states: list[State] = []
        for (_, _, parse), result in zip(reads, results, strict=True):
            value = parse(result)
            if isinstance(value, State):
                states.append(value)
            else:  # the camera's clock: read the detection log up to it
                await self.detections.read(value, sent, received)
        if C.PTZ in self.capabilities:
            states.append(PtzState(can_zoom=False))  # the camera tells no position
        vendor = {"model": self.model, "firmware": self.firmware, "nickname": self.nickname}
        return DeviceState.of(*states, vendor=vendor)

    def _presets_state(self, data: dict[str, Any]) -> PresetsState:
        return PresetsState(presets=self._presets(data))

    def _privacy_state(self, data: dict[str, Any]) -> PrivacyState:
        info = section(data, ("lens_mask", "lens_mask_info"), self.name)
        return PrivacyState(on=info.get("enabled") == "on")

    def _led_state(self, data: dict[str, Any]) -> LedState:
        return LedState(on=section(data, ("led", "config"), self.name).get("enabled") == "on")

    def _motion_state(self, data: dict[str, Any]) -> State:
        return motion_state(self.name, data)

    def _clock_seconds(self, data: dict[str, Any]) -> int:
        return clock_seconds(self.name, data)

    def event_types(self) -> frozenset[str]:
        return REPORTED_TYPES

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
        presets: list[Preset] = self._presets(await self.protocol.call(*PRESETS))
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

    # system ------------------------------------------------------------------------
    async def reboot(self) -> None:
        await self.protocol.call("rebootDevice", {"system": {"reboot": "null"}})
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
