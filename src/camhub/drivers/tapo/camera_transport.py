"""Tapo camera transport: login (legacy or secure), session, Seq/Tapo_tag, encryption.

``send(request)`` delivers one JSON request to ``/stok=<stok>/ds`` and returns the
camera's JSON answer, logging in first when needed and once more, transparently,
when the camera says the session has ended (-40401, or HTTP 500 on secure
firmware). Network failures become ``DeviceUnreachable`` / ``DeviceTimeout`` in
:mod:`camhub.drivers.http` (whose messages never show the ``stok`` in the URL), refused
credentials ``DeviceAuthError``, a lockout ``DeviceLockedOut``.

The login flow is chosen like pytapo does: the secure challenge is tried first
(its reply *is* the probe, so no extra login-phase request counts towards the
camera's lockout); a camera without ``encrypt_type`` 3 gets the legacy MD5 login.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from camhub.drivers.http import fetch
from camhub.drivers.tapo.camera_errors import TapoCameraError, meaning_of
from camhub.errors import DeviceAuthError, DeviceError, DeviceLockedOut, MalformedReply

log = logging.getLogger(__name__)

LoginMode = Literal["auto", "legacy", "secure"]
HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/json; charset=UTF-8",
    "User-Agent": "Tapo CameraClient Android",
    "requestByApp": "true",
}
# Top-level codes meaning "log in again" (pytapo treats them the same way).
RELOGIN_CODES = {TapoCameraError.SESSION_EXPIRED, TapoCameraError.COMMON_FAILED}
# Answers to a login request that mean "wrong user name or password".
BAD_CREDENTIAL_CODES = {TapoCameraError.SESSION_EXPIRED, TapoCameraError.INVALID_CREDENTIALS}


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest().upper()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()


@dataclass(repr=False)
class SecureSession:
    """Cipher state of one encrypt_type 3 session."""

    hashed_password: str
    cnonce: str
    nonce: str
    seq: int
    lsk: bytes = field(init=False)
    ivb: bytes = field(init=False)

    def __post_init__(self) -> None:
        key = _sha256(self.cnonce + self.hashed_password + self.nonce)
        self.lsk = self._derive("lsk", key)
        self.ivb = self._derive("ivb", key)

    def _derive(self, kind: str, key: str) -> bytes:
        return hashlib.sha256((kind + self.cnonce + self.nonce + key).encode()).digest()[:16]

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.lsk), modes.CBC(self.ivb))

    def encrypt(self, data: bytes) -> bytes:
        padder = padding.PKCS7(128).padder()
        enc = self._cipher().encryptor()
        return enc.update(padder.update(data) + padder.finalize()) + enc.finalize()

    def decrypt(self, data: bytes) -> bytes:
        dec = self._cipher().decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(dec.update(data) + dec.finalize()) + unpadder.finalize()

    def tag(self, body: str, seq: int) -> str:
        return _sha256(_sha256(self.hashed_password + self.cnonce) + body + str(seq))


class _Relogin(Exception):
    """The session is gone; log in again and retry."""


def _lockout_seconds(reply: dict[str, Any]) -> int:
    result = reply.get("result")
    for holder in (reply.get("data"), result.get("data") if isinstance(result, dict) else None):
        if isinstance(holder, dict):
            try:
                left = int(holder.get("sec_left") or 0)
            except (TypeError, ValueError):
                left = 0
            if left > 0:
                return left
    return 0


class CameraTransport:
    """One camera's session over the shared aiohttp client."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        *,
        host: str,
        port: int | None,
        username: str,
        password: str,
        login: LoginMode = "auto",
        timeout: float = 10.0,
        device: str = "",
    ) -> None:
        self._http = http
        self.base_url = f"https://{host}:{port or 443}"
        self.username = username
        self._password = password
        self.mode: LoginMode = login
        self.timeout = timeout
        self.device = device
        self._stok: str | None = None
        self._secure: SecureSession | None = None
        self._lock = asyncio.Lock()
        self.logins = 0
        self.password_hash: Literal["sha256", "md5"] | None = None

    def __repr__(self) -> str:
        return f"<CameraTransport {self.base_url} {self.mode}>"

    def forget_session(self) -> None:
        """Drop the session at once (no lock: for close(), which must not wait)."""
        self._stok, self._secure = None, None

    async def ensure_session(self) -> None:
        """Log in unless a session exists; serialised with :meth:`send`, so a
        connect racing a request never logs in twice."""
        async with self._lock:
            if self._stok is None:
                await self.login()

    async def end_session(self) -> None:
        """Drop the session once no request is in flight (after a reboot)."""
        async with self._lock:
            self.forget_session()

    # HTTP ---------------------------------------------------------------------------
    async def _post(
        self, url: str, body: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        reply = await fetch(
            self._http,
            "POST",
            url,
            device=self.device,
            timeout=self.timeout,
            data=body.encode(),
            headers={**HEADERS, **(headers or {})},
            ssl=False,
        )
        raw, status = reply.body, reply.status
        try:
            data = json.loads(raw)
        except ValueError:
            if status == 500:
                return status, {}
            raise MalformedReply(self.device, f"not JSON (HTTP {status})") from None
        if not isinstance(data, dict):
            raise MalformedReply(self.device, "not an object")
        return status, data

    # login --------------------------------------------------------------------------
    async def login(self) -> None:
        """Log in with the configured (or detected) flow. Callers hold ``_lock``
        (see :meth:`ensure_session`)."""
        self.forget_session()
        if self.mode in ("auto", "secure"):
            cnonce = secrets.token_hex(8).upper()
            params = {"cnonce": cnonce, "encrypt_type": "3", "username": self.username}
            _, reply = await self._post(
                self.base_url + "/", json.dumps({"method": "login", "params": params})
            )
            result = reply.get("result")
            data = result.get("data") if isinstance(result, dict) else None
            offers_secure = isinstance(data, dict) and "3" in (data.get("encrypt_type") or [])
            if reply.get("error_code") == TapoCameraError.INVALID_NONCE and offers_secure:
                self.mode = "secure"
                await self._secure_login(cnonce, reply)
                return
            self._raise_lockout(reply)
            if self.mode == "secure":
                raise DeviceAuthError(
                    f"{self.device}: the camera does not offer the secure login",
                    device=self.device,
                    code=reply.get("error_code"),
                )
            self.mode = "legacy"
        await self._legacy_login()

    def _raise_lockout(self, reply: dict[str, Any]) -> None:
        left = _lockout_seconds(reply)
        if left > 0:
            raise DeviceLockedOut(
                f"{self.device}: locked out after failed logins, retry in {left} s",
                seconds_left=left,
                device=self.device,
                code=int(TapoCameraError.DEVICE_BLOCKED),
            )

    def _wrong_password(self) -> DeviceAuthError:
        return DeviceAuthError(
            f"{self.device}: wrong password ({TapoCameraError.INVALID_CREDENTIALS.meaning})",
            device=self.device,
            code=int(TapoCameraError.INVALID_CREDENTIALS),
        )

    def _refused(self, reply: dict[str, Any]) -> DeviceAuthError:
        code = reply.get("error_code")
        if code in BAD_CREDENTIAL_CODES:
            return self._wrong_password()
        meaning = meaning_of(code) if isinstance(code, int) else "unexpected reply"
        return DeviceAuthError(
            f"{self.device}: the camera refused the credentials ({meaning})",
            device=self.device,
            code=code if isinstance(code, int) else None,
        )

    async def _legacy_login(self) -> None:
        body = {
            "method": "login",
            "params": {"hashed": True, "password": _md5(self._password), "username": self.username},
        }
        _, reply = await self._post(self.base_url + "/", json.dumps(body))
        self._raise_lockout(reply)
        result = reply.get("result")
        stok = result.get("stok") if isinstance(result, dict) else None
        if reply.get("error_code", 0) != 0 or not isinstance(stok, str) or not stok:
            raise self._refused(reply)
        self.password_hash = "md5"
        self._stok = stok
        self.logins += 1

    async def _secure_login(self, cnonce: str, challenge: dict[str, Any]) -> None:
        data = challenge["result"]["data"]
        nonce, confirm = data.get("nonce"), data.get("device_confirm")
        if not isinstance(nonce, str) or not isinstance(confirm, str):
            self._raise_lockout(challenge)
            raise self._refused(challenge)
        candidates = {"sha256": _sha256(self._password), "md5": _md5(self._password)}
        hashed = None
        for name, value in candidates.items():
            if confirm == _sha256(cnonce + value + nonce) + nonce + cnonce:
                self.password_hash, hashed = name, value  # type: ignore[assignment]
                break
        if hashed is None:
            # The camera proved it knows a password that is not ours.
            self._raise_lockout(challenge)
            raise self._wrong_password()
        digest = _sha256(hashed + cnonce + nonce) + cnonce + nonce
        body = {
            "method": "login",
            "params": {
                "cnonce": cnonce,
                "encrypt_type": "3",
                "digest_passwd": digest,
                "username": self.username,
            },
        }
        _, reply = await self._post(self.base_url + "/", json.dumps(body))
        self._raise_lockout(reply)
        result = reply.get("result")
        if reply.get("error_code") == TapoCameraError.INVALID_NONCE:
            raise self._wrong_password()  # the camera's answer to a wrong digest
        if not isinstance(result, dict) or reply.get("error_code", 0) != 0:
            raise self._refused(reply)
        stok, seq = result.get("stok"), result.get("start_seq")
        if not isinstance(stok, str) or not isinstance(seq, int):
            raise MalformedReply(self.device, "login without stok or start_seq")
        self._secure = SecureSession(hashed, cnonce, nonce, seq)
        self._stok = stok
        self.logins += 1

    # requests -----------------------------------------------------------------------
    async def send(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one request; return the camera's (decrypted) JSON answer."""
        async with self._lock:
            if self._stok is None:
                await self.login()
            try:
                return await self._send_once(request)
            except _Relogin:
                log.info("%s: session ended, logging in again", self.device)
                await self.login()
                try:
                    return await self._send_once(request)
                except _Relogin:
                    self.forget_session()
                    raise DeviceError(
                        f"{self.device}: session refused right after login", device=self.device
                    ) from None

    async def _send_once(self, request: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url}/stok={self._stok}/ds"
        session = self._secure
        if session is None:
            status, reply = await self._post(url, json.dumps(request))
            if status >= 400 and reply.get("error_code") not in RELOGIN_CODES:
                raise DeviceError(f"{self.device}: HTTP {status}", device=self.device)
        else:
            sealed = base64.b64encode(session.encrypt(json.dumps(request).encode())).decode()
            body = json.dumps({"method": "securePassthrough", "params": {"request": sealed}})
            seq = session.seq
            session.seq += 1
            headers = {"Seq": str(seq), "Tapo_tag": session.tag(body, seq)}
            status, reply = await self._post(url, body, headers)
            if status == 500:
                raise _Relogin
        if reply.get("error_code") in RELOGIN_CODES:
            raise _Relogin
        if session is None or reply.get("error_code", 0) != 0:
            return reply
        result = reply.get("result")
        blob = result.get("response") if isinstance(result, dict) else None
        if not isinstance(blob, str):
            raise MalformedReply(self.device, "securePassthrough without a response")
        try:
            inner = json.loads(session.decrypt(base64.b64decode(blob)))
        except ValueError:
            raise _Relogin from None
        if not isinstance(inner, dict):
            raise MalformedReply(self.device, "the secure answer is not an object")
        return inner
