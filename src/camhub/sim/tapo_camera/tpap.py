"""TPAP, the login of 2025-26 camera firmware: SPAKE2+ then an AES-128-CCM channel.

Wire facts (freeKC's C510W write-up, pytapo 3.4.30's client):

* ``{"method": "login", "params": {"sub_method": "discover"}}`` answers the
  ``tpap`` object (``pake: [2]`` = password login); every older login shape
  (``cnonce``/``encrypt_type`` 3, hashed MD5 password) answers ``-40211``;
* ``pake_register`` (username ``admin``, its MD5 hex or SHA-256 upper hex,
  ``user_random``) answers ``dev_salt``, ``dev_random``, ``dev_share``,
  ``iterations``, ``encryption: aes_128_ccm`` and, on firmware that stores a
  password shadow, ``extra_crypt``; an unknown username answers ``-40209``;
* ``pake_share`` (``user_share``, ``user_confirm``) answers ``stok``,
  ``start_seq``, ``expired`` and ``dev_confirm``; a wrong password answers a
  plain ``-40401`` and counts towards the lockout;
* ``POST /stok=<stok>/ds`` bodies are ``seq (4 bytes BE) || CCM(json) || tag``
  with nonce ``base_nonce[:8] || seq``; the reply has the same layout. A refused
  body (stale seq, failed tag) answers plain-JSON ``-40401`` and ends the
  session; a body that decrypts but is not a ``multipleRequest`` answers ``-40209``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import secrets
import struct
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from camhub.sim.tapo_camera.auth import LoginAuthority, Session, sha256_upper
from camhub.sim.tapo_camera.codes import CameraCode
from camhub.sim.tapo_camera.spake2p import ITERATIONS, Exchange, Verifier, sha256_crypt

SESSION_SECONDS = 3600
CAMERA_USER = "admin"
_SALT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        return None


class TpapAuthority(LoginAuthority):
    """Answers the TPAP login sub-methods and opens/seals the CCM channel."""

    def __init__(
        self,
        *,
        username: str,
        password: str,
        hash_name: str,
        max_attempts: int,
        lockout_seconds: int,
    ) -> None:
        super().__init__(
            username=username,
            password=password,
            secure=True,
            hash_name=hash_name,
            max_attempts=max_attempts,
            lockout_seconds=lockout_seconds,
        )
        self.port = 443
        self._usernames = {
            CAMERA_USER,
            hashlib.md5(CAMERA_USER.encode()).hexdigest(),
            sha256_upper(CAMERA_USER),
        }
        self.extra_crypt: dict[str, Any] | None = None
        if hash_name == "md5":
            # C510W 1.3.4: the credential is md5_hex(cloud password), no extra_crypt
            credential = hashlib.md5(password.encode()).hexdigest()
        else:
            # C200 1.4.6: a SHA-256-crypt shadow of SHA256_HEX_UPPER(cloud password)
            salt = "".join(secrets.choice(_SALT_ALPHABET) for _ in range(16))
            credential = sha256_crypt(sha256_upper(password), salt)
            self.extra_crypt = {
                "type": "password_shadow",
                "params": {"passwd_id": 5, "passwd_prefix": f"$5${salt}$"},
            }
        self._dev_salt = secrets.token_bytes(16)
        self._verifier = Verifier(credential, self._dev_salt)
        self._pending: Exchange | None = None

    # login -------------------------------------------------------------------------
    def discover(self) -> dict[str, Any]:
        tpap = {"dac": 0, "noc": 0, "pake": [2], "port": self.port, "tls": 0, "user_hash_type": 0}
        return {"error_code": 0, "result": {"tpap": tpap}}

    def login(self, params: dict[str, Any], *, forced_lockout: bool) -> dict[str, Any]:
        sub = params.get("sub_method")
        if sub == "discover":
            return self.discover()
        if sub == "pake_register":
            return self._register(params)
        if sub == "pake_share":
            if forced_lockout:
                return self.blocked_reply(self.lockout_seconds)
            return self._share(params)
        return {"error_code": CameraCode.OLD_LOGIN_REFUSED}

    def blocked_reply(self, seconds: int | None = None) -> dict[str, Any]:
        left = self.seconds_left() if seconds is None else seconds
        data = {
            "code": CameraCode.DEVICE_BLOCKED,
            "time": 0,
            "max_time": self.max_attempts,
            "sec_left": left,
        }
        info = {
            "failedAttempts": self.max_attempts,
            "remainAttempts": 0,
            "lockedMinute": math.ceil(left / 60),
        }
        return {"error_code": CameraCode.DEVICE_BLOCKED, "data": data, "error_info": info}

    def _register(self, params: dict[str, Any]) -> dict[str, Any]:
        user_random = _unb64(params.get("user_random"))
        if params.get("username") not in self._usernames or not user_random:
            return {"error_code": CameraCode.INVALID_CREDENTIALS}
        self._pending = self._verifier.start(user_random)
        result: dict[str, Any] = {
            "dev_random": _b64(self._pending.dev_random),
            "dev_salt": _b64(self._dev_salt),
            "dev_share": _b64(self._pending.share),
            "iterations": ITERATIONS,
            "cipher_suites": 1,
            "encryption": "aes_128_ccm",
        }
        if self.extra_crypt is not None:
            result["extra_crypt"] = self.extra_crypt
        return {"error_code": 0, "result": result}

    def _share(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.seconds_left() > 0:
            return self.blocked_reply()
        exchange, self._pending = self._pending, None
        share, confirm = _unb64(params.get("user_share")), _unb64(params.get("user_confirm"))
        if exchange is None or share is None or confirm is None:
            return {"error_code": CameraCode.SESSION_EXPIRED}
        keys = self._verifier.finish(exchange, share, confirm)
        if keys is None:
            self._fail()
            return (
                self.blocked_reply()
                if self.seconds_left() > 0
                else {"error_code": CameraCode.SESSION_EXPIRED}
            )
        self.failures = 0
        self.logins += 1
        stok = secrets.token_hex(16)
        start_seq = secrets.randbelow(1 << 27) + 1
        self.keep(
            Session(
                stok=stok, secure=True, tpap=True, lsk=keys.key, ivb=keys.nonce, next_seq=start_seq
            )
        )
        result = {
            "stok": stok,
            "start_seq": start_seq,
            "expired": SESSION_SECONDS,
            "dev_confirm": _b64(keys.dev_confirm),
        }
        return {"error_code": 0, "result": result}


# the /ds channel -------------------------------------------------------------------
def _nonce(session: Session, seq: int) -> bytes:
    return session.ivb[:8] + struct.pack(">I", seq & 0xFFFFFFFF)


def open_request(session: Session, body: bytes) -> tuple[int, dict[str, Any]] | CameraCode:
    """``(seq, request)`` from a ``/ds`` body, or the error code to refuse it with."""
    if len(body) < 4 + 16:
        return CameraCode.SESSION_EXPIRED
    (seq,) = struct.unpack(">I", body[:4])
    if seq < session.next_seq:
        return CameraCode.SESSION_EXPIRED
    try:
        plain = AESCCM(session.lsk, tag_length=16).decrypt(_nonce(session, seq), body[4:], None)
    except InvalidTag:
        return CameraCode.SESSION_EXPIRED
    session.next_seq = seq + 1
    try:
        request = json.loads(plain)
    except (ValueError, RecursionError):
        return CameraCode.INVALID_CREDENTIALS
    if not isinstance(request, dict) or request.get("method") != "multipleRequest":
        return CameraCode.INVALID_CREDENTIALS  # decrypted, but not a multipleRequest
    return seq, request


def seal_reply(session: Session, seq: int, reply: dict[str, Any]) -> bytes:
    plain = json.dumps(reply, separators=(",", ":")).encode()
    sealed = AESCCM(session.lsk, tag_length=16).encrypt(_nonce(session, seq), plain, None)
    return struct.pack(">I", seq & 0xFFFFFFFF) + sealed
