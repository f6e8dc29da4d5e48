"""Tapo camera transport: the three logins (legacy, secure, TPAP), the session and its
encryption.

``send(request)`` delivers one JSON request to ``/stok=<stok>/ds`` and returns the
camera's JSON answer, logging in first when needed and once more, transparently,
when the camera says the session has ended (-40401, HTTP 500 on secure firmware, a
refused TPAP body, or a TPAP session past its lifetime). Network failures become
``DeviceUnreachable`` / ``DeviceTimeout`` in :mod:`camhub.drivers.http` (whose
messages never show the ``stok`` in the URL), refused credentials
``DeviceAuthError``, a lockout ``DeviceLockedOut``.

Choosing the login (``login: auto``), like pytapo: the secure challenge goes first
(its reply *is* the probe, so no extra login-phase request counts towards the
camera's lockout); ``encrypt_type`` 3 offered -> the secure login (:mod:`.camera_secure`);
``-40211`` (2025-26 firmware refuses the older logins) -> TPAP (:mod:`.camera_tpap`);
anything else -> the legacy MD5 login. The flow found is remembered; a legacy
camera whose firmware moved to TPAP answers ``-40211`` and is detected afresh, so a
firmware update does not lock the user out. A configured ``login`` is used as is.

Secure firmware may answer a single get/set/do in plain JSON instead of a
``securePassthrough`` (python-kasa saw C210s do it): that answer is taken as is.
The TPAP channel takes only ``multipleRequest``: a single request is wrapped, and
its one answer unwrapped to the shape the camera gives it directly.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
from typing import Any, Literal

import aiohttp

from camhub.drivers.http import fetch
from camhub.drivers.tapo import camera_tpap
from camhub.drivers.tapo.camera_errors import TapoCameraError, meaning_of
from camhub.drivers.tapo.camera_secure import (
    SecureSession,
    lockout_seconds,
    md5_upper,
    sha256_upper,
)
from camhub.drivers.tapo.camera_tpap import TpapRefused, TpapSession
from camhub.errors import DeviceAuthError, DeviceError, DeviceLockedOut, MalformedReply

log = logging.getLogger(__name__)

LoginMode = Literal["auto", "legacy", "secure", "tpap"]
HEADERS = {
    "Accept": "application/json",
    "Content-Type": "application/json; charset=UTF-8",
    "User-Agent": "Tapo CameraClient Android",
    "requestByApp": "true",
}
BINARY = {"Accept": "application/octet-stream", "Content-Type": "application/octet-stream"}
E = TapoCameraError
# Top-level codes meaning "log in again" (pytapo treats them the same way).
RELOGIN_CODES = {E.SESSION_EXPIRED, E.COMMON_FAILED, E.SESSION_INVALID}
# Answers to a login request that mean "wrong user name or password".
BAD_CREDENTIAL_CODES = {E.SESSION_EXPIRED, E.INVALID_CREDENTIALS}
SINGLE = ("get", "set", "do")


class _Relogin(Exception):
    """The session is gone; log in again and retry."""


class _FlowGone(Exception):
    """The camera no longer offers the login it took before (a firmware update)."""


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
        self.setting: LoginMode = login  # as configured
        self.mode: LoginMode = login  # the flow in use, once found
        self.timeout = timeout
        self.device = device
        self._stok: str | None = None
        self._secure: SecureSession | None = None
        self._tpap: TpapSession | None = None
        self._tpap_info: dict[str, Any] | None = None
        self._lock = asyncio.Lock()
        self.logins = 0
        self.password_hash: Literal["sha256", "md5"] | None = None

    def __repr__(self) -> str:
        return f"<CameraTransport {self.base_url} {self.mode}>"

    def forget_session(self) -> None:
        """Drop the session at once (no lock: for close(), which must not wait)."""
        self._stok, self._secure, self._tpap = None, None, None

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
        self, url: str, body: str | bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        reply = await fetch(
            self._http,
            "POST",
            url,
            device=self.device,
            timeout=self.timeout,
            data=body.encode() if isinstance(body, str) else body,
            headers={**HEADERS, **(headers or {})},
            ssl=False,
        )
        return reply.status, reply.body

    async def _post_json(
        self, url: str, body: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        status, raw = await self._post(url, body, headers)
        return status, self._json(raw, status)

    def _json(self, raw: bytes, status: int) -> dict[str, Any]:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested past any real reply
            if status == 500:
                return {}
            raise MalformedReply(self.device, f"not JSON (HTTP {status})") from None
        if not isinstance(data, dict):
            raise MalformedReply(self.device, "not an object")
        return data

    async def _post_login(self, params: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"method": "login", "params": params})
        return (await self._post_json(self.base_url + "/", body))[1]

    # login --------------------------------------------------------------------------
    async def login(self) -> None:
        """Log in with the configured (or found) flow. Callers hold ``_lock``
        (see :meth:`ensure_session`)."""
        self.forget_session()
        if self.setting == "auto" and self.mode in ("legacy", "tpap"):
            try:
                await (self._legacy_login() if self.mode == "legacy" else self._tpap_login())
                return
            except _FlowGone:
                log.info("%s: the camera changed its login, detecting it again", self.device)
        try:
            if self.setting == "legacy":
                await self._legacy_login()
            elif self.setting == "tpap":
                await self._tpap_login()
            else:
                await self._detect()
        except _FlowGone:
            if self.setting in ("legacy", "tpap"):
                raise self._not_offered("TPAP" if self.setting == "tpap" else "legacy") from None
            raise DeviceAuthError(
                f"{self.device}: the camera refuses every login camhub knows", device=self.device
            ) from None

    async def _detect(self) -> None:
        """The secure challenge as the probe; its answer tells the flow."""
        cnonce = secrets.token_hex(8).upper()
        reply = await self._post_login(
            {"cnonce": cnonce, "encrypt_type": "3", "username": self.username}
        )
        result = reply.get("result")
        data = result.get("data") if isinstance(result, dict) else None
        offers_secure = isinstance(data, dict) and "3" in (data.get("encrypt_type") or [])
        if reply.get("error_code") == E.INVALID_NONCE and offers_secure:
            self.mode = "secure"
            await self._secure_login(cnonce, reply)
            return
        self._raise_lockout(reply)
        if reply.get("error_code") == E.MISSING_PARAMS:  # refuses the older logins
            if self.setting == "secure":
                raise self._not_offered("secure")
            await self._tpap_login()
            return
        if self.setting == "secure":
            raise self._not_offered("secure")
        await self._legacy_login()

    def _not_offered(self, flow: str) -> DeviceAuthError:
        return DeviceAuthError(
            f"{self.device}: the camera does not offer the {flow} login"
            " (login: auto finds the one it offers)",
            device=self.device,
        )

    def _raise_lockout(self, reply: dict[str, Any]) -> None:
        left = lockout_seconds(reply)
        if left > 0:
            raise DeviceLockedOut(
                f"{self.device}: locked out after failed logins, retry in {left} s",
                seconds_left=left,
                device=self.device,
                code=int(E.DEVICE_BLOCKED),
            )

    def _wrong_password(self) -> DeviceAuthError:
        return DeviceAuthError(
            f"{self.device}: wrong password ({E.INVALID_CREDENTIALS.meaning})",
            device=self.device,
            code=int(E.INVALID_CREDENTIALS),
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

    def _logged_in(self, stok: str, flow: LoginMode) -> None:
        self._stok = stok
        self.mode = flow
        self.logins += 1

    async def _legacy_login(self) -> None:
        reply = await self._post_login(
            {"hashed": True, "password": md5_upper(self._password), "username": self.username}
        )
        if reply.get("error_code") == E.MISSING_PARAMS:
            raise _FlowGone
        self._raise_lockout(reply)
        result = reply.get("result")
        stok = result.get("stok") if isinstance(result, dict) else None
        if reply.get("error_code", 0) != 0 or not isinstance(stok, str) or not stok:
            raise self._refused(reply)
        self.password_hash = "md5"
        self._logged_in(stok, "legacy")

    async def _secure_login(self, cnonce: str, challenge: dict[str, Any]) -> None:
        data = challenge["result"]["data"]
        nonce, confirm = data.get("nonce"), data.get("device_confirm")
        if not isinstance(nonce, str) or not isinstance(confirm, str):
            self._raise_lockout(challenge)
            raise self._refused(challenge)
        candidates = {"sha256": sha256_upper(self._password), "md5": md5_upper(self._password)}
        hashed = None
        for name, value in candidates.items():
            if confirm == sha256_upper(cnonce + value + nonce) + nonce + cnonce:
                self.password_hash, hashed = name, value  # type: ignore[assignment]
                break
        if hashed is None:
            # The camera proved it knows a password that is not ours.
            self._raise_lockout(challenge)
            raise self._wrong_password()
        digest = sha256_upper(hashed + cnonce + nonce) + cnonce + nonce
        reply = await self._post_login(
            {
                "cnonce": cnonce,
                "encrypt_type": "3",
                "digest_passwd": digest,
                "username": self.username,
            }
        )
        self._raise_lockout(reply)
        result = reply.get("result")
        if reply.get("error_code") == E.INVALID_NONCE:
            raise self._wrong_password()  # the camera's answer to a wrong digest
        if not isinstance(result, dict) or reply.get("error_code", 0) != 0:
            raise self._refused(reply)
        stok, seq = result.get("stok"), result.get("start_seq")
        if not isinstance(stok, str) or not isinstance(seq, int):
            raise MalformedReply(self.device, "login without stok or start_seq")
        self._secure = SecureSession(hashed, cnonce, nonce, seq)
        self._logged_in(stok, "secure")

    async def _tpap_login(self) -> None:
        """SPAKE2+ with the cloud password's MD5 or SHA-256 passcode: the one that
        worked before, else the likelier first (a password shadow is kept of the
        SHA-256 one), so a right password spends no failed attempt where we know."""
        if self._tpap_info is None:
            # Informative only: some TPAP firmware refuses discover (pytapo).
            self._tpap_info = await camera_tpap.discover(self._post_login) or {}
        hash_user = self._tpap_info.get("user_hash_type") == 1
        user = sha256_upper(self.username) if hash_user else camera_tpap.md5_hex(self.username)
        passcodes = {
            "md5": camera_tpap.md5_hex(self._password),
            "sha256": sha256_upper(self._password),
        }
        order: list[Literal["sha256", "md5"]] | None = (
            [self.password_hash] if self.mode == "tpap" and self.password_hash else None
        )
        attempt = 0
        while order is None or attempt < len(order):
            params, user_random = await self._tpap_register(user)
            if order is None:
                order = ["sha256", "md5"] if params.get("extra_crypt") else ["md5", "sha256"]
            name = order[attempt]
            attempt += 1
            try:
                session = await camera_tpap.share(
                    self._post_login, params, user_random, passcodes[name]
                )
            except TpapRefused as exc:
                self._raise_lockout(exc.reply)
                if exc.code == E.SESSION_EXPIRED:  # -40401: this passcode is wrong
                    continue
                if exc.code is None:
                    raise DeviceAuthError(
                        f"{self.device}: the camera could not prove it knows the password",
                        device=self.device,
                    ) from None
                raise self._refused(exc.reply) from None
            except ValueError as exc:
                raise MalformedReply(self.device, f"TPAP login: {exc}") from None
            self.password_hash = name
            self._tpap = session
            self._logged_in(session.stok, "tpap")
            return
        raise self._wrong_password()

    async def _tpap_register(self, user: str) -> tuple[dict[str, Any], bytes]:
        """``pake_register``; _FlowGone when the camera answers as an older login."""
        try:
            return await camera_tpap.register(self._post_login, user)
        except TpapRefused as exc:
            self._raise_lockout(exc.reply)
            if exc.code == E.INVALID_CREDENTIALS:  # -40209: no such user
                raise DeviceAuthError(
                    f"{self.device}: the camera has no user {self.username!r}"
                    " (TPAP cameras log in as admin)",
                    device=self.device,
                    code=int(E.INVALID_CREDENTIALS),
                ) from None
            raise _FlowGone from None  # -40211, or an older login's challenge
        except ValueError as exc:
            raise MalformedReply(self.device, f"TPAP login: {exc}") from None

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
        if self._tpap is not None:
            return await self._send_tpap(url, self._tpap, request)
        session = self._secure
        if session is None:
            status, reply = await self._post_json(url, json.dumps(request))
            if status >= 400 and reply.get("error_code") not in RELOGIN_CODES:
                raise DeviceError(f"{self.device}: HTTP {status}", device=self.device)
        else:
            sealed = base64.b64encode(session.encrypt(json.dumps(request).encode())).decode()
            body = json.dumps({"method": "securePassthrough", "params": {"request": sealed}})
            seq = session.seq
            session.seq += 1
            headers = {"Seq": str(seq), "Tapo_tag": session.tag(body, seq)}
            status, reply = await self._post_json(url, body, headers)
            if status == 500:
                raise _Relogin
        if reply.get("error_code") in RELOGIN_CODES:
            raise _Relogin
        if session is None or reply.get("error_code", 0) != 0:
            return reply
        result = reply.get("result")
        blob = result.get("response") if isinstance(result, dict) else None
        if not isinstance(blob, str):
            if request.get("method") in SINGLE:
                return reply  # a single request answered in plain JSON
            raise MalformedReply(self.device, "securePassthrough without a response")
        try:
            inner = json.loads(session.decrypt(base64.b64decode(blob)))
        except ValueError:
            raise _Relogin from None
        except RecursionError:
            raise MalformedReply(self.device, "nested too deep") from None
        if not isinstance(inner, dict):
            raise MalformedReply(self.device, "the secure answer is not an object")
        return inner

    async def _send_tpap(
        self, url: str, session: TpapSession, request: dict[str, Any]
    ) -> dict[str, Any]:
        if session.expired:
            raise _Relogin
        single = request.get("method") != "multipleRequest"
        wrapped = {"method": "multipleRequest", "params": {"requests": [request]}}
        status, raw = await self._post(url, session.seal(wrapped if single else request), BINARY)
        if raw[:1] == b"{":  # refused before decryption, in plain JSON
            refusal = self._json(raw, status)
            if refusal.get("error_code") in RELOGIN_CODES:
                raise _Relogin  # the camera ended the session
            return refusal
        if status >= 400:
            raise DeviceError(f"{self.device}: HTTP {status}", device=self.device)
        try:
            answer = session.open(raw)
        except ValueError:
            raise _Relogin from None
        except RecursionError:
            raise MalformedReply(self.device, "nested too deep") from None
        if not isinstance(answer, dict):
            raise MalformedReply(self.device, "the TPAP answer is not an object")
        if not single or answer.get("error_code", 0) != 0:
            return answer
        result = answer.get("result")
        responses = result.get("responses") if isinstance(result, dict) else None
        if not isinstance(responses, list) or len(responses) != 1:
            raise MalformedReply(self.device, "no single answer to a single request")
        one = responses[0]
        if not isinstance(one, dict):
            raise MalformedReply(self.device, "the answer is not an object")
        inner = one.get("result")
        return {
            **(inner if isinstance(inner, dict) else {}),
            "error_code": one.get("error_code", 0),
        }
