"""Password login, session tokens, lockout and CSRF, as the IP Camera app does them.

``POST /auth`` trades the password for a token (also set as the ``session`` cookie) and
a CSRF token. A token is accepted as ``Authorization: Bearer``, as the cookie, or as
``?token=`` on media and WebSocket routes. Cookie sessions must echo the CSRF token in
``X-CSRF-Token`` on POST/PUT/DELETE; Bearer requests need not. Five wrong passwords in a
row lock logins for 30 seconds.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from camhub.sim.ipcamera.codes import Status

MAX_FAILURES = 5
LOCKOUT_SECONDS = 30


class Via(Enum):
    """How a request carried its token; decides CSRF and the Pro (direct API) rule."""

    BEARER = "bearer"
    COOKIE = "cookie"
    QUERY = "query"


@dataclass
class Session:
    token: str
    csrf: str


class Auth:
    def __init__(
        self,
        password: str,
        clock: Callable[[], float] = time.monotonic,
        lockout_seconds: int = LOCKOUT_SECONDS,
    ) -> None:
        self._password = password
        self.clock = clock
        self.lockout_seconds = lockout_seconds
        self.sessions: dict[str, Session] = {}
        self.failures = 0
        self.locked_until = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self._password)

    def lockout_remaining(self) -> int:
        left = self.locked_until - self.clock()
        return max(0, int(left + 0.999)) if left > 0 else 0

    def login(self, password: object) -> tuple[int, dict[str, object], Session | None]:
        """(HTTP status, JSON body, new session) for one login attempt."""
        remaining = self.lockout_remaining()
        if remaining:
            return Status.TOO_MANY_ATTEMPTS, _locked(remaining), None
        if not isinstance(password, str) or not secrets.compare_digest(
            password.encode(), self._password.encode()
        ):
            self.failures += 1
            if self.failures >= MAX_FAILURES:
                self.failures = 0
                self.locked_until = self.clock() + self.lockout_seconds
                return Status.TOO_MANY_ATTEMPTS, _locked(self.lockout_seconds), None
            return Status.UNAUTHORIZED, {"success": False, "error": "Invalid password"}, None
        self.failures = 0
        session = Session(secrets.token_hex(16), secrets.token_hex(16))
        self.sessions[session.token] = session
        body: dict[str, object] = {
            "success": True,
            "token": session.token,
            "csrfToken": session.csrf,
        }
        return 200, body, session

    def check_password(self, password: object) -> bool:
        return isinstance(password, str) and secrets.compare_digest(
            password.encode(), self._password.encode()
        )

    def find(self, token: str | None) -> Session | None:
        return self.sessions.get(token) if token else None

    def logout(self, token: str | None) -> bool:
        return self.sessions.pop(token or "", None) is not None


def _locked(seconds: int) -> dict[str, object]:
    return {
        "success": False,
        "error": "Too many attempts",
        "lockout": True,
        "lockoutRemaining": seconds,
    }
