"""The port-8800 stream's digest login and part cipher (client side).

The stream takes the Tapo *cloud* password, never the camera account: HTTP digest
(RFC 2617, ``qop=auth``, MD5) as user ``admin`` whose "password" is the cloud
password hashed to upper-case hex, SHA-256 when the 401's challenge carries
``encrypt_type="3"`` and MD5 otherwise. Some firmware advertises 3 and takes only
MD5: :func:`hash_order` says what to try, in order (pytapo and go2rtc do the same).

After the 200, the ``Key-Exchange`` header (``username="admin" nonce="..."``) seeds
AES-128-CBC: key ``MD5(nonce ":" hashed)``, IV ``MD5(username ":" nonce)``, the IV
restarting with each part, PKCS#7 padding. ``username="none"`` means the camera's
media encryption is off and the key is a firmware-wide secret: camhub refuses that
rather than carry the secret.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from camhub import aes

USER = "admin"
_PARAM = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"([^"]*)"|([^\s,]*))')


def params(text: str) -> dict[str, str]:
    """``k="v", k2=v2`` (commas or spaces between) -> dict, names lower-cased."""
    return {m[1].lower(): m[2] if m[2] is not None else m[3] for m in _PARAM.finditer(text)}


def hashed_password(password: str, hash_name: str) -> str:
    return hashlib.new(hash_name, password.encode()).hexdigest().upper()


def hash_order(challenge: dict[str, str]) -> tuple[str, ...]:
    return ("sha256", "md5") if challenge.get("encrypt_type") == "3" else ("md5",)


def _md5(*parts: str) -> str:
    return hashlib.md5(":".join(parts).encode()).hexdigest()


def authorization(challenge: dict[str, str], hashed: str, uri: str = "/stream") -> str:
    """The ``Authorization`` header answering ``challenge`` (a parsed Digest header)."""
    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    cnonce, nc = secrets.token_hex(12), "00000001"
    response = _md5(_md5(USER, realm, hashed), nonce, nc, cnonce, "auth", _md5("POST", uri))
    header = (
        f'Digest username="{USER}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
        f'algorithm=MD5, qop=auth, nc={nc}, cnonce="{cnonce}", response="{response}"'
    )
    if "opaque" in challenge:
        header += f', opaque="{challenge["opaque"]}"'
    return header


class PartCipher:
    """Decrypts the camera's encrypted parts (see the module docstring)."""

    def __init__(self, key_exchange: dict[str, str], hashed: str) -> None:
        nonce, username = key_exchange["nonce"], key_exchange.get("username", USER)
        self._key = hashlib.md5(f"{nonce}:{hashed}".encode()).digest()
        self._iv = hashlib.md5(f"{username}:{nonce}".encode()).digest()

    def decrypt(self, data: bytes) -> bytes:
        """ValueError when ``data`` is not whole AES blocks or its padding is wrong."""
        return aes.decrypt(self._key, self._iv, data)

    def encrypt(self, data: bytes) -> bytes:
        return aes.encrypt(self._key, self._iv, data)
