"""Sercomm IP cameras (seed 004): transport -> protocol -> device."""
