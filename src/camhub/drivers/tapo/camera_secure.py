"""The cipher of the secure (``encrypt_type`` 3) login, and what login replies say.

Secure firmware runs a two-step challenge: the client sends a ``cnonce``; the camera
answers ``-40413`` with its ``nonce`` and a ``device_confirm`` proving it knows the
password (as SHA-256 or MD5 upper hex); the client answers ``digest_passwd`` and
gets a ``stok`` and ``start_seq``. Both sides derive an AES-128-CBC key (``lsk``)
and IV (``ivb``) for ``securePassthrough``; each request carries ``Seq`` and a
``Tapo_tag`` header.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from camhub import aes


def sha256_upper(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest().upper()


def md5_upper(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest().upper()


@dataclass(repr=False)
class SecureSession:
    """Cipher state of one encrypt_type 3 session."""

    hashed_password: str = field(repr=False)
    cnonce: str
    nonce: str
    seq: int
    lsk: bytes = field(init=False, repr=False)
    ivb: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        key = sha256_upper(self.cnonce + self.hashed_password + self.nonce)
        self.lsk = self._derive("lsk", key)
        self.ivb = self._derive("ivb", key)

    def _derive(self, kind: str, key: str) -> bytes:
        return hashlib.sha256((kind + self.cnonce + self.nonce + key).encode()).digest()[:16]

    def encrypt(self, data: bytes) -> bytes:
        return aes.encrypt(self.lsk, self.ivb, data)

    def decrypt(self, data: bytes) -> bytes:
        return aes.decrypt(self.lsk, self.ivb, data)

    def tag(self, body: str, seq: int) -> str:
        return sha256_upper(sha256_upper(self.hashed_password + self.cnonce) + body + str(seq))


def lockout_seconds(reply: dict[str, Any]) -> int:
    """Seconds left on a failed-login lockout, where a login reply reports one."""
    result = reply.get("result")
    holders = (
        reply.get("data"),
        result.get("data") if isinstance(result, dict) else None,
        reply.get("error_info"),
    )
    for holder in holders:
        if isinstance(holder, dict):
            try:
                left = int(holder.get("sec_left") or 0)
            except (TypeError, ValueError):
                left = 0
            if left > 0:
                return left
    return 0
