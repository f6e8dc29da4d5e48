"""Password hashing (argon2id) and token hashing.

Passwords from the config are hashed once at load and the plain text dropped; a
config may also give an ``$argon2id$...`` hash directly. Session tokens are random
256-bit values: only their SHA-256 is stored, which is enough for a secret with
that much entropy and keeps verification cheap on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    if password.startswith("$argon2"):
        return password  # already a hash
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against for unknown users, so that timing does not reveal them.
DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
