"""Emulator of the Android "IP Camera" app (seed 003): HTTPS API, MJPEG, WebSocket."""

from camhub.sim.ipcamera.emulator import IpCameraEmulator

__all__ = ["IpCameraEmulator"]
