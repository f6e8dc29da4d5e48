"""The camera's side of the TPAP login: a SPAKE2+ verifier (P-256, SHA-256).

Protocol facts (freeKC's write-up of the C510W login, and pytapo 3.4.30's client):

* the credential is a string derived from the cloud password (``md5_hex`` of it, or
  a SHA-256-crypt "password shadow" of ``SHA256_HEX_UPPER`` when the camera asks
  for it with ``extra_crypt``); PBKDF2-HMAC-SHA256(credential, dev_salt,
  iterations) gives 80 bytes, ``w0`` and ``w1`` are each half mod the group order;
* M and N are RFC 9383's P-256 points; the transcript is each element prefixed by
  its 8-byte little-endian length: SHA-256("PAKE V1" || user_random || dev_random),
  two empty identities, M, N, X, Y, Z, V, and w0 as 32 big-endian bytes;
* Ke = SHA-256(transcript); HKDF gives the confirmation keys (KcA, KcB) and a
  shared key; the client proves itself with HMAC(KcA, Y), the camera with
  HMAC(KcB, X); the AES-128-CCM session key and nonce come from the shared key.

The camera keeps ``w0`` and ``L = w1*G``, never the password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from camhub.sim.tapo_camera import p256

M_POINT = p256.decode(
    bytes.fromhex("02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f")
)
N_POINT = p256.decode(
    bytes.fromhex("03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49")
)
ITERATIONS = 5000


def hkdf(ikm: bytes, salt: bytes | None, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def _framed(*parts: bytes) -> bytes:
    return b"".join(struct.pack("<Q", len(part)) + part for part in parts)


_CRYPT64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _crypt64(value: int, count: int) -> str:
    out = []
    for _ in range(count):
        out.append(_CRYPT64[value & 0x3F])
        value >>= 6
    return "".join(out)


def _stretch(digest: bytes, length: int) -> bytes:
    return (digest * (length // len(digest) + 1))[:length]


def sha256_crypt(key: str, salt: str, rounds: int | None = None) -> str:
    """Ulrich Drepper's SHA-256-crypt (``$5$``), the "password shadow" type 5."""
    salt = salt[:16]
    count = 5000 if rounds is None else max(1000, min(rounds, 999_999_999))
    k, s = key.encode(), salt.encode()
    alternate = hashlib.sha256(k + s + k).digest()
    first = hashlib.sha256(k + s + _stretch(alternate, len(k)))
    length = len(k)
    while length:
        first.update(alternate if length & 1 else k)
        length >>= 1
    digest = first.digest()
    p_bytes = _stretch(hashlib.sha256(k * len(k)).digest(), len(k))
    s_bytes = _stretch(hashlib.sha256(s * (16 + digest[0])).digest(), len(s))
    for i in range(count):
        step = hashlib.sha256(p_bytes if i & 1 else digest)
        if i % 3:
            step.update(s_bytes)
        if i % 7:
            step.update(p_bytes)
        step.update(digest if i & 1 else p_bytes)
        digest = step.digest()
    encoded = []
    a, b, c = 0, 10, 20
    for _ in range(10):
        encoded.append(_crypt64((digest[a] << 16) | (digest[b] << 8) | digest[c], 4))
        a, b, c = c + 1, a + 1, b + 1
    encoded.append(_crypt64((digest[31] << 8) | digest[30], 3))
    head = "$5$" if rounds is None else f"$5$rounds={count}$"
    return f"{head}{salt}${''.join(encoded)}"


@dataclass
class Exchange:
    """One ``pake_register`` waiting for its ``pake_share``."""

    user_random: bytes
    dev_random: bytes
    y: int = field(repr=False)
    share: bytes


@dataclass
class Keys:
    dev_confirm: bytes
    key: bytes = field(repr=False)
    nonce: bytes = field(repr=False)


class Verifier:
    """Holds ``w0`` and ``L`` for one credential and runs exchanges against them."""

    def __init__(self, credential: str, salt: bytes, iterations: int = ITERATIONS) -> None:
        derived = hashlib.pbkdf2_hmac("sha256", credential.encode(), salt, iterations, 80)
        self._w0 = int.from_bytes(derived[:40], "big") % p256.ORDER
        w1 = int.from_bytes(derived[40:], "big") % p256.ORDER
        self._big_l = p256.mul(w1, p256.G)
        self._w0_n = p256.mul(self._w0, N_POINT)
        self._w0_m = p256.mul(self._w0, M_POINT)

    def start(self, user_random: bytes) -> Exchange:
        y = secrets.randbelow(p256.ORDER - 1) + 1
        share = p256.encode(p256.add(p256.mul(y, p256.G), self._w0_n))
        return Exchange(user_random, secrets.token_bytes(32), y, share)

    def finish(self, exchange: Exchange, user_share: bytes, user_confirm: bytes) -> Keys | None:
        """The session keys, or None when the client's confirmation does not match."""
        try:
            x_point = p256.decode(user_share)
        except ValueError:
            return None
        blinded = p256.add(x_point, p256.neg(self._w0_m))
        if blinded is None:
            return None
        z_point = p256.encode(p256.mul(exchange.y, blinded))
        v_point = p256.encode(p256.mul(exchange.y, self._big_l))
        context = hashlib.sha256(b"PAKE V1" + exchange.user_random + exchange.dev_random)
        transcript = _framed(
            context.digest(),
            b"",
            b"",
            p256.encode(M_POINT),
            p256.encode(N_POINT),
            user_share,
            exchange.share,
            z_point,
            v_point,
            self._w0.to_bytes(32, "big"),
        )
        ke = hashlib.sha256(transcript).digest()
        confirm = hkdf(ke, None, b"ConfirmationKeys", 64)
        expected = hmac.new(confirm[:32], exchange.share, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, user_confirm):
            return None
        shared = hkdf(ke, None, b"SharedKey", 32)
        return Keys(
            dev_confirm=hmac.new(confirm[32:], user_share, hashlib.sha256).digest(),
            key=hkdf(shared, b"tp-kdf-salt-aes128-key", b"tp-kdf-info-aes128-key", 32)[:16],
            nonce=hkdf(shared, b"tp-kdf-salt-aes128-iv", b"tp-kdf-info-aes128-iv", 32)[:12],
        )
