"""Media tokens: short-lived, view-only ``?token=`` values for ``<img src>`` and players.

A media URL ends up in places a session token must never be: a player's config, a
proxy's access log, "copy image address". So the web page puts a media token there:

- it expires (``DEFAULT_TTL``, at most ``MAX_TTL``) and dies with the session (or
  API key) it was made from;
- it only views: the media routes take it as ``?token=`` (one dependency,
  :func:`camhub.api.deps.media_viewer`); every other route, a ``Bearer`` header, the
  WebSocket and the compat APIs refuse it;
- it may be limited to one device.

It is signed, not stored: ``mt.`` + base64url(JSON ``{"p": parent token hash,
"d": device or null, "e": expiry ms}``) + ``.`` + base64url(HMAC-SHA256), under a
key derived from the data dir's secret key, so tokens survive a restart and cost no
memory. The parent is the SHA-256 of the session token, which the database holds
anyway and from which the token cannot be found.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

PREFIX = "mt."
DEFAULT_TTL = 600
MIN_TTL = 10
MAX_TTL = 3600
MAX_TOKEN_CHARS = 1024


@dataclass(frozen=True)
class MediaGrant:
    parent: str  # token hash of the session or API key the token was made from
    device: str | None
    expires_ms: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_media_token(token: str) -> bool:
    return token.startswith(PREFIX)


class MediaTokens:
    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"camhub media tokens v1", hashlib.sha256).digest()

    def _mac(self, payload: str) -> bytes:
        return hmac.new(self._key, payload.encode(), hashlib.sha256).digest()

    def make(self, parent: str, device: str | None, ttl: int) -> tuple[str, int]:
        """A token for ``ttl`` seconds (clamped to MIN_TTL..MAX_TTL); (token, expiry ms)."""
        ttl = max(MIN_TTL, min(MAX_TTL, ttl))
        expires = int((time.time() + ttl) * 1000)
        body = {"p": parent, "d": device, "e": expires}
        payload = _b64(json.dumps(body, separators=(",", ":")).encode())
        return f"{PREFIX}{payload}.{_b64(self._mac(payload))}", expires

    def read(self, token: str) -> MediaGrant | None:
        """The grant of a genuine, unexpired token; None for anything else."""
        if not is_media_token(token) or len(token) > MAX_TOKEN_CHARS:
            return None
        payload, _, mac = token[len(PREFIX) :].partition(".")
        try:
            given = _unb64(mac)
            if not hmac.compare_digest(given, self._mac(payload)):
                return None
            body = json.loads(_unb64(payload))
        except (ValueError, binascii.Error, UnicodeError):
            return None
        if not isinstance(body, dict):
            return None
        parent, device, expires = body.get("p"), body.get("d"), body.get("e")
        if not isinstance(parent, str) or not isinstance(expires, int):
            return None
        if device is not None and not isinstance(device, str):
            return None
        if expires <= time.time() * 1000:
            return None
        return MediaGrant(parent, device, expires)
