"""Users, sessions and lockout.

Sessions live in the store (so they survive restarts) with an in-memory cache in
front. Lockout follows seed 003: after 5 failed attempts on an account, every
attempt on it is refused with 429 for 30 s, whatever the password.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

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


_T = TypeVar("_T")


class SessionStore(Protocol):
    async def create_session(
        self,
        token_hash: str,
        csrf_hash: str,
        username: str,
        role: str,
        expires_ms: int,
        credential: str | None = None,
    ) -> None: ...
    async def get_session(self, token_hash: str) -> dict[str, object] | None: ...
    async def delete_session(self, token_hash: str) -> None: ...
    async def set_session_csrf(self, token_hash: str, csrf_hash: str) -> None: ...


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

    @property
    def credential(self) -> str:
        """A fingerprint of the password hash, stored with each session it opens."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:32]


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
    """Users, login attempts with lockout, and sessions.

    Password checks run on a small executor of their own, so a flood of logins can
    never starve the default executor (transcoding, file reads); attempts on one
    account are checked one at a time, so parallel guesses cannot slip past the
    lockout.
    """

    MAX_TRACKED = 10_000  # accounts with failures remembered at once

    def __init__(self, store: SessionStore, hash_file: Path | None = None) -> None:
        self.store = store
        # The users' argon2 hashes, kept (0600) so that a restart with the same
        # passwords keeps the same hashes, and sessions; a changed password ends them.
        self.hash_file = hash_file
        self._users: dict[str, _User] = {}
        self._api_keys: set[str] = set()
        self._failures: dict[str, _Failures] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._cache: dict[str, Session] = {}
        self._revoke_listeners: list[Callable[[str], None]] = []
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="camhub-passwords")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _run(self, fn: Callable[..., _T], *args: object) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def load_users(self, config: Config) -> list[str]:
        """(Re)load users and API keys; return users whose password or role changed.

        Sessions of a user who is gone, or whose password or role changed, end.
        """
        users: dict[str, _User] = {}
        changed: list[str] = []
        kept = await self._run(self._read_hashes) if not self._users else {}
        for u in config.effective_users():
            plain = u.password.get_secret_value()
            old = self._users.get(u.username)
            if old is None and u.username in kept:
                old = _User(u.username, u.role, kept[u.username])
            if old is not None and (
                plain == old.password_hash  # the config gives the hash itself
                or await self._run(verify_password, old.password_hash, plain)
            ):
                users[u.username] = _User(u.username, u.role, old.password_hash)
                if old.role != u.role:
                    changed.append(u.username)
            else:
                users[u.username] = _User(u.username, u.role, await self._run(hash_password, plain))
                if old is not None:
                    changed.append(u.username)
        changed += [name for name in self._users if name not in users]
        self._users = users
        await self._run(self._write_hashes)
        keys = {token_hash(k.get_secret_value()) for k in config.server.api_keys}
        for gone in self._api_keys - keys:
            for listener in list(self._revoke_listeners):
                listener(gone)  # WebSockets opened with a removed key close
        self._api_keys = keys
        for h, s in list(self._cache.items()):
            if s.principal.username in changed:
                await self.revoke(h)
        return changed

    def _read_hashes(self) -> dict[str, str]:
        if self.hash_file is None or not self.hash_file.exists():
            return {}
        try:
            data = json.loads(self.hash_file.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def _write_hashes(self) -> None:
        if self.hash_file is None:
            return
        tmp = self.hash_file.with_suffix(f".{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({u.username: u.password_hash for u in self._users.values()}, f)
        os.replace(tmp, self.hash_file)

    def _current(self, username: str, role: object, credential: object) -> _User | None:
        """The user a stored session belongs to, if it still may act as them."""
        user = self._users.get(username)
        if user is None or user.role != role or user.credential != credential:
            return None
        return user

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

    async def _attempt(self, key: str, check: Callable[[], Awaitable[_User | None]]) -> _User:
        """One login attempt on account ``key``: lockout, check, count the failure."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            remaining = self.lockout_remaining(key)
            if remaining:
                raise LockedOut(remaining)
            user = await check()
            if user is not None:
                self._failures.pop(key, None)
                return user
            f = self._failures.setdefault(key, _Failures())
            if f.locked_until and f.locked_until <= time.monotonic():
                f.count, f.locked_until = 0, 0.0  # the previous lockout is over
            f.count += 1
            if len(self._failures) > self.MAX_TRACKED:
                self.prune()
            if f.count >= MAX_FAILURES:
                f.locked_until = time.monotonic() + LOCKOUT_SECONDS
                raise LockedOut(LOCKOUT_SECONDS)
            raise BadCredentials

    def prune(self) -> None:
        """Forget failures whose lockout is over, and idle per-account locks."""
        now = time.monotonic()
        self._failures = {
            k: f for k, f in self._failures.items() if not f.locked_until or f.locked_until > now
        }
        if len(self._failures) > self.MAX_TRACKED:  # still too many: keep the newest
            self._failures = dict(list(self._failures.items())[-self.MAX_TRACKED :])
        self._locks = {
            k: lock for k, lock in self._locks.items() if lock.locked() or k in self._failures
        }
        now_ms = time.time() * 1000
        self._cache = {h: s for h, s in self._cache.items() if s.expires_ms > now_ms}

    async def verify(self, username: str, password: str) -> _User:
        """Check a password with lockout; raise LockedOut or BadCredentials."""

        async def check() -> _User | None:
            user = self._users.get(username)
            digest = user.password_hash if user else DUMMY_HASH
            ok = await self._run(verify_password, digest, password)
            return user if ok else None

        return await self._attempt(username, check)

    async def verify_any_admin(self, password: str) -> _User:
        """tapo-rest's login: a password alone, matched against the admin users.

        Its failures count against the account ``admin`` (or the first admin).
        """
        admins = [u for u in self._users.values() if u.role == "admin"]
        names = [u.username for u in admins]
        key = "admin" if "admin" in names or not names else names[0]

        async def check() -> _User | None:
            for u in admins:
                if await self._run(verify_password, u.password_hash, password):
                    return u
            if not admins:
                await self._run(verify_password, DUMMY_HASH, password)
            return None

        return await self._attempt(key, check)

    async def login(self, username: str, password: str) -> NewSession:
        user = await self.verify(username, password)
        return await self.open_session(user.username, user.role, user.credential)

    async def open_session(
        self, username: str, role: Role, credential: str | None = None
    ) -> NewSession:
        """A session for a user just verified; ``credential`` is the verified user's.

        If the user's password or role changed while the password was being checked,
        the session is refused (BadCredentials) rather than stamped with the new one.
        """
        user = self._users.get(username)
        if (
            user is None
            or user.role != role
            or (credential is not None and user.credential != credential)
        ):
            raise BadCredentials
        credential = user.credential
        token, csrf = new_token(), new_token()
        h = token_hash(token)
        expires = int((time.time() + SESSION_SECONDS) * 1000)
        await self.store.create_session(h, token_hash(csrf), username, role, expires, credential)
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
            if self._current(username, role, row.get("credential")) is None:
                await self.revoke(h)  # user removed, or role or password changed since
                return None
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
                return Principal("api-key", "admin", "apikey", k)
        return None

    async def new_csrf(self, h: str) -> str | None:
        """A fresh CSRF token for the session ``h`` (a browser tab that lacks one).

        Tokens handed out before stop working; a tab that meets 403 fetches anew.
        """
        s = self._cache.get(h)
        if s is None:
            return None
        csrf = new_token()
        s.csrf_hash = token_hash(csrf)
        await self.store.set_session_csrf(h, s.csrf_hash)
        return csrf

    def csrf_ok(self, session: Session, csrf_token: str | None) -> bool:
        return csrf_token is not None and same(session.csrf_hash, token_hash(csrf_token))

    async def revoke(self, h: str) -> None:
        self._cache.pop(h, None)
        await self.store.delete_session(h)
        for listener in list(self._revoke_listeners):
            listener(h)

    def on_revoke(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Be told of each revoked session (by token hash); returns the unsubscribe."""
        self._revoke_listeners.append(listener)
        return lambda: self._revoke_listeners.remove(listener)

    async def still_valid(self, principal: Principal) -> bool:
        """Whether the session behind ``principal`` is still open (for long connections)."""
        if principal.via == "apikey":
            return principal.token_hash in self._api_keys
        if principal.token_hash is None:
            return False
        if principal.token_hash in self._cache:
            s = self._cache[principal.token_hash]
            role = self.user_role(s.principal.username)
            return s.expires_ms > time.time() * 1000 and role == s.principal.role
        row = await self.store.get_session(principal.token_hash)
        return (
            row is not None
            and self._current(str(row["username"]), row["role"], row.get("credential")) is not None
            and int(str(row["expires_ms"])) > time.time() * 1000
        )
