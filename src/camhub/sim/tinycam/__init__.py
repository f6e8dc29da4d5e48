"""tinyCam Monitor PRO web server emulator (seed 002)."""

from camhub.sim.tinycam.emulator import TinyCamEmulator, TinyCamTlsEmulator

__all__ = ["TinyCamEmulator", "TinyCamTlsEmulator"]
