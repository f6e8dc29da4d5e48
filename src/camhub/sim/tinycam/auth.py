"""tinyCam's three ways in: basic auth, ``user``/``pwd`` parameters, and tokens.

A refusal raises :class:`~camhub.sim.tinycam.codes.Denied`.
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

from camhub.sim.tinycam.codes import Denied, Status

Access = Literal["admin", "guest"]


@dataclass(frozen=True)
class Principal:
    username: str
    access: Access


@dataclass
class _Token:
    principal: Principal
    expires: float | None


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
                raise Denied(Status.FORBIDDEN, "Invalid token.")
            return principal
        if "user" in q:
            principal = self.check(q["user"], q.get("pwd", ""))
            if principal is None:
                raise Denied(Status.UNAUTHORIZED, "Invalid username or password.")
            return principal
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                user, _, pwd = base64.b64decode(header[6:].strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise Denied(Status.BAD_REQUEST, "Malformed Authorization header.") from None
            principal = self.check(user, pwd)
            if principal is None:
                raise Denied(Status.UNAUTHORIZED, "Invalid username or password.")
            return principal
        raise Denied(Status.UNAUTHORIZED, "Authentication required.")


def require_admin(principal: Principal) -> None:
    if principal.access != "admin":
        raise Denied(Status.FORBIDDEN, "Admin access required.")
