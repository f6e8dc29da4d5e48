"""tinyCam's ways in, its access levels, its error answers and its camera numbering.

Credentials come three ways (seed 002): ``?token=`` (from ``/api/v1/login``),
``?user=&pwd=``, and basic auth, tried in that order. A token is a camhub session
(the same store, so it survives restarts and ends with ``logout``); a password is
checked by camhub's AuthService, with its lockout. camhub's ``admin`` role is
tinyCam's ``admin`` access, ``guest`` is ``guest``.

Errors are tinyCam's: plain text ``HTTP <status>. <reason>`` with that status (401
also asks for basic auth, so a browser or an Axis viewer prompts).

Cameras are the hub's devices that can show a picture (``snapshot`` or ``stream``),
ordered by name: ``camera=<1..n>`` is a place in that order (as in ``get_cam_list``)
and ``cameraId`` a stable number, the CRC-32 of the device name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import zlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.routing import APIRoute

from camhub.api.deps import get_state
from camhub.api.routes.auth import client_address
from camhub.auth.media import is_media_token
from camhub.auth.principal import Principal
from camhub.auth.service import BadCredentials, LockedOut, QueueFull
from camhub.capabilities import Capability
from camhub.drivers.base import Device
from camhub.errors import CamhubError

if TYPE_CHECKING:
    from camhub.api.state import AppState

Access = Literal["admin", "guest"]

# Who may call what: None = anyone (login), else the least access needed. The same
# table as camhub's tinyCam emulator: guests may sign in and out, list cameras and
# events and view MJPEG/JPEG; everything else is admin only.
ACCESS: dict[str, Access | None] = {
    "/api/v1/login": None,
    "/api/v1/logout": "guest",
    "/api/v1/get_cam_list": "guest",
    "/api/v1/get_cam_event_list": "guest",
    "/api/v1/get_file": "admin",
    "/api/v1/get_status": "admin",
    "/axis-cgi/mjpg/video.cgi": "guest",
    "/axis-cgi/jpg/image.cgi": "guest",
    "/axis-cgi/audio/receive.wav": "admin",
    "/axis-cgi/com/ptz.cgi": "admin",
    "/axis-cgi/io/lightcontrol.cgi": "admin",
    "/param.cgi": "admin",
    "/axis-cgi/admin/restart.cgi": "admin",
}

VIEWABLE = frozenset({Capability.SNAPSHOT, Capability.STREAM})
REALM = 'Basic realm="camhub"'


class TinyCamError(Exception):
    """An answer in tinyCam's error format: ``HTTP <status>. <text>``."""

    def __init__(self, status: int, text: str, retry_after: int | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.retry_after = retry_after

    def response(self) -> PlainTextResponse:
        headers = {"Cache-Control": "no-store"}
        if self.status == 401:
            headers["WWW-Authenticate"] = REALM
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return PlainTextResponse(
            f"HTTP {self.status}. {self.text}", status_code=self.status, headers=headers
        )


def access_of(principal: Principal) -> Access:
    return "admin" if principal.is_admin else "guest"


class PasswordCache:
    """Passwords recently found right, so that a viewer polling ``image.cgi`` with
    basic auth or ``user``/``pwd`` does not cost an argon2 check (~0.1 s of one of two
    password threads) per picture.

    Keys are HMACs under a key of this process, never the passwords. Only successes
    are kept, for ``TTL`` seconds at most: a changed password keeps working that long
    at worst; a removed user or a changed role stops at once; a locked-out account
    stays locked out.
    """

    TTL = 30.0
    SIZE = 256

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._ok: dict[bytes, tuple[Principal, float]] = {}

    def _digest(self, username: str, password: str) -> bytes:
        msg = b"\0".join((username.encode(), password.encode()))
        return hmac.new(self._key, msg, hashlib.sha256).digest()

    def get(self, state: AppState, username: str, password: str) -> Principal | None:
        key = self._digest(username, password)
        hit = self._ok.get(key)
        if hit is None:
            return None
        principal, expires = hit
        if time.monotonic() > expires or state.auth.user_role(username) != principal.role:
            del self._ok[key]
            return None
        return principal

    def put(self, username: str, password: str, principal: Principal) -> None:
        if len(self._ok) >= self.SIZE:
            now = time.monotonic()
            self._ok = {k: v for k, v in self._ok.items() if v[1] > now}
            while len(self._ok) >= self.SIZE:
                del self._ok[next(iter(self._ok))]
        self._ok[self._digest(username, password)] = (principal, time.monotonic() + self.TTL)


def password_cache(request: Request) -> PasswordCache:
    app_state = request.app.state
    cache: PasswordCache | None = getattr(app_state, "tinycam_passwords", None)
    if cache is None:
        cache = app_state.tinycam_passwords = PasswordCache()
    return cache


def _locked(remaining: int) -> TinyCamError:
    return TinyCamError(429, f"Too many attempts, try again in {remaining} s.", remaining)


async def check_password(
    request: Request,
    state: AppState,
    username: str,
    password: str,
    cache: PasswordCache | None = None,
) -> Principal:
    """A user's principal for a password, with camhub's lockout (the same buckets as
    every login route: account + address, address, account)."""
    username, password = username[:128], password[:1024]
    address = client_address(request)
    if cache is not None:
        remaining = state.auth.lockout_remaining(username, address)
        if remaining > 0:
            raise _locked(remaining)
        hit = cache.get(state, username, password)
        if hit is not None:
            return hit
    try:
        user = await state.auth.verify(username, password, address)
    except LockedOut as exc:
        raise _locked(exc.remaining) from None
    except QueueFull as exc:
        raise TinyCamError(503, "Too many sign-in attempts, try again.", exc.retry_after) from None
    except BadCredentials:
        raise TinyCamError(401, "Invalid username or password.") from None
    principal = Principal(user.username, user.role, "query", credential=user.credential)
    if cache is not None:
        cache.put(username, password, principal)
    return principal


async def authenticate(request: Request, state: AppState) -> Principal:
    """Token, then ``user``/``pwd``, then basic auth; raise :class:`TinyCamError`."""
    q = request.query_params
    if "token" in q:
        if is_media_token(q["token"]):  # camhub's page's, for camhub's media URLs only
            raise TinyCamError(403, "Invalid token.")
        session = await state.auth.session(q["token"])
        if session is None:
            raise TinyCamError(403, "Invalid token.")
        p = session.principal
        return Principal(p.username, p.role, "query", p.token_hash)
    if "user" in q:
        cache = password_cache(request)
        return await check_password(request, state, q["user"], q.get("pwd", ""), cache)
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):  # binascii.Error is a ValueError
            raise TinyCamError(400, "Malformed Authorization header.") from None
        user, _, pwd = decoded.partition(":")
        return await check_password(request, state, user, pwd, password_cache(request))
    raise TinyCamError(401, "Authentication required.")


def cross_site(request: Request) -> bool:
    """A browser request another site started (``<img src>``, a link, a form).

    ``Sec-Fetch-Site`` says so in current browsers; a browser without it still sends
    ``Origin`` (forms, fetches) or ``Referer`` (images, links; unless a referrer
    policy drops it) naming the other site, or ``Origin: null`` from a sandbox. A
    client that is not a browser (Home Assistant, an Axis viewer) sends none of them.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    host = request.headers.get("host", "").lower()
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value:
            return urlsplit(value).netloc.lower() != host
    return False


async def allowed(request: Request, state: AppState) -> Principal | None:
    """The caller, checked against :data:`ACCESS` for the request's route.

    tinyCam's commands are GETs, and a browser sends the basic-auth credentials it
    remembers with any request, even one another site's page starts: an admin command
    so sent from another site is refused (a token or ``user``/``pwd`` in the URL is
    not sent by itself, and Home Assistant or an Axis viewer sends no ``Sec-Fetch-*``).
    """
    path = getattr(request.scope.get("route"), "path", request.url.path)
    need = ACCESS[path]
    if need is None:
        return None
    principal = await authenticate(request, state)
    if need == "admin" and not principal.is_admin:
        raise TinyCamError(403, "Admin access required.")
    ambient = "token" not in request.query_params and "user" not in request.query_params
    if need == "admin" and ambient and cross_site(request):
        raise TinyCamError(403, "Cross-site request refused.")
    return principal


class TinyCamRoute(APIRoute):
    """Answers every failure in tinyCam's text format instead of camhub's JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await inner(request)
            except TinyCamError as exc:
                return exc.response()
            except CamhubError as exc:
                return TinyCamError(exc.status, exc.message).response()

        return handler


async def _caller(request: Request) -> Principal | None:
    return await allowed(request, get_state(request))


Caller = Annotated[Principal | None, Depends(_caller)]


# cameras ------------------------------------------------------------------------
def camera_id(name: str) -> int:
    """tinyCam's ``id`` for a camera: stable across restarts and reorderings."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


@dataclass(frozen=True)
class Camera:
    index: int  # camera=<1..n>
    id: int  # cameraId
    device: Device

    @property
    def name(self) -> str:
        return self.device.name


def cameras(state: AppState) -> list[Camera]:
    """Every device that can show a picture, ordered by name."""
    devices = sorted(
        (d for d in state.hub.devices() if VIEWABLE & d.capabilities),
        key=lambda d: (d.name.casefold(), d.name),
    )
    return [Camera(i, camera_id(d.name), d) for i, d in enumerate(devices, start=1)]


def int_param(
    request: Request, name: str, lo: int | None = None, hi: int | None = None
) -> int | None:
    """An optional integer query parameter within bounds; 400 otherwise."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    digits = raw[1:] if raw[:1] in "+-" else raw
    # isdecimal, not isdigit: "²".isdigit() is true, but int("²") fails
    if not digits.isdecimal() or len(digits) > 18:
        raise TinyCamError(400, f"Invalid {name}.")
    value = int(raw)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise TinyCamError(400, f"Invalid {name}.")
    return value


CameraParam = Literal["camera", "cameraId", "either"]


def select_camera(request: Request, state: AppState, by: CameraParam = "camera") -> Camera:
    """The camera a request names with the parameter seed 002 gives the endpoint:
    ``camera`` = 1..n (camera 1 when absent), ``cameraId`` = an id from
    ``get_cam_list``, ``either`` (``receive.wav``; the id wins)."""
    cams = cameras(state)
    cid = int_param(request, "cameraId") if by in ("cameraId", "either") else None
    if cid is not None:
        for cam in cams:
            if cam.id == cid:
                return cam
        raise TinyCamError(404, "Camera not found.")
    if by == "cameraId":
        raise TinyCamError(400, "Missing cameraId.")
    index = int_param(request, "camera", lo=1) or 1
    if index > len(cams):
        raise TinyCamError(404, "Camera not found.")
    return cams[index - 1]


# the server's own switches --------------------------------------------------------
DEFAULT_SETTINGS: dict[str, bool | int] = {
    "backgroundMode": True,
    "powerSafeMode": False,
    "notifications": True,
    "streamProfile": 0,  # main
}


def settings_of(request: Request) -> dict[str, bool | int]:
    """tinyCam's switches (``param.cgi``), kept with the app while it runs: camhub
    has no such modes, so they change only what ``get_status`` reports."""
    app_state = request.app.state
    settings: dict[str, bool | int] | None = getattr(app_state, "tinycam_settings", None)
    if settings is None:
        settings = dict(DEFAULT_SETTINGS)
        app_state.tinycam_settings = settings
    return settings
