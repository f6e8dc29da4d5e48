"""Sercomm IP cameras (seed 004): transport -> protocol -> device.

Importing the package registers the ``sercomm`` kind.
"""

from camhub.drivers.sercomm.device import SercommCamera

__all__ = ["SercommCamera"]
