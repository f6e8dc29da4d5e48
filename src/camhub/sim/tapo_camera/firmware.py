"""Firmware update: the cloud check, the download and the upgrade that reboots.

``cloud_config.upgrade_status`` is ``{"lastUpgradingSuccess", "state"}`` with state
``normal`` when idle (what Home Assistant Tapo Control waits for after an
install). ``checkFirmwareVersionByCloud`` (``do cloud_config check_fw_version``)
asks the cloud; afterwards ``upgrade_info`` carries ``version``, ``release_log``...
when a newer firmware exists (the emulator offers one when started with
``extra["firmware_update"]``). ``do cloud_config fw_download`` starts it: the
state goes ``downloading`` then ``upgrading``, then the camera reboots on the new
version. With nothing to install, ``fw_download`` is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from camhub.sim.tapo_camera.codes import CameraCode, CameraFault


class Firmware:
    def __init__(
        self,
        version: str,
        offered: str | None,
        seconds: float,
        on_installed: Callable[[str], None],
    ) -> None:
        self.version = version
        self.offered = offered
        self.seconds = float(seconds)
        self.checked = False
        self.started: float | None = None
        self.last_success = True
        self._on_installed = on_installed

    def tick(self) -> None:
        """Finish an upgrade whose time has come (the camera reboots)."""
        if self.started is None or time.time() - self.started < self.seconds:
            return
        self.started = None
        if self.offered is not None:
            self.version, self.offered = self.offered, None
        self.last_success = True
        self.checked = False
        self._on_installed(self.version)

    def finish(self) -> None:
        """Complete a running upgrade now (a test hook)."""
        if self.started is not None:
            self.started = time.time() - self.seconds
            self.tick()

    @property
    def state(self) -> str:
        self.tick()
        if self.started is None:
            return "normal"
        return "downloading" if time.time() - self.started < self.seconds / 2 else "upgrading"

    def upgrade_status(self) -> dict[str, Any]:
        return {"lastUpgradingSuccess": self.last_success, "state": self.state}

    def upgrade_info(self) -> dict[str, Any]:
        self.tick()
        if not self.checked or self.offered is None:
            return {}
        return {
            "version": self.offered,
            "release_date": "2025-01-15",
            "download_url": f"https://download.tplinkcloud.com/firmware/{self.offered[:6]}.bin",
            "release_log": "Improved stability.\\nFixed some bugs.",
            "type": 1,
        }

    def check(self) -> dict[str, Any]:
        self.checked = True
        return {}

    def download(self) -> dict[str, Any]:
        self.tick()
        if self.offered is None or self.started is not None:
            raise CameraFault(CameraCode.NOT_SUPPORTED)  # nothing to install
        self.started = time.time()
        return {}
