"""KLAP v2 client transport for Tapo smart devices, over the hub's shared client.

Handshake (``/app/handshake1`` then ``/app/handshake2``), ``TP_SESSIONID`` cookie
with its ``TIMEOUT``, AES-CBC requests signed with SHA-256 on
``/app/request?seq=N``. An expired or refused session (HTTP 403) is renewed
transparently, once per request. Network failures become camhub errors in
:mod:`camhub.drivers.http` (refused/dropped -> DeviceUnreachable, no answer in time ->
DeviceTimeout); here, a device proving other credentials -> DeviceAuthError.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import struct
import time

import aiohttp

from camhub import aes
from camhub.drivers.http import fetch
from camhub.errors import DeviceAuthError, DeviceError, MalformedReply

log = logging.getLogger(__name__)

_SEQ = struct.Struct(">i")
SESSION_COOKIE = "TP_SESSIONID"
DEFAULT_TIMEOUT_S = 86400
# Renew a little before the device forgets the session (its clock may drift).
EXPIRY_MARGIN_S = 20 * 60


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def klap_auth_hash(username: str, password: str) -> bytes:
    """KLAP v2 credential hash: SHA256(SHA1(username) + SHA1(password))."""
    sha1 = hashlib.sha1
    return _sha256(sha1(username.encode()).digest() + sha1(password.encode()).digest())


class KlapCipher:
    """Keys of one session and the request sequence number."""

    def __init__(self, local_seed: bytes, remote_seed: bytes, auth: bytes) -> None:
        material = local_seed + remote_seed + auth
        self._key = _sha256(b"lsk" + material)[:16]
        full_iv = _sha256(b"iv" + material)
        self._iv = full_iv[:12]
        self.seq = _SEQ.unpack(full_iv[-4:])[0]
        self._sig = _sha256(b"ldk" + material)[:28]

    def encrypt(self, plain: bytes) -> tuple[int, bytes]:
        self.seq = self.seq + 1 if self.seq < 2**31 - 1 else -(2**31)
        body = aes.encrypt(self._key, self._iv + _SEQ.pack(self.seq), plain)
        return self.seq, _sha256(self._sig + _SEQ.pack(self.seq) + body) + body

    def decrypt(self, seq: int, data: bytes) -> bytes:
        """Check the signature, decrypt and unpad; ValueError when anything is off."""
        if len(data) < 48 or (len(data) - 32) % 16:
            raise ValueError("reply has the wrong length")
        signature, body = data[:32], data[32:]
        if not hmac.compare_digest(signature, _sha256(self._sig + _SEQ.pack(seq) + body)):
            raise ValueError("reply signature does not match")
        return aes.decrypt(self._key, self._iv + _SEQ.pack(seq), body)


class KlapTransport:
    """Sends JSON requests to one device; one instance per device (children share it)."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        *,
        host: str,
        port: int | None,
        username: str,
        password: str,
        device: str,
        timeout: float = 10.0,
    ) -> None:
        self._http = http
        self._base = f"http://{host}:{port or 80}/app"
        self._device = device
        self._timeout = timeout
        # Devices never bound to an account accept blank credentials.
        self._hashes = [klap_auth_hash(username, password), klap_auth_hash("", "")]
        self._lock = asyncio.Lock()
        self._cipher: KlapCipher | None = None
        self._session_id: str | None = None
        self._expires_at = 0.0
        self.handshakes = 0

    def __repr__(self) -> str:
        return f"<KlapTransport {self._base} device={self._device!r}>"

    # public ------------------------------------------------------------------
    async def send(self, request: bytes) -> bytes:
        """One request, one decrypted reply; renews the session when needed."""
        async with self._lock:
            for attempt in (1, 2):
                if self._cipher is None or time.monotonic() >= self._expires_at:
                    await self._handshake()
                reply = await self._request(request)
                if reply is not None:
                    return reply
                log.debug("%s: session refused (try %d), handshaking again", self._device, attempt)
                self.reset()
            raise DeviceError(
                f"{self._device}: the device refused a fresh session", device=self._device, code=403
            )

    def reset(self) -> None:
        self._cipher = None
        self._session_id = None

    async def close(self) -> None:
        self.reset()

    # steps -------------------------------------------------------------------
    async def _post(
        self, path: str, body: bytes, *, params: dict[str, str] | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        headers = {"Content-Type": "application/octet-stream"}
        if self._session_id is not None:
            headers["Cookie"] = f"{SESSION_COOKIE}={self._session_id}"
        # A kept-alive connection may have gone stale in the pool: sent once more.
        reply = await fetch(
            self._http,
            "POST",
            f"{self._base}{path}",
            device=self._device,
            timeout=self._timeout,
            retry_disconnected=True,
            data=body,
            params=params,
            headers=headers,
            ssl=False,
        )
        return reply.status, reply.body, reply.cookies

    async def _handshake(self) -> None:
        self.reset()
        local_seed = secrets.token_bytes(16)
        status, body, cookies = await self._post("/handshake1", local_seed)
        if status != 200 or len(body) != 48:
            raise DeviceError(
                f"{self._device}: handshake1 refused (HTTP {status}, {len(body)} bytes)",
                device=self._device,
                code=status,
            )
        remote_seed, proof = body[:16], body[16:]
        auth = next(
            (
                h
                for h in self._hashes
                if hmac.compare_digest(proof, _sha256(local_seed + remote_seed + h))
            ),
            None,
        )
        if auth is None:
            raise DeviceAuthError(
                f"{self._device}: the device does not accept this e-mail and password "
                "(both are case-sensitive; they are the Tapo account's)",
                device=self._device,
            )
        self._session_id = cookies.get(SESSION_COOKIE)
        try:
            lifetime = int(cookies.get("TIMEOUT", DEFAULT_TIMEOUT_S))
        except ValueError:
            lifetime = DEFAULT_TIMEOUT_S
        status, _, _ = await self._post("/handshake2", _sha256(remote_seed + local_seed + auth))
        if status != 200:
            self.reset()
            raise DeviceError(
                f"{self._device}: handshake2 refused (HTTP {status})",
                device=self._device,
                code=status,
            )
        self._cipher = KlapCipher(local_seed, remote_seed, auth)
        margin = min(EXPIRY_MARGIN_S, lifetime // 2)
        self._expires_at = time.monotonic() + lifetime - margin
        self.handshakes += 1

    async def _request(self, request: bytes) -> bytes | None:
        """The decrypted reply, or None when the session was refused (403)."""
        assert self._cipher is not None
        seq, body = self._cipher.encrypt(request)
        status, data, _ = await self._post("/request", body, params={"seq": str(seq)})
        if status == 403:
            return None
        if status != 200:
            raise DeviceError(
                f"{self._device}: request refused (HTTP {status})", device=self._device, code=status
            )
        try:
            return self._cipher.decrypt(seq, data)
        except ValueError as exc:
            self.reset()
            raise MalformedReply(self._device, f"cannot decrypt it ({exc})") from None
