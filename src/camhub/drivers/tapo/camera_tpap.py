"""TPAP, the login of 2025-26 Tapo camera firmware: SPAKE2+, then an AES-128-CCM channel.

Wire facts (freeKC's write-up, pytapo 3.4.30's client):

* a TPAP camera answers the older logins (``encrypt_type`` 3 probe, hashed MD5
  password) with ``-40211``; ``{"sub_method": "discover"}`` answers its ``tpap``
  object (``pake`` holds 2 for the password login; ``user_hash_type`` 1 means the
  user name goes as SHA-256 upper hex, else MD5 hex);
* ``pake_register`` (user name, ``user_random``) answers ``dev_salt``,
  ``dev_random``, ``dev_share``, ``iterations`` and, on firmware that keeps a
  password shadow, ``extra_crypt``; ``pake_share`` (``user_share``,
  ``user_confirm``) answers ``stok``, ``start_seq``, ``expired`` and
  ``dev_confirm``, or ``-40401`` for a wrong password (it counts towards the
  lockout, whose answer carries ``sec_left``);
* the passcode is ``md5_hex`` or ``SHA256_HEX_UPPER`` of the cloud password (the
  app tries both); a ``password_shadow`` ``extra_crypt`` turns it into
  SHA-256-crypt (``passwd_id`` 5, with the camera's salt) or SHA-1 hex (2);
* ``/stok=<stok>/ds`` bodies are ``seq`` (4 bytes, big-endian) || CCM(JSON) || tag,
  nonce ``base_nonce[:8] || seq``; the channel takes only ``multipleRequest``.
  A refused body (stale ``seq``, failed tag) is answered in plain JSON and ends
  the session.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from camhub.drivers.tapo import camera_spake2p

PASSWORD_LOGIN = 2  # the ``pake`` value of the password login
MAX_ITERATIONS = 1_000_000  # PBKDF2 rounds a camera may ask for (5000 seen)
_CRYPT64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# SHA-256-crypt's output order: each triple of digest bytes becomes 4 characters.
_CRYPT_TRIPLES = (
    (0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14),
    (15, 25, 5), (6, 16, 26), (27, 7, 17), (18, 28, 8), (9, 19, 29),
)  # fmt: skip

PostLogin = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class TpapRefused(Exception):
    """A login step answered an error ``code`` (None: the camera failed its proof)."""

    def __init__(self, code: int | None, reply: dict[str, Any]) -> None:
        super().__init__(code)
        self.code = code
        self.reply = reply


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sha256_upper(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest().upper()


def _crypt64(value: int, count: int) -> str:
    return "".join(_CRYPT64[(value >> (6 * i)) & 0x3F] for i in range(count))


def _repeated(digest: bytes, length: int) -> bytes:
    return (digest * (length // len(digest) + 1))[:length]


def sha256_crypt(key: str, prefix: str) -> str:
    """SHA-256-crypt (``$5$``, Ulrich Drepper's specification) of ``key`` with the
    salt, and the rounds if given, of ``prefix`` (``$5$[rounds=N$]salt[$...]``)."""
    rest = prefix.removeprefix("$5$")
    rounds, explicit = 5000, False
    if rest.startswith("rounds="):
        head, _, tail = rest.partition("$")
        if tail and head[7:].isdecimal():
            rounds, explicit, rest = max(1000, min(int(head[7:]), 999_999_999)), True, tail
    salt = rest.split("$", 1)[0][:16]
    k, s = key.encode(), salt.encode()
    alternate = hashlib.sha256(k + s + k).digest()
    first = hashlib.sha256(k + s + _repeated(alternate, len(k)))
    bits = len(k)
    while bits:
        first.update(alternate if bits & 1 else k)
        bits >>= 1
    digest = first.digest()
    p_seq = _repeated(hashlib.sha256(k * len(k)).digest(), len(k))
    s_seq = _repeated(hashlib.sha256(s * (16 + digest[0])).digest(), len(s))
    for i in range(rounds):
        step = hashlib.sha256(p_seq if i & 1 else digest)
        if i % 3:
            step.update(s_seq)
        if i % 7:
            step.update(p_seq)
        step.update(digest if i & 1 else p_seq)
        digest = step.digest()
    text = "".join(
        _crypt64(digest[a] << 16 | digest[b] << 8 | digest[c], 4) for a, b, c in _CRYPT_TRIPLES
    )
    text += _crypt64(digest[31] << 8 | digest[30], 3)
    return f"$5${f'rounds={rounds}$' if explicit else ''}{salt}${text}"


def credential(passcode: str, extra_crypt: Any) -> str:
    """The SPAKE2+ credential the camera asked for (ValueError: a kind we do not know)."""
    if not extra_crypt:
        return passcode
    if not isinstance(extra_crypt, dict) or extra_crypt.get("type") != "password_shadow":
        raise ValueError("unknown extra_crypt")
    params = extra_crypt.get("params")
    params = params if isinstance(params, dict) else {}
    kind = params.get("passwd_id")
    if kind in (5, "5"):
        return sha256_crypt(passcode, str(params.get("passwd_prefix", "")))
    if kind in (2, "2"):
        return hashlib.sha1(passcode.encode()).hexdigest()
    raise ValueError("unknown password_shadow")


@dataclass(repr=False)
class TpapSession:
    """The CCM channel of one login."""

    stok: str = field(repr=False)
    key: bytes = field(repr=False)
    base_nonce: bytes = field(repr=False)
    seq: int
    expires: float  # time.monotonic() deadline

    def _nonce(self, seq: int) -> bytes:
        return self.base_nonce[:8] + struct.pack(">I", seq & 0xFFFFFFFF)

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.expires

    def seal(self, request: dict[str, Any]) -> bytes:
        seq = self.seq
        self.seq += 1
        plain = json.dumps(request, separators=(",", ":")).encode()
        sealed = AESCCM(self.key, tag_length=16).encrypt(self._nonce(seq), plain, None)
        return struct.pack(">I", seq & 0xFFFFFFFF) + sealed

    def open(self, body: bytes) -> Any:
        """The JSON of a sealed reply; ValueError when it does not authenticate."""
        if len(body) < 4 + 16:
            raise ValueError("short reply")
        (seq,) = struct.unpack(">I", body[:4])
        try:
            plain = AESCCM(self.key, tag_length=16).decrypt(self._nonce(seq), body[4:], None)
        except InvalidTag:
            raise ValueError("reply failed authentication") from None
        return json.loads(plain)


def _b64(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        return None


def _result(reply: dict[str, Any], step: str) -> dict[str, Any]:
    code = reply.get("error_code", 0)
    if code != 0:
        raise TpapRefused(code if isinstance(code, int) else None, reply)
    result = reply.get("result")
    if not isinstance(result, dict):
        raise ValueError(f"{step} without a result")
    return result


async def discover(post: PostLogin) -> dict[str, Any] | None:
    """The camera's ``tpap`` object when it offers the password login, else None."""
    reply = await post({"sub_method": "discover"})
    result = reply.get("result")
    tpap = result.get("tpap") if isinstance(result, dict) else None
    if isinstance(tpap, dict) and PASSWORD_LOGIN in (tpap.get("pake") or []):
        return tpap
    return None


async def register(post: PostLogin, username: str) -> tuple[dict[str, Any], bytes]:
    """``pake_register``: the camera's SPAKE2+ parameters and our ``user_random``."""
    user_random = secrets.token_bytes(32)
    reply = await post(
        {
            "sub_method": "pake_register",
            "username": username,
            "user_random": base64.b64encode(user_random).decode(),
            "cipher_suites": [1],
            "encryption": ["aes_128_ccm"],
            "passcode_type": "userpw",
        }
    )
    return _result(reply, "pake_register"), user_random


async def share(
    post: PostLogin, params: dict[str, Any], user_random: bytes, passcode: str
) -> TpapSession:
    """``pake_share`` with one passcode: the session, TpapRefused when the camera refuses
    the passcode (or cannot prove it knows it), ValueError for an unusable answer."""
    salt, share_in, dev_random = (
        _b64(params.get(k)) for k in ("dev_salt", "dev_share", "dev_random")
    )
    iterations = params.get("iterations")
    if salt is None or share_in is None or dev_random is None:
        raise ValueError("pake_register without dev_salt, dev_share or dev_random")
    if not isinstance(iterations, int) or not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError("pake_register with unusable iterations")
    run = camera_spake2p.run(  # ValueError: a share not on the curve, an unknown shadow
        credential(passcode, params.get("extra_crypt")),
        dev_salt=salt,
        iterations=iterations,
        dev_share=share_in,
        user_random=user_random,
        dev_random=dev_random,
    )
    reply = await post(
        {
            "sub_method": "pake_share",
            "user_share": base64.b64encode(run.share).decode(),
            "user_confirm": base64.b64encode(run.confirm).decode(),
        }
    )
    result = _result(reply, "pake_share")
    stok, seq = result.get("stok"), result.get("start_seq")
    confirm = _b64(result.get("dev_confirm"))
    if not isinstance(stok, str) or not stok or not isinstance(seq, int) or confirm is None:
        raise ValueError("pake_share without stok, start_seq or dev_confirm")
    if not run.camera_proved(confirm):
        raise TpapRefused(None, reply)  # the camera does not know our password
    lifetime = result.get("expired")
    seconds = lifetime if isinstance(lifetime, int) and lifetime > 0 else 3600
    return TpapSession(stok, run.key, run.nonce, seq, time.monotonic() + seconds)
