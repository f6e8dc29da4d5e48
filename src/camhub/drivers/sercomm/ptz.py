"""Pan/tilt of a Sercomm camera: moves, the position camhub keeps, and presets.

The camera moves by relative steps (``/pt/ptctrl.cgi?mv=R,10``) in the ``md_point``
units of seed 004 (pan -63..63, right positive; tilt -36..28, up positive) and never
tells where it is, so camhub keeps an *estimate*: it adds up its own moves, clamped
to those limits, and resets it on ``home`` (preset 103, ``PTZ.PredefineHome``). The
estimate is wrong after someone moves the camera elsewhere (its own web page, a
patrol) until the next ``home``.

Presets:

- ``100``..``104``: the camera's built-in moves (motion-detection point, patrol, pan
  sweep, home, calibration); they cannot be saved over or deleted;
- ``1``..``9``: positions saved in the PTZ group (``PresetNName`` and
  ``PresetNPosition``, the ones the patrol visits). ``save`` writes the estimated
  position into a free slot; ``goto`` goes home first (an absolute position), then
  moves by the difference, so it reaches the saved point whatever the estimate was.
"""

from __future__ import annotations

from camhub.capabilities import Direction, Preset, PtzState
from camhub.drivers.sercomm.protocol import SercommProtocol
from camhub.errors import Conflict, InvalidArgument, NotFound

PAN_LIMIT = (-63, 63)
TILT_LIMIT = (-36, 28)
MAX_TILT_STEP = 64
BUILT_IN: dict[str, str] = {
    "100": "Motion detection point",
    "101": "Patrol",
    "102": "Pan right, then left",
    "103": "Home",
    "104": "Calibration",
}
HOME_PRESET = 103
SLOTS = range(1, 10)
_STEPS: dict[str, tuple[str, int, int]] = {
    "left": ("L", -1, 0),
    "right": ("R", 1, 0),
    "up": ("U", 0, 1),
    "down": ("D", 0, -1),
}


def _clamp(value: int, limits: tuple[int, int]) -> int:
    return max(limits[0], min(limits[1], value))


def parse_point(text: str) -> tuple[int, int] | None:
    """``"x,y"`` as two integers, or None."""
    x, found, y = text.partition(",")
    if found and x.strip().lstrip("-").isdecimal() and y.strip().lstrip("-").isdecimal():
        return int(x), int(y)
    return None


class PanTilt:
    """Moves and presets over the camera's protocol; keeps the estimated position."""

    def __init__(self, protocol: SercommProtocol, step: int, device: str) -> None:
        self.protocol = protocol
        self.step_size = step
        self.device = device
        self.pan = 0
        self.tilt = 0
        self.home = (0, 0)

    def state(self) -> PtzState:
        return PtzState(pan=self.pan, tilt=self.tilt, can_zoom=False, estimated=True)

    async def read_home(self) -> None:
        """``PTZ.PredefineHome`` (admin only); (0, 0) when unreadable."""
        home = await self.protocol.get_group("PTZ", "PredefineHome")
        self.home = parse_point(home["PredefineHome"]) or (0, 0)

    # moves -----------------------------------------------------------------------
    async def step(self, direction: Direction) -> None:
        if direction not in _STEPS:
            raise InvalidArgument("this camera cannot zoom", ["direction: no zoom"])
        code, dx, dy = _STEPS[direction]
        distance = min(self.step_size, MAX_TILT_STEP) if dy else self.step_size
        await self.protocol.pt_move(code, distance)
        self._moved(dx * distance, dy * distance)

    async def move(self, pan: int, tilt: int) -> None:
        """Relative move in the camera's steps: pan > 0 right, tilt > 0 up."""
        if abs(tilt) > MAX_TILT_STEP:
            raise InvalidArgument(
                f"tilt: at most {MAX_TILT_STEP} steps up or down", [f"tilt: -64..{MAX_TILT_STEP}"]
            )
        if pan and tilt and abs(pan) == abs(tilt):  # one diagonal move
            diagonal = ("U" if tilt > 0 else "D") + ("R" if pan > 0 else "L")
            await self.protocol.pt_move(diagonal, abs(pan))
        else:
            if pan:
                await self.protocol.pt_move("R" if pan > 0 else "L", abs(pan))
            if tilt:
                await self.protocol.pt_move("U" if tilt > 0 else "D", abs(tilt))
        self._moved(pan, tilt)

    def _moved(self, pan: int, tilt: int) -> None:
        self.pan = _clamp(self.pan + pan, PAN_LIMIT)
        self.tilt = _clamp(self.tilt + tilt, TILT_LIMIT)

    async def go_home(self) -> None:
        await self.protocol.pt_preset(HOME_PRESET)
        self.pan, self.tilt = self.home

    # presets ---------------------------------------------------------------------
    async def _saved(self) -> dict[str, tuple[str, tuple[int, int]]]:
        """Saved slots: id -> (name, position)."""
        ptz = await self.protocol.get_group("PTZ")
        saved = {}
        for n in SLOTS:
            point = parse_point(ptz.get(f"Preset{n}Position", ""))
            if point is not None:
                saved[str(n)] = (ptz.get(f"Preset{n}Name", "") or f"Preset {n}", point)
        return saved

    async def presets(self, saved_too: bool) -> list[Preset]:
        """The built-in presets, then (``saved_too``: the account may read the PTZ
        group) the saved ones."""
        found = [Preset(id=k, name=v) for k, v in BUILT_IN.items()]
        if saved_too:
            found += [Preset(id=k, name=v[0]) for k, v in (await self._saved()).items()]
        return found

    async def goto(self, preset_id: str) -> None:
        if preset_id in BUILT_IN:
            await self.protocol.pt_preset(int(preset_id))
            if preset_id in ("103", "104"):  # both end at home
                self.pan, self.tilt = self.home
            return
        saved = await self._saved() if preset_id in map(str, SLOTS) else {}
        if preset_id not in saved:
            raise NotFound(f"{self.device} has no preset {preset_id!r}", device=self.device)
        x, y = saved[preset_id][1]
        await self.go_home()
        await self.move(x - self.pan, y - self.tilt)

    async def save(self, name: str) -> str:
        saved = await self._saved()
        free = next((str(n) for n in SLOTS if str(n) not in saved), None)
        if free is None:
            raise Conflict(f"{self.device}: all {len(SLOTS)} preset slots are used")
        await self.protocol.set_checked(
            "PTZ", {f"Preset{free}Name": name, f"Preset{free}Position": f"{self.pan},{self.tilt}"}
        )
        return free

    async def delete(self, preset_id: str) -> None:
        if preset_id in BUILT_IN:
            raise InvalidArgument(
                f"preset {preset_id} is built into the camera", ["preset_id: built in"]
            )
        if preset_id not in await self._saved():
            raise NotFound(f"{self.device} has no preset {preset_id!r}", device=self.device)
        await self.protocol.set_checked(
            "PTZ", {f"Preset{preset_id}Name": "", f"Preset{preset_id}Position": ""}
        )
