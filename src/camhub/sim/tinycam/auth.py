"""tinyCam's three ways in: basic auth, ``user``/``pwd`` parameters, and tokens.

Errors are plain text starting with ``HTTP <status>.`` (some tinyCam versions send
that text with status 200; ``legacy_errors`` reproduces it).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

Access = Literal["admin", "guest"]


@dataclass(frozen=True)
class Principal:
    username: str
    access: Access


@dataclass
class _Token:
    principal: Principal
    expires: float | None


class Denied(Exception):
    """Raised by the auth helpers; the middleware turns it into an error answer."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def error_response(status: int, text: str, legacy: bool = False) -> web.Response:
    headers = {"WWW-Authenticate": 'Basic realm="tinyCam Monitor"'} if status == 401 else {}
    return web.Response(
        status=200 if legacy else status, text=f"HTTP {status}. {text}", headers=headers
    )


class Users:
    """The admin and the guest account, and the tokens handed out to them."""

    def __init__(
        self, admin: tuple[str, str], guest: tuple[str, str], token_ttl: float | None
    ) -> None:
        self._accounts: dict[str, tuple[str, Access]] = {
            admin[0]: (admin[1], "admin"),
            guest[0]: (guest[1], "guest"),
        }
        self.token_ttl = token_ttl
        self.tokens: dict[str, _Token] = {}

    def check(self, username: str, password: str) -> Principal | None:
        account = self._accounts.get(username)
        if account is None or not hmac.compare_digest(account[0].encode(), password.encode()):
            return None
        return Principal(username, account[1])

    def issue(self, principal: Principal) -> str:
        token = secrets.token_hex(20)  # 40 hex digits, like the document's
        expires = None if self.token_ttl is None else time.monotonic() + self.token_ttl
        self.tokens[token] = _Token(principal, expires)
        return token

    def revoke(self, token: str) -> bool:
        return self.tokens.pop(token, None) is not None

    def expire_all(self) -> None:
        self.tokens.clear()

    def from_token(self, token: str) -> Principal | None:
        entry = self.tokens.get(token)
        if entry is None:
            return None
        if entry.expires is not None and time.monotonic() > entry.expires:
            del self.tokens[token]
            return None
        return entry.principal

    def authenticate(self, request: web.Request) -> Principal:
        """Token, then ``user``/``pwd``, then basic auth; raise :class:`Denied`."""
        q = request.query
        if "token" in q:
            principal = self.from_token(q["token"])
            if principal is None:
                raise Denied(403, "Invalid token.")
            return principal
        if "user" in q:
            principal = self.check(q["user"], q.get("pwd", ""))
            if principal is None:
                raise Denied(401, "Invalid username or password.")
            return principal
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                user, _, pwd = base64.b64decode(header[6:].strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise Denied(400, "Malformed Authorization header.") from None
            principal = self.check(user, pwd)
            if principal is None:
                raise Denied(401, "Invalid username or password.")
            return principal
        raise Denied(401, "Authentication required.")


def require_admin(principal: Principal) -> None:
    if principal.access != "admin":
        raise Denied(403, "Admin access required.")
