"""The tinyCam web server API: JSON envelope, error statuses, typed replies.

JSON routes answer ``{"data": ...}``; command routes (``/axis-cgi/*``,
``/param.cgi``) answer plain text. Failures are HTTP statuses with a short text; the
table below gives their meaning. Every reply is validated before use: a malformed one
is a :class:`DeviceError`, never a ``KeyError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from camhub.drivers.http import STILL_LIMIT
from camhub.drivers.tinycam.transport import Reply, TinyCamTransport
from camhub.errors import DeviceAuthError, DeviceError, MalformedReply, VendorCode


class TinyCamStatus(VendorCode):
    """Error statuses of the tinyCam web server and what they mean."""

    BAD_REQUEST = 400, "invalid or missing parameter"
    UNAUTHORIZED = 401, "wrong username or password"
    FORBIDDEN = 403, "this needs a tinyCam admin account (or root on the phone)"
    NOT_FOUND = 404, "no such camera, file or endpoint"
    SERVER_ERROR = 500, "tinyCam server error"
    UNAVAILABLE = 503, "camera disabled or not available"


@dataclass(frozen=True)
class CameraInfo:
    """One entry of ``get_cam_list``."""

    id: int
    name: str
    enabled: bool
    ptz_capabilities: int
    audio_listening: bool
    cloud_access: bool


@dataclass(frozen=True)
class EventRecord:
    """One entry of ``get_cam_event_list``."""

    time: int  # ms
    duration: int  # ms
    kind: str  # the "motion" field: motion, person, vehicle, pet, face, audio...
    video: str | None  # "/api/v1/get_file?file=..." as the server gives it
    image: str | None

    @staticmethod
    def file_of(link: str | None) -> str | None:
        """The recording's file name inside a get_file link."""
        if not link:
            return None
        values = parse_qs(urlsplit(link).query).get("file")
        return values[0] if values else None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


class TinyCamApi:
    def __init__(self, transport: TinyCamTransport) -> None:
        self.transport = transport
        self.device = transport.device

    # error handling ---------------------------------------------------------------------
    def check(self, reply: Reply, what: str) -> Reply:
        if reply.status < 400:
            return reply
        meaning = TinyCamStatus.meaning_of(reply.status, "unexpected answer")
        detail = f" ({reply.reason})" if reply.reason else ""
        message = f"{self.device}: tinyCam {what} failed: {meaning}{detail}"
        if reply.status == TinyCamStatus.UNAUTHORIZED:
            raise DeviceAuthError(message, device=self.device, code=reply.status)
        raise DeviceError(message, device=self.device, code=reply.status)

    def malformed(self, what: str) -> DeviceError:
        return MalformedReply(self.device, what)

    async def data(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The ``data`` member of a JSON route's answer."""
        what = path.rsplit("/", 1)[-1]
        reply = self.check(await self.transport.request(path, params), what)
        body = reply.json()
        if not isinstance(body, dict) or "data" not in body:
            raise self.malformed(what)
        return body["data"]

    async def command(self, path: str, params: dict[str, Any] | None = None) -> str:
        """A CGI command; returns the server's text (usually "OK")."""
        what = path.rsplit("/", 1)[-1]
        reply = self.check(await self.transport.request(path, params), what)
        return reply.body.decode("utf-8", "replace").strip()

    async def media(self, path: str, params: dict[str, Any]) -> Reply:
        """A picture (image.cgi): up to ``STILL_LIMIT`` bytes."""
        reply = await self.transport.request(path, params, limit=STILL_LIMIT)
        return self.check(reply, path.rsplit("/", 1)[-1])

    # typed calls ------------------------------------------------------------------------------
    async def cam_list(self) -> list[CameraInfo]:
        data = await self.data("/api/v1/get_cam_list")
        if not isinstance(data, list):
            raise self.malformed("get_cam_list")
        cams = []
        for item in data:
            if not isinstance(item, dict) or not _is_int(item.get("id")):
                raise self.malformed("get_cam_list")
            name = item.get("name")
            ptz = item.get("ptzCapabilities", 0)
            cams.append(
                CameraInfo(
                    id=item["id"],
                    name=name if isinstance(name, str) and name else f"Camera {item['id']}",
                    enabled=item.get("enabled", True) is not False,
                    ptz_capabilities=ptz if _is_int(ptz) else 0,
                    audio_listening=item.get("audioListening") is True,
                    cloud_access=item.get("cloudAccess") is True,
                )
            )
        return cams

    async def events(
        self,
        camera_id: int | None = None,
        count: int | None = None,
        endtime: int | None = None,
        kind: str | None = None,
        type_: str = "local",
    ) -> list[EventRecord]:
        params: dict[str, Any] = {"type": type_}
        for key, value in (("cameraId", camera_id), ("count", count), ("endtime", endtime)):
            if value is not None:
                params[key] = value
        if kind:
            params["filter"] = kind
        data = await self.data("/api/v1/get_cam_event_list", params)
        if not isinstance(data, list):
            raise self.malformed("get_cam_event_list")
        out = []
        for item in data:
            if not isinstance(item, dict) or not _is_int(item.get("time")):
                raise self.malformed("get_cam_event_list")
            duration, kind_, video, image = (
                item.get(k) for k in ("duration", "motion", "video", "image")
            )
            out.append(
                EventRecord(
                    time=item["time"],
                    duration=duration if isinstance(duration, int) else 0,
                    kind=kind_.lower() if isinstance(kind_, str) and kind_ else "motion",
                    video=video if isinstance(video, str) else None,
                    image=image if isinstance(image, str) else None,
                )
            )
        return out

    async def status(self, camera_id: int | None = None) -> dict[str, Any]:
        params = {"cameraId": camera_id} if camera_id is not None else None
        data = await self.data("/api/v1/get_status", params)
        if not isinstance(data, dict):
            raise self.malformed("get_status")
        return data
