"""The cameras a tinyCam server shows: identity, picture, PTZ position, light.

``ptzCapabilities`` is a bit mask tinyCam reports per camera. The public document
does not decode it; this emulator reads it as follows (its two sample values, 230911
and 32768, fit): bits 0-3 pan/tilt, bits 4-5 zoom, bits 6-7 focus, bit 8 iris,
bit 10 presets, bit 15 a controllable light (LED / IR).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from camhub.sim.video import Scene, VideoSource

PTZ_PAN_TILT = 0x000F
PTZ_ZOOM = 0x0030
PTZ_FOCUS = 0x00C0
PTZ_IRIS = 0x0100
PTZ_PRESETS = 0x0400
PTZ_LIGHT = 0x8000

PAN_RANGE = (-180.0, 180.0)
TILT_RANGE = (-90.0, 90.0)
ZOOM_RANGE = (0.0, 100.0)
PAN_TILT_DEG_PER_S = 60.0  # at speed 100
ZOOM_PER_S = 50.0  # zoom range units a second at speed 100

# L1:-<value> of lightcontrol.cgi
LIGHT_ACTIONS = {"L1:-100": "on", "L1:-0": "off", "L1:-50": "auto"}


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return max(bounds[0], min(bounds[1], value))


@dataclass
class SimCamera:
    id: int
    name: str
    ptz_capabilities: int = 0
    enabled: bool = True
    audio_listening: bool = True
    cloud_access: bool = False
    tags: list[str] = field(default_factory=list)
    scene: Scene = "bursts"
    video: VideoSource = field(init=False, repr=False)
    # Where the motor was at ``moved_at`` (monotonic seconds), and how fast it has been
    # moving since (pan, tilt, zoom speeds -100..100, the last ones asked for).
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    moved_at: float = field(default_factory=time.monotonic)
    velocity: tuple[int, int, int] = (0, 0, 0)
    focus: int = 0
    iris: int = 0
    presets: dict[int, tuple[float, float, float]] = field(default_factory=dict)
    light: str = "off"
    motion_detection: bool = True

    def __post_init__(self) -> None:
        self.video = VideoSource(
            width=640, height=360, fps=10, scene=self.scene, seed=self.id % 997
        )

    @property
    def has_pan_tilt(self) -> bool:
        return bool(self.ptz_capabilities & PTZ_PAN_TILT)

    def listing(self) -> dict[str, Any]:
        """One entry of ``get_cam_list``."""
        return {
            "name": self.name,
            "enabled": self.enabled,
            "id": self.id,
            "ptzCapabilities": self.ptz_capabilities,
            "audioListening": self.audio_listening,
            "cloudAccess": self.cloud_access,
        }

    # PTZ -------------------------------------------------------------------------
    # The position integrates the speed over time, as a real motor does: a move runs
    # until "0,0" (or the end of travel), so a move stopped at once barely moves.
    def _at(self, now: float) -> tuple[float, float, float]:
        dt = max(0.0, now - self.moved_at)
        vp, vt, vz = self.velocity
        p, t, z = self.origin
        return (
            _clamp(p + vp / 100 * PAN_TILT_DEG_PER_S * dt, PAN_RANGE),
            _clamp(t + vt / 100 * PAN_TILT_DEG_PER_S * dt, TILT_RANGE),
            _clamp(z + vz / 100 * ZOOM_PER_S * dt, ZOOM_RANGE),
        )

    def _set(self, position: tuple[float, float, float], velocity: tuple[int, int, int]) -> None:
        self.origin, self.velocity, self.moved_at = position, velocity, time.monotonic()

    @property
    def pan(self) -> float:
        return self._at(time.monotonic())[0]

    @property
    def tilt(self) -> float:
        return self._at(time.monotonic())[1]

    @property
    def zoom(self) -> float:
        return self._at(time.monotonic())[2]

    def continuous(self, pan: int | None, tilt: int | None, zoom: int | None) -> None:
        """Start (or change, or with 0 stop) a continuous move; speeds -100..100."""
        vp, vt, vz = self.velocity
        if pan is not None and tilt is not None:
            vp, vt = pan, tilt
        if zoom is not None:
            vz = zoom
        self._set(self._at(time.monotonic()), (vp, vt, vz))

    def home(self) -> None:
        self._set((0.0, 0.0, 0.0), (0, 0, 0))

    def save_preset(self, number: int) -> None:
        self.presets[number] = self._at(time.monotonic())

    def goto_preset(self, number: int) -> bool:
        pos = self.presets.get(number)
        if pos is None:
            return False
        self._set(pos, (0, 0, 0))
        return True

    def position(self) -> dict[str, Any]:
        pan, tilt, zoom = self._at(time.monotonic())
        return {
            "pan": pan,
            "tilt": tilt,
            "zoom": zoom,
            "moving": list(self.velocity),
            "presets": sorted(self.presets),
        }


def default_cameras(scene: Scene = "bursts") -> list[SimCamera]:
    """The two cameras of the document's example."""
    return [
        SimCamera(182399567, "Front yard", 230911, cloud_access=False, tags=["Home"], scene=scene),
        SimCamera(
            1455317736, "Doorbell", 32768, cloud_access=True, tags=["Home", "Office"], scene=scene
        ),
    ]


def cameras_from_options(spec: list[dict[str, Any]], scene: Scene) -> list[SimCamera]:
    """Cameras from ``opts.extra["cameras"]``: dicts with ``name`` and optionally
    ``id``, ``ptzCapabilities``, ``enabled``, ``audioListening``, ``cloudAccess``, ``tags``."""
    cams = []
    for i, item in enumerate(spec):
        cams.append(
            SimCamera(
                int(item.get("id", 1000 + i)),
                str(item["name"]),
                int(item.get("ptzCapabilities", 0)),
                enabled=bool(item.get("enabled", True)),
                audio_listening=bool(item.get("audioListening", True)),
                cloud_access=bool(item.get("cloudAccess", False)),
                tags=list(item.get("tags", [])),
                scene=item.get("scene", scene),
            )
        )
    return cams
