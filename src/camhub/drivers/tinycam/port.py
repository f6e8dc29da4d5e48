"""What a camera of a tinyCam server may use of its server: a narrow port.

A camera never holds its server (as python-kasa's ``_ChildProtocolWrapper``): it gets
a :class:`CameraPort`, which knows the camera's two numbers and makes the calls that
name it, over the :class:`ServerLink` the server shares with all its cameras (one
login, the server's last failure, the cameras tinyCam sees motion on, preset names).

Each endpoint names the camera the way seed 002 gives for it: the Axis CGIs
(``image.cgi``, ``video.cgi``, ``ptz.cgi``, ``lightcontrol.cgi``) take only
``camera=<1..n>``, the camera's place in ``get_cam_list``; that number shifts when a
camera is added or removed, so the server sets it again from every list
(:attr:`CameraPort.index`). ``receive.wav`` takes the stable ``cameraId``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from camhub.capabilities import HttpSource
from camhub.drivers.tinycam.presets import PresetNames
from camhub.drivers.tinycam.protocol import TinyCamApi
from camhub.errors import CamhubError


class ServerLink:
    """The part of a tinyCam server its cameras share. Owned by the server."""

    def __init__(
        self, name: str, api: TinyCamApi, ptz_move_seconds: float, presets: PresetNames
    ) -> None:
        self.name = name
        self.api = api
        self.ptz_move_seconds = ptz_move_seconds
        self.presets = presets
        # The error of the server's last connect/poll; None once one succeeded.
        self.failure: CamhubError | None = None
        # Names of the cameras tinyCam sees motion on (global status); None: unknown
        # (a guest account may not read the status).
        self.moving: frozenset[str] | None = None

    async def media_source(self, path: str, params: dict[str, Any]) -> HttpSource:
        """A URL a stream reader can open as is: token in the query, or basic auth.

        Called on every (re)connect of a stream, so it first makes one cheap
        authenticated call: a token the server has forgotten is replaced here rather
        than handed to the reader again.
        """
        transport = self.api.transport
        if transport.mode == "token":
            self.api.check(await transport.request("/api/v1/get_cam_list"), "get_cam_list")
        query = urlencode({**params, **transport.auth_params()})
        return HttpSource(
            url=f"{transport.base_url}{path}?{query}", headers=transport.auth_headers()
        )


class CameraPort:
    """One camera's calls to its server, and what the server last learnt about it."""

    def __init__(self, link: ServerLink, camera_id: int, index: int) -> None:
        self._link = link
        self.camera_id = camera_id  # tinyCam's stable id
        self.index = index  # camera=<1..n>: the place in get_cam_list (set by the server)

    @property
    def server(self) -> str:
        return self._link.name

    @property
    def ptz_move_seconds(self) -> float:
        return self._link.ptz_move_seconds

    @property
    def presets(self) -> PresetNames:
        return self._link.presets

    def server_failure(self) -> CamhubError | None:
        return self._link.failure

    def moving(self, camera_name: str) -> bool | None:
        """Whether tinyCam sees motion on this camera, as of the server's last poll."""
        moving = self._link.moving
        return None if moving is None else camera_name in moving

    async def still(self) -> bytes:
        """What ``image.cgi`` answers for this camera (a JPEG, if all is well)."""
        reply = await self._link.api.media("/axis-cgi/jpg/image.cgi", {"camera": self.index})
        return reply.body

    async def video(self) -> HttpSource:
        return await self._link.media_source("/axis-cgi/mjpg/video.cgi", {"camera": self.index})

    async def audio(self) -> HttpSource:
        return await self._link.media_source(
            "/axis-cgi/audio/receive.wav", {"cameraId": self.camera_id}
        )

    async def ptz(self, **params: Any) -> None:
        await self._link.api.command("/axis-cgi/com/ptz.cgi", {"camera": self.index, **params})

    async def light(self, action: str) -> None:
        await self._link.api.command(
            "/axis-cgi/io/lightcontrol.cgi", {"camera": self.index, "action": action}
        )
