"""Users, sessions and lockout.

Sessions live in the store (so they survive restarts) with an in-memory cache in
front. Lockout follows seed 003: after 5 failed attempts on an account, every
attempt on it is refused with 429 for 30 s, whatever the password.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from camhub.auth.passwords import (
    DUMMY_HASH,
    hash_password,
    new_token,
    same,
    token_hash,
    verify_password,
)
from camhub.auth.principal import Principal, Role

if TYPE_CHECKING:
    from camhub.config import Config

MAX_FAILURES = 5
LOCKOUT_SECONDS = 30
SESSION_SECONDS = 30 * 24 * 3600


class SessionStore(Protocol):
    async def create_session(
        self, token_hash: str, csrf_hash: str, username: str, role: str, expires_ms: int
    ) -> None: ...
    async def get_session(self, token_hash: str) -> dict[str, object] | None: ...
    async def delete_session(self, token_hash: str) -> None: ...


class LockedOut(Exception):
    def __init__(self, remaining: int) -> None:
        super().__init__(f"locked out for {remaining} s")
        self.remaining = remaining


class BadCredentials(Exception):
    pass


@dataclass
class _User:
    username: str
    role: Role
    password_hash: str = field(repr=False)


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


@dataclass
class Session:
    principal: Principal
    csrf_hash: str = field(repr=False)
    expires_ms: int = 0


@dataclass
class NewSession:
    token: str = field(repr=False)
    csrf_token: str = field(repr=False)
    principal: Principal | None = None


class AuthService:
    def __init__(self, store: SessionStore, config: Config) -> None:
        self.store = store
        self._users: dict[str, _User] = {}
        self._api_keys: set[str] = set()
        self._failures: dict[str, _Failures] = {}
        self._cache: dict[str, Session] = {}
        self.load_users(config)

    def load_users(self, config: Config) -> None:
        """(Re)load users and API keys from a config; reuses hashes of unchanged passwords."""
        users: dict[str, _User] = {}
        for u in config.effective_users():
            plain = u.password.get_secret_value()
            old = self._users.get(u.username)
            if old is not None and verify_password(old.password_hash, plain):
                users[u.username] = _User(u.username, u.role, old.password_hash)
            else:
                users[u.username] = _User(u.username, u.role, hash_password(plain))
        self._users = users
        self._api_keys = {token_hash(k.get_secret_value()) for k in config.server.api_keys}
        # Drop cached sessions of users that no longer exist or changed role.
        self._cache = {
            h: s
            for h, s in self._cache.items()
            if (user := users.get(s.principal.username)) and user.role == s.principal.role
        }

    @property
    def enabled(self) -> bool:
        return bool(self._users)

    def user_role(self, username: str) -> Role | None:
        u = self._users.get(username)
        return u.role if u else None

    # login -----------------------------------------------------------------------
    def lockout_remaining(self, username: str) -> int:
        f = self._failures.get(username)
        if f is None:
            return 0
        left = f.locked_until - time.monotonic()
        return max(0, int(left + 0.999)) if left > 0 else 0

    async def verify(self, username: str, password: str) -> _User:
        """Check a password with lockout; raise LockedOut or BadCredentials."""
        remaining = self.lockout_remaining(username)
        if remaining:
            raise LockedOut(remaining)
        user = self._users.get(username)
        ok = await asyncio.to_thread(
            verify_password, user.password_hash if user else DUMMY_HASH, password
        )
        if user is None or not ok:
            f = self._failures.setdefault(username, _Failures())
            if f.locked_until and f.locked_until <= time.monotonic():
                f.count, f.locked_until = 0, 0.0  # previous lockout expired
            f.count += 1
            if f.count >= MAX_FAILURES:
                f.locked_until = time.monotonic() + LOCKOUT_SECONDS
                raise LockedOut(LOCKOUT_SECONDS)
            raise BadCredentials
        self._failures.pop(username, None)
        return user

    async def verify_any_admin(self, password: str) -> _User:
        """tapo-rest's login: a password alone, matched against the admin users."""
        admins = [u for u in self._users.values() if u.role == "admin"]
        key = (
            "admin"
            if any(u.username == "admin" for u in admins)
            else (admins[0].username if admins else "admin")
        )
        remaining = self.lockout_remaining(key)
        if remaining:
            raise LockedOut(remaining)
        for u in admins:
            if await asyncio.to_thread(verify_password, u.password_hash, password):
                self._failures.pop(key, None)
                return u
        return await self.verify(key, "\x00invalid\x00" + password)  # counts the failure

    async def login(self, username: str, password: str) -> NewSession:
        user = await self.verify(username, password)
        return await self.open_session(user.username, user.role)

    async def open_session(self, username: str, role: Role) -> NewSession:
        token, csrf = new_token(), new_token()
        h = token_hash(token)
        expires = int((time.time() + SESSION_SECONDS) * 1000)
        await self.store.create_session(h, token_hash(csrf), username, role, expires)
        principal = Principal(username, role, "bearer", h)
        self._cache[h] = Session(principal, token_hash(csrf), expires)
        return NewSession(token, csrf, principal)

    # sessions --------------------------------------------------------------------
    async def session(self, token: str) -> Session | None:
        h = token_hash(token)
        s = self._cache.get(h)
        if s is None:
            row = await self.store.get_session(h)
            if row is None:
                return None
            username, role = str(row["username"]), str(row["role"])
            if self.user_role(username) != role:
                return None  # user removed or role changed since
            s = Session(
                Principal(username, "admin" if role == "admin" else "guest", "bearer", h),
                str(row["csrf_hash"]),
                int(str(row["expires_ms"])),
            )
            self._cache[h] = s
        if s.expires_ms < time.time() * 1000:
            await self.revoke(h)
            return None
        return s

    def api_key(self, token: str) -> Principal | None:
        h = token_hash(token)
        for k in self._api_keys:
            if same(k, h):
                return Principal("api-key", "admin", "apikey", None)
        return None

    def csrf_ok(self, session: Session, csrf_token: str | None) -> bool:
        return csrf_token is not None and same(session.csrf_hash, token_hash(csrf_token))

    async def revoke(self, h: str) -> None:
        self._cache.pop(h, None)
        await self.store.delete_session(h)
