"""The device side of KLAP v2: handshake, session table, payload crypto.

Facts of the protocol (as observed on Tapo plugs and bulbs since 2023 firmware):

* ``auth_hash = SHA256(SHA1(username) + SHA1(password))``; the username is the
  Tapo account e-mail.
* ``POST /app/handshake1`` carries a 16-byte client seed; the device answers its
  own 16-byte seed followed by ``SHA256(local_seed + remote_seed + auth_hash)`` and
  sets ``TP_SESSIONID`` (with a ``TIMEOUT`` in seconds) as a cookie.
* ``POST /app/handshake2`` carries ``SHA256(remote_seed + local_seed + auth_hash)``;
  a mismatch is refused.
* Requests go to ``/app/request?seq=N``: AES-128-CBC, key and IV prefix derived
  from the seeds and the hash, the signed 32-bit ``seq`` closing the IV, and a
  SHA-256 signature in front of the cipher text. Replies use the same ``seq``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
import time
from dataclasses import dataclass, field

from camhub import aes

_SEQ = struct.Struct(">i")


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def auth_hash(username: str, password: str) -> bytes:
    sha1 = hashlib.sha1
    return sha256(sha1(username.encode()).digest() + sha1(password.encode()).digest())


class BadPayload(Exception):
    """The request could not be authenticated or decrypted."""


@dataclass
class KlapSession:
    """One client's session: seeds, derived keys and its expiry."""

    local_seed: bytes
    remote_seed: bytes
    user_hash: bytes
    expires_at: float
    confirmed: bool = False  # handshake2 done
    requests_left: int | None = None  # None: unlimited (fault "session-expiry" sets 1)
    key: bytes = field(init=False, repr=False)
    iv: bytes = field(init=False, repr=False)
    sig: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        material = self.local_seed + self.remote_seed + self.user_hash
        self.key = sha256(b"lsk" + material)[:16]
        self.iv = sha256(b"iv" + material)[:12]
        self.sig = sha256(b"ldk" + material)[:28]

    def expected_handshake2(self) -> bytes:
        return sha256(self.remote_seed + self.local_seed + self.user_hash)

    def decrypt(self, seq: int, body: bytes) -> bytes:
        if len(body) < 48 or (len(body) - 32) % 16:
            raise BadPayload("payload has the wrong length")
        signature, cipher_text = body[:32], body[32:]
        if not hmac.compare_digest(signature, sha256(self.sig + _SEQ.pack(seq) + cipher_text)):
            raise BadPayload("bad signature")
        try:
            return aes.decrypt(self.key, self.iv + _SEQ.pack(seq), cipher_text)
        except ValueError as exc:
            raise BadPayload("bad padding") from exc

    def encrypt(self, seq: int, plain: bytes) -> bytes:
        cipher_text = aes.encrypt(self.key, self.iv + _SEQ.pack(seq), plain)
        return sha256(self.sig + _SEQ.pack(seq) + cipher_text) + cipher_text


class KlapServer:
    """Session table of one device."""

    def __init__(self, username: str, password: str, timeout_s: int = 86400) -> None:
        self.user_hash = auth_hash(username, password)
        self.timeout_s = timeout_s
        self.sessions: dict[str, KlapSession] = {}
        self.single_use = False  # every new session serves one request only

    def set_credentials(self, username: str, password: str) -> None:
        self.user_hash = auth_hash(username, password)
        self.sessions.clear()

    def handshake1(self, local_seed: bytes) -> tuple[str, bytes]:
        """Return (session id, body) for a client seed."""
        remote_seed = secrets.token_bytes(16)
        session = KlapSession(
            local_seed,
            remote_seed,
            self.user_hash,
            expires_at=time.monotonic() + self.timeout_s,
            requests_left=1 if self.single_use else None,
        )
        sid = secrets.token_hex(16).upper()
        self._prune()
        self.sessions[sid] = session
        return sid, remote_seed + sha256(local_seed + remote_seed + self.user_hash)

    def handshake2(self, sid: str | None, proof: bytes) -> bool:
        session = self.sessions.get(sid or "")
        if session is None or not hmac.compare_digest(proof, session.expected_handshake2()):
            self.sessions.pop(sid or "", None)
            return False
        session.confirmed = True
        return True

    def session(self, sid: str | None) -> KlapSession | None:
        """The live, confirmed session for a cookie value, else None (-> 403)."""
        session = self.sessions.get(sid or "")
        if session is None or not session.confirmed:
            return None
        if session.expires_at <= time.monotonic() or session.requests_left == 0:
            self.sessions.pop(sid or "", None)
            return None
        if session.requests_left is not None:
            session.requests_left -= 1
        return session

    def drop_all(self) -> None:
        self.sessions.clear()

    def _prune(self) -> None:
        now = time.monotonic()
        for sid in [s for s, v in self.sessions.items() if v.expires_at <= now]:
            del self.sessions[sid]
        while len(self.sessions) >= 64:  # devices keep a handful of sessions
            del self.sessions[next(iter(self.sessions))]
