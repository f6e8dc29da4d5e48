"""RTSP access control: the :class:`Authenticator` interface and a password one.

The server asks an authenticator who sent a request (:meth:`Authenticator.authenticate`,
None when refused) and, on refusal, which ``WWW-Authenticate`` challenges to answer
with (:meth:`Authenticator.challenges`). :class:`PasswordAuth` checks Basic (RFC 2617
section 2) and Digest (RFC 2617 section 3, MD5, with or without ``qop=auth``, as RTSP
clients such as ffmpeg and live555/VLC send it) against a password lookup. Its nonces
are stateless (a time and an HMAC of it), so memory stays bounded whatever clients
send; a nonce older than ``nonce_ttl`` is answered with ``stale=TRUE``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

from camhub.media.rtsp_messages import Request

Scheme = Literal["basic", "digest"]
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


class Authenticator(Protocol):
    async def authenticate(self, request: Request) -> str | None:
        """The user name behind the request's credentials, or None to refuse it."""
        ...

    def challenges(self, request: Request) -> list[str]:
        """``WWW-Authenticate`` values for a refused request."""
        ...


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def digest_params(header: str) -> dict[str, str]:
    """The ``name=value`` pairs of a Digest ``Authorization`` header (quotes removed)."""
    out: dict[str, str] = {}
    for m in _PARAM.finditer(header):
        quoted, bare = m.group(2), m.group(3)
        out[m.group(1).lower()] = quoted if quoted is not None else bare
    return out


class PasswordAuth:
    """Basic and/or Digest against ``password_of(user)`` (None: no such user)."""

    def __init__(
        self,
        password_of: Callable[[str], str | None],
        realm: str,
        schemes: Sequence[Scheme] = ("digest", "basic"),
        nonce_ttl: float = 300.0,
    ) -> None:
        if not schemes:
            raise ValueError("at least one scheme")
        self.password_of = password_of
        self.realm = realm
        self.schemes = tuple(schemes)
        self.nonce_ttl = nonce_ttl
        self._secret = secrets.token_bytes(32)

    # nonces --------------------------------------------------------------------------
    def _sign(self, stamp: str) -> str:
        return hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:24]

    def new_nonce(self) -> str:
        stamp = f"{int(time.time()):08x}"
        return stamp + self._sign(stamp)

    def _nonce_state(self, nonce: str) -> Literal["fresh", "stale", "bad"]:
        stamp, mac = nonce[:8], nonce[8:]
        if len(nonce) != 32 or not hmac.compare_digest(mac, self._sign(stamp)):
            return "bad"
        try:
            age = time.time() - int(stamp, 16)
        except ValueError:
            return "bad"
        return "fresh" if -5 <= age <= self.nonce_ttl else "stale"

    # Authenticator -------------------------------------------------------------------
    def challenges(self, request: Request) -> list[str]:
        stale = False
        scheme, _, rest = request.header("authorization").partition(" ")
        if scheme.lower() == "digest":
            stale = self._nonce_state(digest_params(rest).get("nonce", "")) == "stale"
        out = []
        for name in self.schemes:
            if name == "basic":
                out.append(f'Basic realm="{self.realm}"')
            else:
                extra = ", stale=TRUE" if stale else ""
                out.append(f'Digest realm="{self.realm}", nonce="{self.new_nonce()}"{extra}')
        return out

    async def authenticate(self, request: Request) -> str | None:
        scheme, _, rest = request.header("authorization").partition(" ")
        scheme = scheme.lower()
        if scheme == "basic" and "basic" in self.schemes:
            return self._basic(rest.strip())
        if scheme == "digest" and "digest" in self.schemes:
            return self._digest(request.method, digest_params(rest))
        return None

    def ha1_of(self, user: str) -> str | None:
        """Digest's ``MD5(user:realm:password)`` of a user, or None for none."""
        password = self.password_of(user)
        return None if password is None else md5_hex(f"{user}:{self.realm}:{password}")

    def _basic(self, token: str) -> str | None:
        try:
            user, sep, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        expected = self.password_of(user) if sep else None
        if expected is None or not hmac.compare_digest(password.encode(), expected.encode()):
            return None
        return user

    def _digest(self, method: str, p: dict[str, str]) -> str | None:
        user, nonce, uri, answer = (p.get(k, "") for k in ("username", "nonce", "uri", "response"))
        if p.get("realm") != self.realm or p.get("algorithm", "MD5").upper() != "MD5":
            return None
        if self._nonce_state(nonce) != "fresh":
            return None
        ha1 = self.ha1_of(user)
        if ha1 is None:
            return None
        ha2 = md5_hex(f"{method}:{uri}")
        qop = p.get("qop", "")
        if qop == "auth":
            expected = md5_hex(f"{ha1}:{nonce}:{p.get('nc', '')}:{p.get('cnonce', '')}:auth:{ha2}")
        elif not qop:
            expected = md5_hex(f"{ha1}:{nonce}:{ha2}")
        else:
            return None
        return user if hmac.compare_digest(expected, answer.lower()) else None
