"""Sercomm camera emulator (seed 004): groups table, INI text, custom Base64, routes."""

from camhub.sim.sercomm.emulator import SercommEmulator

__all__ = ["SercommEmulator"]
