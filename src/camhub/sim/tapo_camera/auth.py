"""The Tapo camera's login side: both flows, sessions, and the failed-login lockout.

Legacy firmware takes ``{"method": "login", "params": {"hashed": true, "password":
MD5(password) upper hex, "username": ...}}`` and answers with a ``stok``. Secure
firmware (``encrypt_type`` 3) runs a two-step challenge: the client sends a
``cnonce``; the camera answers ``-40413`` with its own ``nonce`` and a
``device_confirm`` proving it knows the password; the client answers with
``digest_passwd``; the camera hands out a ``stok`` and a ``start_seq``. Both sides
then derive an AES-128-CBC key (``lsk``) and IV (``ivb``) for ``securePassthrough``,
and every request carries ``Seq`` and a ``Tapo_tag`` header.

Every login-phase request on secure firmware counts towards the lockout (its reply
carries ``time``, the attempts left, and ``max_time``); a successful login resets
the count. Legacy firmware counts wrong passwords only.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from camhub import aes
from camhub.sim.tapo_camera.codes import CameraCode

# Codes (codes.CameraCode): INVALID_CREDENTIALS is seed 000's "-40209: Invalid login
# credentials", the legacy firmware's answer to a wrong MD5 password. Secure firmware
# never sees a wrong password (the client checks device_confirm first); a wrong
# digest_passwd gets INVALID_NONCE again, as python-kasa's camera transport observed
# ("Invalid password hash in handshake2"). BAD_USERNAME (python-kasa: "determined from
# testing") answers a login probe for a user the camera does not have (a cloud e-mail
# instead of "admin"); the client then retries as admin.

NONCE_TTL = 60.0
# Sessions kept at once; the oldest goes first (cameras hold a handful of clients).
MAX_SESSIONS = 32


def sha256_upper(data: str) -> str:
    return hashlib.sha256(data.encode()).hexdigest().upper()


def md5_upper(data: str) -> str:
    return hashlib.md5(data.encode()).hexdigest().upper()


@dataclass
class Session:
    """One logged-in client: its stok and, on secure firmware, its cipher state."""

    stok: str
    secure: bool
    tpap: bool = False  # lsk/ivb then hold the CCM key and base nonce
    hashed_password: str = field(repr=False, default="")
    cnonce: str = ""
    lsk: bytes = field(repr=False, default=b"")
    ivb: bytes = field(repr=False, default=b"")
    next_seq: int = 0
    calls: int = 0

    def decrypt(self, data: bytes) -> bytes:
        return aes.decrypt(self.lsk, self.ivb, data)

    def encrypt(self, data: bytes) -> bytes:
        return aes.encrypt(self.lsk, self.ivb, data)

    def expected_tag(self, body: str, seq: int) -> str:
        first = sha256_upper(self.hashed_password + self.cnonce)
        return sha256_upper(first + body + str(seq))


def derive_key(kind: str, cnonce: str, nonce: str, hashed_password: str) -> bytes:
    """``lsk`` or ``ivb``: 16 bytes from the nonces and the hashed password."""
    hashed_key = sha256_upper(cnonce + hashed_password + nonce)
    return hashlib.sha256((kind + cnonce + nonce + hashed_key).encode()).digest()[:16]


class LoginAuthority:
    """Checks logins, issues sessions, counts failures and locks out."""

    def __init__(
        self,
        *,
        username: str,
        password: str,
        secure: bool,
        hash_name: str,
        max_attempts: int,
        lockout_seconds: int,
    ) -> None:
        self.username = username
        self.secure = secure
        self._md5 = md5_upper(password)
        self._hashed = sha256_upper(password) if hash_name == "sha256" else self._md5
        self.max_attempts = max_attempts
        self.lockout_seconds = lockout_seconds
        self.failures = 0
        self.locked_until = 0.0
        self.logins = 0
        self.sessions: dict[str, Session] = {}
        self._nonces: dict[str, float] = {}
        # Advertised like the real camera's; nothing is ever encrypted with it.
        key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self._public_key = base64.b64encode(der).decode()

    # lockout -------------------------------------------------------------------
    def seconds_left(self) -> int:
        left = self.locked_until - time.monotonic()
        return max(0, int(left + 0.999))

    def _fail(self) -> None:
        self.failures += 1
        if self.failures >= self.max_attempts:
            self.locked_until = time.monotonic() + self.lockout_seconds
            self.failures = 0

    def _counters(self) -> dict[str, Any]:
        return {"time": max(0, self.max_attempts - self.failures), "max_time": self.max_attempts}

    def blocked_reply(self, seconds: int | None = None) -> dict[str, Any]:
        left = self.seconds_left() if seconds is None else seconds
        data = {
            "code": CameraCode.DEVICE_BLOCKED,
            "time": 0,
            "max_time": self.max_attempts,
            "sec_left": left,
        }
        if self.secure:
            return {"error_code": CameraCode.DEVICE_BLOCKED, "result": {"data": data}}
        return {"error_code": CameraCode.DEVICE_BLOCKED, "data": data}

    # login ---------------------------------------------------------------------
    def login(self, params: dict[str, Any], *, forced_lockout: bool) -> dict[str, Any]:
        """Answer one ``login`` request (probe, challenge or credentials)."""
        if forced_lockout:
            return self.blocked_reply(self.lockout_seconds)
        if self.secure:
            return self._secure_login(params)
        return self._legacy_login(params)

    def _known(self, params: dict[str, Any]) -> bool:
        """The probe names no user, or the camera's own (``admin``)."""
        return bool(params.get("username", self.username) == self.username)

    def _legacy_login(self, params: dict[str, Any]) -> dict[str, Any]:
        if "password" not in params:
            # Old firmware knows neither discover nor encrypt_type 3.
            code = CameraCode.SESSION_EXPIRED if self._known(params) else CameraCode.BAD_USERNAME
            data = {"code": code, "encrypt_type": ["1", "2"], **self._counters()}
            return {"error_code": CameraCode.SESSION_EXPIRED, "result": {"data": data}}
        if self.seconds_left() > 0:
            return self.blocked_reply()
        if params.get("username") == self.username and params.get("password") == self._md5:
            return {"error_code": 0, "result": self._new_session(secure=False)}
        self._fail()
        if self.seconds_left() > 0:
            return self.blocked_reply()
        data = {"code": CameraCode.INVALID_CREDENTIALS, **self._counters()}
        return {"error_code": CameraCode.INVALID_CREDENTIALS, "data": data}

    def _secure_login(self, params: dict[str, Any]) -> dict[str, Any]:
        locked = self.seconds_left() > 0
        digest = params.get("digest_passwd")
        cnonce = str(params.get("cnonce") or "")
        if isinstance(digest, str) and cnonce:
            if locked:
                return self.blocked_reply()
            return self._check_digest(digest, cnonce, str(params.get("username", "")))
        if cnonce and not self._known(params):
            if not locked:
                self._fail()
            unknown = {"code": CameraCode.BAD_USERNAME, **self._counters()}
            return {"error_code": CameraCode.BAD_USERNAME, "result": {"data": unknown}}
        if not locked:
            self._fail()
        data: dict[str, Any] = {
            "code": CameraCode.DEVICE_BLOCKED
            if self.seconds_left() > 0
            else CameraCode.SESSION_EXPIRED,
            **self._counters(),
            "encrypt_type": ["3"],
            "key": self._public_key,
        }
        if self.seconds_left() > 0:
            data["time"] = 0
            data["sec_left"] = self.seconds_left()
        nonce = secrets.token_hex(8).upper()
        self._nonces[nonce] = time.monotonic()
        data["nonce"] = nonce
        if cnonce:
            confirm = sha256_upper(cnonce + self._hashed + nonce)
            data["device_confirm"] = confirm + nonce + cnonce
        return {"error_code": CameraCode.INVALID_NONCE, "result": {"data": data}}

    def _check_digest(self, digest: str, cnonce: str, username: str) -> dict[str, Any]:
        # digest_passwd = SHA256(hashed + cnonce + nonce) + cnonce + nonce
        mac, rest = digest[:64], digest[64:]
        nonce = rest[len(cnonce) :] if rest.startswith(cnonce) else ""
        issued = self._nonces.pop(nonce, None)
        self._nonces = {n: t for n, t in self._nonces.items() if time.monotonic() - t < NONCE_TTL}
        if issued is None or time.monotonic() - issued > NONCE_TTL:
            return {
                "error_code": CameraCode.INVALID_NONCE,
                "result": {"data": {"code": CameraCode.INVALID_NONCE}},
            }
        good = sha256_upper(self._hashed + cnonce + nonce)
        if username != self.username or not secrets.compare_digest(mac, good):
            self._fail()
            if self.seconds_left() > 0:
                return self.blocked_reply()
            data = {"code": CameraCode.INVALID_NONCE, **self._counters()}
            return {"error_code": CameraCode.INVALID_NONCE, "result": {"data": data}}
        result = self._new_session(secure=True, cnonce=cnonce, nonce=nonce)
        return {"error_code": 0, "result": result}

    def _new_session(self, *, secure: bool, cnonce: str = "", nonce: str = "") -> dict[str, Any]:
        self.failures = 0
        self.logins += 1
        stok = secrets.token_hex(16)
        session = Session(stok=stok, secure=secure)
        result: dict[str, Any] = {"stok": stok, "user_group": "root"}
        if secure:
            session.hashed_password = self._hashed
            session.cnonce = cnonce
            session.lsk = derive_key("lsk", cnonce, nonce, self._hashed)
            session.ivb = derive_key("ivb", cnonce, nonce, self._hashed)
            session.next_seq = secrets.randbelow(1000) + 1
            result["start_seq"] = session.next_seq
        self.keep(session)
        return result

    def keep(self, session: Session) -> None:
        """Store a new session, forgetting the oldest past :data:`MAX_SESSIONS`."""
        self.sessions[session.stok] = session
        while len(self.sessions) > MAX_SESSIONS:
            del self.sessions[next(iter(self.sessions))]
