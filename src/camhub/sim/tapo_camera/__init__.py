"""Tapo camera emulator (seed 000): C100/C200/C210/C220 models behind the legacy,
secure (encrypt_type 3) and TPAP (SPAKE2+) logins, answering pytapo's and
python-kasa's requests as those cameras do. See README.md in this folder."""

from __future__ import annotations

from camhub.sim.tapo_camera.emulator import TapoCameraEmulator

__all__ = ["TapoCameraEmulator"]
