"""camhub's RTSP server (``server.rtsp_port``, default 8554).

VLC, ffmpeg, NVRs and Home Assistant pull a camera's H.264 from camhub instead of the
camera: ``rtsp://HOST:PORT/<device>`` (main stream) and ``/<device>/sub``. Each path is a
*feed* (:mod:`camhub.media.types`) over the camera's packet hub stream, so however many
RTSP clients, HTTP/WebSocket viewers and recorders there are, the camera sees one
connection per stream. No decoding happens here.

Sign-in: camhub's users, over Basic (checked as every sign-in: argon2, lockout per
account and address) or Digest (MD5, from a digest of the password camhub keeps in
memory while it runs; users whose config gives only a hash can use Basic). Guests may
view; anonymous clients get 401.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
from typing import TYPE_CHECKING

from camhub.auth.service import DIGEST_REALM
from camhub.capabilities import Capability
from camhub.errors import CamhubError
from camhub.media.rtsp_auth import PasswordAuth, digest_params
from camhub.media.rtsp_messages import Request
from camhub.media.rtsp_server import RtspServer
from camhub.streams.feeds import PacketFeed
from camhub.streams.packets import Profile

if TYPE_CHECKING:
    from camhub.service import Camhub

log = logging.getLogger("camhub.rtsp")

REALM = DIGEST_REALM


class CamhubAuth(PasswordAuth):
    """Basic through camhub's sign-in; Digest through the in-memory HA1 digests."""

    def __init__(self, service: Camhub) -> None:
        super().__init__(lambda _user: None, REALM, ("digest", "basic"))
        self.service = service

    async def authenticate(self, request: Request) -> str | None:
        scheme, _, rest = request.header("authorization").partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            return await self._basic_signin(rest.strip())
        if scheme == "digest":
            return self._digest(request.method, digest_params(rest))
        return None

    async def _basic_signin(self, token: str) -> str | None:
        try:
            user, sep, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if not sep:
            return None
        try:
            found = await self.service.auth.verify(user, password, None)
        except CamhubError:  # wrong password, locked out, busy: all a 401 here
            return None
        return found.username

    def ha1_of(self, user: str) -> str | None:
        return self.service.auth.digest_ha1(user, REALM)


class CamhubRtsp:
    def __init__(self, service: Camhub, host: str, port: int) -> None:
        self.service = service
        self.server = RtspServer(
            self.resolve, auth=CamhubAuth(service), host=host, port=port, name="camhub"
        )

    def resolve(self, path: str) -> PacketFeed | None:
        parts = path.strip("/").split("/")
        name = parts[0]
        profile: Profile = "main"
        if len(parts) == 2 and parts[1] == "sub":
            profile = "sub"
        elif len(parts) != 1:
            return None
        hub = self.service.hub
        if name not in hub.names() or Capability.STREAM not in hub.get(name).capabilities:
            return None
        return PacketFeed(self.service.streams.packets, name, profile)

    async def start(self) -> int:
        port = await self.server.start()
        log.info("RTSP on port %d", port)
        return port

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.server.stop()
