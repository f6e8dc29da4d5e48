"""Driver for the Android "IP Camera" app (seed 003): HTTPS + token, WebSocket events.

Layers: :mod:`.transport` (HTTPS, token, lockout) -> :mod:`.protocol` (statuses and error
bodies) -> :mod:`.device` (capabilities, state); :mod:`.events` reads the WebSocket;
:mod:`.settings` describes the app's settings. Importing the package registers the
``ipcamera`` kind.
"""

from camhub.drivers.ipcamera.device import IpCameraDevice

__all__ = ["IpCameraDevice"]
