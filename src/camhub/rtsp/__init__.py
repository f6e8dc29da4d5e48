"""camhub's own RTSP server: every H.264 camera at ``rtsp://HOST:PORT/<device>`` and
its sub-stream at ``/<device>/sub``, from the same single upstream as every other
viewer (docs/api.md, "RTSP")."""

from camhub.rtsp.server import CamhubRtsp

__all__ = ["CamhubRtsp"]
