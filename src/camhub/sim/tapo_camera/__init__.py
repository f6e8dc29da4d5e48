"""Tapo camera emulator (seed 000): legacy and secure logins, PTZ, presets, privacy,
LED, detection settings, alarm, day/night, clock, reboot, recordings and events."""

from __future__ import annotations

from camhub.sim.tapo_camera.server import TapoCameraEmulator

__all__ = ["TapoCameraEmulator"]
