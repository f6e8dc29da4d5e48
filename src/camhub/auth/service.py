"""Users, sessions, sign-in attempts and media tokens.

Sessions live in the store (so they survive restarts) with an in-memory cache in
front; a user keeps at most ``SESSIONS_PER_USER`` (a new one ends the oldest).
Lockout follows seed 003 (after 5 failed attempts, every attempt is refused with 429
for 30 s, whatever the password), counted per account and client address, beside a
per-address and a per-account bucket: see :mod:`camhub.auth.attempts`. Media tokens:
see :mod:`camhub.auth.media`.
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

from camhub.auth.attempts import LoginGuard, client_key
from camhub.auth.media import DEFAULT_TTL, MediaGrant, MediaTokens, is_media_token
from camhub.auth.passwords import (
    DUMMY_HASH,
    hash_password,
    new_token,
    same,
    token_hash,
    verify_password,
)
from camhub.auth.principal import Principal, Role
from camhub.errors import BadCredentials, LockedOut, QueueFull
from camhub.media.rtsp_auth import md5_hex

DIGEST_REALM = "camhub"  # the realm of camhub's RTSP server

if TYPE_CHECKING:
    from camhub.config import Config

SESSION_SECONDS = 30 * 24 * 3600
SESSIONS_PER_USER = 50

__all__ = ["AuthService", "BadCredentials", "LockedOut", "NewSession", "QueueFull", "Session"]


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
    async def sessions_beyond(self, username: str, keep: int) -> list[str]: ...


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
    never starve the default executor (transcoding, file reads), behind a bounded
    queue (:class:`~camhub.auth.attempts.LoginGuard`).
    """

    def __init__(
        self, store: SessionStore, hash_file: Path | None = None, key: bytes | None = None
    ) -> None:
        self.store = store
        # The users' argon2 hashes, kept (0600) so that a restart with the same
        # passwords keeps the same hashes, and sessions; a changed password ends them.
        self.hash_file = hash_file
        self._users: dict[str, _User] = {}
        self._ha1: dict[str, str] = {}  # RTSP Digest, from plain config passwords
        self._api_keys: set[str] = set()
        self.guard = LoginGuard()
        self.media = MediaTokens(key or secrets.token_bytes(32))
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
        self._ha1 = {}
        for u in config.effective_users():
            plain = u.password.get_secret_value()
            if not plain.startswith("$argon2"):  # RTSP Digest: kept in memory only
                self._ha1[u.username] = md5_hex(f"{u.username}:{DIGEST_REALM}:{plain}")
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

    def digest_ha1(self, username: str, realm: str) -> str | None:
        """RTSP Digest's HA1 of a user whose config gives a password (not a hash)."""
        if realm != DIGEST_REALM or username not in self._users:
            return None
        return self._ha1.get(username)

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
    def lockout_remaining(self, username: str, address: str | None) -> int:
        """Seconds before ``username`` may be tried from ``address`` (0: now)."""
        return self.guard.remaining(username, client_key(address))

    async def _attempt(
        self,
        accounts: list[str],
        address: str | None,
        check: Callable[[], Awaitable[_User | None]],
    ) -> _User:
        """One login attempt on ``accounts`` from ``address``: lockout, the bounded
        queue, the check, the failure counted. Raise LockedOut, QueueFull or BadCredentials."""
        where = client_key(address)

        def refuse_if_locked() -> None:
            remaining = max(self.guard.remaining(a, where) for a in accounts)
            if remaining:
                raise LockedOut(remaining)

        refuse_if_locked()  # a locked-out client never waits in the queue
        async with self.guard.turn(accounts, where):
            refuse_if_locked()  # a lockout may have begun while this one waited
            user = await check()
            if user is not None:
                if self.guard.remaining(user.username, where):
                    raise LockedOut(self.guard.remaining(user.username, where))
                self.guard.succeeded(user.username, where)
                return user
            remaining = self.guard.failed(accounts, where)
            if remaining:
                raise LockedOut(remaining)
            raise BadCredentials

    def prune(self) -> None:
        """Forget old login failures and expired cached sessions."""
        self.guard.prune()
        now_ms = time.time() * 1000
        self._cache = {h: s for h, s in self._cache.items() if s.expires_ms > now_ms}

    async def verify(self, username: str, password: str, address: str | None) -> _User:
        """Check a password with lockout; raise LockedOut, QueueFull or BadCredentials."""

        async def check() -> _User | None:
            user = self._users.get(username)
            digest = user.password_hash if user else DUMMY_HASH
            ok = await self._run(verify_password, digest, password)
            return user if ok else None

        return await self._attempt([username], address, check)

    async def verify_any_admin(self, password: str, address: str | None) -> _User:
        """tapo-rest's login: a password alone, matched against the admin users.

        A failure counts against every admin account (each was guessed), from this
        address; an admin whose lockout is on cannot sign in this way either. With
        no admin, failures count against the account ``admin``.
        """
        admins = [u for u in self._users.values() if u.role == "admin"]
        names = [u.username for u in admins] or ["admin"]
        where = client_key(address)
        open_ = [n for n in names if not self.guard.remaining(n, where)]
        if not open_:
            raise LockedOut(max(self.guard.remaining(n, where) for n in names))

        async def check() -> _User | None:
            found = None
            for u in admins:  # every one, whatever matches: constant work
                if await self._run(verify_password, u.password_hash, password) and found is None:
                    found = u
            if not admins:
                await self._run(verify_password, DUMMY_HASH, password)
            return found

        return await self._attempt(open_, address, check)

    async def login(self, username: str, password: str, address: str | None) -> NewSession:
        user = await self.verify(username, password, address)
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
        for old in await self.store.sessions_beyond(username, SESSIONS_PER_USER):
            await self.revoke(old)  # the oldest end: a user's sessions stay bounded
        return NewSession(token, csrf, principal)

    # sessions --------------------------------------------------------------------
    async def session(self, token: str) -> Session | None:
        """The open session of a session token (never of a media token)."""
        if is_media_token(token):
            return None
        return await self._session_by_hash(token_hash(token))

    async def _session_by_hash(self, h: str) -> Session | None:
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

    # media tokens ------------------------------------------------------------------
    def media_token(
        self, principal: Principal, device: str | None = None, ttl: int = DEFAULT_TTL
    ) -> tuple[str, int]:
        """A media token (token, expiry ms) for a signed-in ``principal``: view-only,
        for ``device`` alone when given; it ends with the principal's session."""
        if principal.via == "media" or principal.token_hash is None:
            raise BadCredentials  # a media token cannot make another
        return self.media.make(principal.token_hash, device, ttl)

    async def media_principal(self, token: str) -> Principal | None:
        """Who a media token views as (always a guest), or None if it is not valid."""
        grant: MediaGrant | None = self.media.read(token)
        if grant is None:
            return None
        if grant.parent in self._api_keys:
            return Principal("api-key", "guest", "media", grant.parent, device=grant.device)
        s = await self._session_by_hash(grant.parent)
        if s is None:
            return None
        return Principal(s.principal.username, "guest", "media", grant.parent, device=grant.device)

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
