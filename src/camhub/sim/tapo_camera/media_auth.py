"""The port-8800 stream's login and cipher, as the camera checks and applies them.

The login is HTTP digest (RFC 2617, ``qop=auth``, MD5) for the user ``admin``, but the
"password" in it is a hash of the *cloud* password in upper-case hex: MD5 on older
firmware, whose challenge says nothing more; SHA-256 on firmware whose challenge
carries ``encrypt_type="3"``. Some firmware advertises ``encrypt_type="3"`` yet only
takes the MD5 form (pytapo retries with MD5 after a 401 for them). :data:`VARIANTS`
names the three: ``md5``, ``sha256`` and ``sha256-md5``.

After the 200, ``Key-Exchange: username="admin" nonce="<hex>"`` seeds AES-128-CBC for
every encrypted part: key ``MD5(nonce ":" hashed_password)``, IV ``MD5(username ":"
nonce)``, the IV restarting with each part, PKCS#7 padding.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from camhub import aes

USER = "admin"
REALM = "TP-Link Streaming Media"  # an assumption: no capture we could read shows it
# variant -> (advertise encrypt_type 3, hash the camera accepts)
VARIANTS: dict[str, tuple[bool, str]] = {
    "md5": (False, "md5"),
    "sha256": (True, "sha256"),
    "sha256-md5": (True, "md5"),
}


def hashed_password(password: str, hash_name: str) -> str:
    return hashlib.new(hash_name, password.encode()).hexdigest().upper()


def parse_params(text: str) -> dict[str, str]:
    """``a="x",b=y, c="z"`` -> dict (commas inside quotes are not expected here)."""
    out: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if sep:
            out[key.strip().lower()] = value.strip().strip('"')
    return out


def _md5(*parts: str) -> str:
    return hashlib.md5(":".join(parts).encode()).hexdigest()


@dataclass
class Challenge:
    """One 401's nonce, and the check of the answer to it."""

    password: str = field(repr=False)
    variant: str = "sha256"
    nonce: str = field(default_factory=lambda: secrets.token_hex(16))
    opaque: str = field(default_factory=lambda: secrets.token_hex(8))

    def header(self) -> str:
        # No spaces after the commas: pytapo splits this header on "," and "=".
        text = f'Digest realm="{REALM}",nonce="{self.nonce}",qop="auth",opaque="{self.opaque}"'
        if VARIANTS[self.variant][0]:
            text += ',encrypt_type="3"'
        return text

    @property
    def hashed(self) -> str:
        return hashed_password(self.password, VARIANTS[self.variant][1])

    def accepts(self, authorization: str, method: str) -> bool:
        scheme, _, rest = authorization.strip().partition(" ")
        if scheme.lower() != "digest":
            return False
        p = parse_params(rest)
        if p.get("username") != USER or p.get("nonce") != self.nonce or p.get("qop") != "auth":
            return False
        uri = p.get("uri", "")
        if not uri.startswith("/stream"):
            return False
        ha1 = _md5(USER, p.get("realm", ""), self.hashed)
        expected = _md5(ha1, self.nonce, p.get("nc", ""), p.get("cnonce", ""), "auth",
                        _md5(method, uri))  # fmt: skip
        return p.get("realm") == REALM and hmac.compare_digest(expected, p.get("response", ""))


class PartCipher:
    """AES-128-CBC of the parts of one stream (see the module docstring)."""

    def __init__(self, hashed: str, username: str = USER) -> None:
        self.nonce = secrets.token_hex(16)
        self.username = username
        self._key = hashlib.md5(f"{self.nonce}:{hashed}".encode()).digest()
        self._iv = hashlib.md5(f"{username}:{self.nonce}".encode()).digest()

    def key_exchange(self) -> str:
        return f'username="{self.username}" nonce="{self.nonce}"'

    def encrypt(self, data: bytes) -> bytes:
        return aes.encrypt(self._key, self._iv, data)

    def decrypt(self, data: bytes) -> bytes:
        """ValueError when ``data`` is not a whole number of blocks or badly padded."""
        return aes.decrypt(self._key, self._iv, data)
