"""The Tapo cameras of ``camhub demo``: a C200 with the secure login, a C100 legacy; both
stream H.264 over RTSP (stream1 at 1280x720 to spare the demo's CPU, stream2 640x360)
with a camera account distinct from the cloud password, as real cameras do. (A camera
known by its cloud password only streams over port 8800 instead: see the README; not
in the demo, to spare its CPU.)"""

from __future__ import annotations

import secrets
from typing import Any

from camhub.sim.registry import DemoDevice

STREAM_USER = "camhub"


def demo_devices(password: str) -> list[DemoDevice]:
    stream_password = "cam-" + secrets.token_hex(4)
    options = {"rtsp_port": 0, "stream_username": STREAM_USER, "stream_password": stream_password}

    def stream(emu: Any) -> dict[str, Any]:
        port = int(str(emu.rtsp_url).rsplit(":", 1)[1])
        return {"stream": {"username": STREAM_USER, "password": stream_password, "rtsp_port": port}}

    extra = {"main_size": "1280x720"}
    return [
        DemoDevice(
            "tapo-cam", "tapo-camera", "admin", "C200", "secure",
            extra=extra, options=options, more=stream,
        ),
        DemoDevice(
            "tapo-cam-legacy", "tapo-camera", "admin", "C100", "legacy",
            extra=extra, options=options, more=stream, device={"login": "legacy"},
        ),
    ]  # fmt: skip
