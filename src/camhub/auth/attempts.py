"""Sign-in attempts: who may try, how many at once, and when to stop them.

Three failure buckets, checked before any password is:

========================  ===========  =========================================
bucket                    locks after  for
========================  ===========  =========================================
account + address         5 failures   30 s (seed 003's lockout, as users see it)
address                   20 failures  60 s, whatever the usernames (made-up ones too)
account (any address)     10 failures  30 s; failures counted over 30 s windows
========================  ===========  =========================================

Why this shape: the seed's per-account lockout alone let anyone keep ``admin``
locked forever with 5 requests every 30 s, and never slowed a spray of made-up
usernames. Now one address can lock ``admin`` for itself only: its own bucket stops
it after 5 failures, so within one 30 s window it adds at most 5 failures to the
account's bucket, which needs 10. Locking an account for everyone takes failures from
at least two addresses within 30 s; an address that sprays usernames locks itself
after 20. A success clears only its own account + address bucket (a valid guest
login does not wipe an address's record).

Password checks (argon2, ~0.1-0.2 s of a thread and 64 MiB each) are queued, and
the queue is bounded: checks from one address run one at a time (at most
``ADDRESS_QUEUE`` waiting), and at most ``MAX_CHECKS`` wait for or use the two
password threads at once. Past either bound the answer is :class:`QueueFull` (503 with
``Retry-After``), at once and without a password check. So a spray from one address
holds at most one password thread, and a real user from elsewhere waits for at most
a few checks. Attempts on one account are also checked one at a time, so parallel
guesses cannot slip past a bucket's limit.

Addresses: an IPv4 address is its own; IPv6 addresses count per /64 (what one
subscriber holds). Behind a reverse proxy, the address is the client's only when the
proxy is declared (``server.trust_forwarded_proto``); otherwise every client is the
proxy, and a spray locks sign-in through it for everyone (see docs/security.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from camhub.errors import QueueFull

MAX_FAILURES = 5
LOCKOUT_SECONDS = 30
ADDRESS_MAX_FAILURES = 20
ADDRESS_LOCKOUT_SECONDS = 60
ACCOUNT_MAX_FAILURES = 10
FAILURE_MEMORY = 900  # seconds a failure counts in the per-address buckets
ADDRESS_QUEUE = 16
MAX_CHECKS = 8
RETRY_AFTER = 1


def client_key(address: str | None) -> str:
    """The bucket of a client address: IPv4 as is, IPv6 per /64."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address[:64]
    if ip.version == 6:
        mapped = ip.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass
class _Bucket:
    limit: int
    lockout: float
    window: float  # failures are counted from the first one for this long
    count: int = 0
    first: float = 0.0
    locked_until: float = 0.0

    def remaining(self, now: float) -> int:
        left = self.locked_until - now
        return int(left + 0.999) if left > 0 else 0

    def fail(self, now: float) -> bool:
        """Count a failure; True if it locks the bucket."""
        if (self.locked_until and self.locked_until <= now) or now - self.first >= self.window:
            self.count, self.first, self.locked_until = 0, now, 0.0
        self.count += 1
        if self.count >= self.limit:
            self.locked_until = now + self.lockout
            return True
        return False

    def idle(self, now: float) -> bool:
        return self.locked_until <= now and now - self.first >= self.window


_K = TypeVar("_K")


def _prune(table: dict[_K, _Bucket], now: float, keep: int) -> None:
    kept = [(k, b) for k, b in table.items() if not b.idle(now)][-keep:]
    table.clear()
    table.update(kept)


class LoginGuard:
    """The failure buckets and the bounded queue of password checks."""

    MAX_TRACKED = 10_000  # buckets of each kind remembered at once

    def __init__(self) -> None:
        self._pairs: dict[tuple[str, str], _Bucket] = {}
        self._addresses: dict[str, _Bucket] = {}
        self._accounts: dict[str, _Bucket] = {}
        self._address_locks: dict[str, asyncio.Lock] = {}
        self._account_locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}  # attempts holding or awaiting an address lock
        self._account_users: Counter[str] = Counter()  # the same, per account lock
        self.checking = 0  # attempts waiting for, or using, a password thread

    # lockout ---------------------------------------------------------------------
    def remaining(self, account: str, address: str) -> int:
        """Seconds before ``account`` may be tried from ``address`` (0: now)."""
        now = time.monotonic()
        found = [
            self._pairs.get((account, address)),
            self._addresses.get(address),
            self._accounts.get(account),
        ]
        return max((b.remaining(now) for b in found if b is not None), default=0)

    def failed(self, accounts: Iterable[str], address: str) -> int:
        """Count a failed check on ``accounts`` from ``address``; the lockout it
        starts on any of them, in seconds (0: none)."""
        now = time.monotonic()
        remaining = 0
        by_address = self._addresses.get(address)
        if by_address is None:
            by_address = self._addresses[address] = _Bucket(
                ADDRESS_MAX_FAILURES, ADDRESS_LOCKOUT_SECONDS, FAILURE_MEMORY
            )
        if by_address.fail(now):
            remaining = ADDRESS_LOCKOUT_SECONDS
        for account in accounts:
            pair = self._pairs.get((account, address))
            if pair is None:
                pair = self._pairs[account, address] = _Bucket(
                    MAX_FAILURES, LOCKOUT_SECONDS, FAILURE_MEMORY
                )
            whole = self._accounts.get(account)
            if whole is None:
                # Windows as long as the lockout: one address adds at most
                # MAX_FAILURES to a window before its own bucket stops it.
                whole = self._accounts[account] = _Bucket(
                    ACCOUNT_MAX_FAILURES, LOCKOUT_SECONDS, LOCKOUT_SECONDS
                )
            locks_pair = pair.fail(now)
            locks_account = whole.fail(now)
            if locks_pair or locks_account:
                remaining = max(remaining, LOCKOUT_SECONDS)
        if max(len(self._pairs), len(self._addresses), len(self._accounts)) > self.MAX_TRACKED:
            self.prune()
        return remaining

    def succeeded(self, account: str, address: str) -> None:
        self._pairs.pop((account, address), None)

    def prune(self) -> None:
        """Forget idle buckets; past MAX_TRACKED, keep the newest."""
        now = time.monotonic()
        _prune(self._pairs, now, self.MAX_TRACKED)
        _prune(self._addresses, now, self.MAX_TRACKED)
        _prune(self._accounts, now, self.MAX_TRACKED)

    # the queue -------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def turn(self, accounts: list[str], address: str) -> AsyncIterator[None]:
        """Wait for this attempt's turn to check a password; raise :class:`QueueFull` at
        once when the queue is full. Re-check :meth:`remaining` inside: a lockout may
        have started while waiting. Locks live only while someone holds or awaits them."""
        if self._waiting.get(address, 0) >= ADDRESS_QUEUE:
            raise QueueFull
        self._waiting[address] = self._waiting.get(address, 0) + 1
        try:
            async with self._address_locks.setdefault(address, asyncio.Lock()):
                if self.checking >= MAX_CHECKS:
                    raise QueueFull
                self.checking += 1
                try:
                    async with contextlib.AsyncExitStack() as stack:
                        for account in sorted(set(accounts)):  # one order: no deadlock
                            stack.enter_context(self._using(account))
                            lock = self._account_locks.setdefault(account, asyncio.Lock())
                            await stack.enter_async_context(lock)
                        yield
                finally:
                    self.checking -= 1
        finally:
            self._waiting[address] -= 1
            if not self._waiting[address]:
                del self._waiting[address]
                self._address_locks.pop(address, None)

    @contextlib.contextmanager
    def _using(self, account: str) -> Iterator[None]:
        self._account_users[account] += 1
        try:
            yield
        finally:
            self._account_users[account] -= 1
            if not self._account_users[account]:
                del self._account_users[account]
                self._account_locks.pop(account, None)
