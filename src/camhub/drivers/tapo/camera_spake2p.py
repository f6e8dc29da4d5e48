"""The client (prover) side of SPAKE2+ as TPAP cameras run it: NIST P-256, SHA-256.

Protocol facts (freeKC's write-up of the Tapo "TPAP" login, as pytapo 3.4.30 speaks
it; RFC 9383 for SPAKE2+ itself):

* PBKDF2-HMAC-SHA256(credential, dev_salt, iterations) gives 80 bytes; ``w0`` and
  ``w1`` are each 40-byte half taken modulo the group order;
* the client sends ``X = x*G + w0*M``; the camera answers ``Y``; both compute
  ``Z = x*(Y - w0*N)`` and ``V = w1*(Y - w0*N)``;
* the transcript is each of SHA-256("PAKE V1" || user_random || dev_random), two
  empty identities, M, N, X, Y, Z, V and ``w0`` (32 bytes, big-endian) prefixed by
  its length (8 bytes, little-endian); ``Ke`` = SHA-256(transcript);
* HKDF-SHA256(Ke, info "ConfirmationKeys") gives KcA || KcB: the client proves
  itself with HMAC(KcA, Y), the camera with HMAC(KcB, X); HKDF(Ke, "SharedKey")
  then gives, through two more HKDFs, the AES-128-CCM key and base nonce.

Points are affine ``(x, y)`` tuples, None the point at infinity; the scalar
multiplication runs in Jacobian coordinates (one inversion per product).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
Point = tuple[int, int] | None
_Jacobian = tuple[int, int, int]  # Z == 0: infinity


def on_curve(point: tuple[int, int]) -> bool:
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x - 3 * x + B)) % P == 0


def decode(data: bytes) -> tuple[int, int]:
    """A SEC1 point (``04`` uncompressed, ``02``/``03`` compressed) on P-256."""
    if len(data) == 65 and data[0] == 4:
        point = (int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big"))
    elif len(data) == 33 and data[0] in (2, 3):
        x = int.from_bytes(data[1:], "big")
        y = pow((x * x * x - 3 * x + B) % P, (P + 1) // 4, P)  # P = 3 (mod 4)
        point = (x, y if (y & 1) == (data[0] & 1) else P - y)
    else:
        raise ValueError("not a SEC1 point")
    if not on_curve(point):
        raise ValueError("point not on P-256")
    return point


def encode(point: Point) -> bytes:
    if point is None:
        raise ValueError("the point at infinity has no encoding")
    return b"\x04" + point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")


M = decode(bytes.fromhex("02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f"))
N = decode(bytes.fromhex("03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49"))


def _double(a: _Jacobian) -> _Jacobian:
    x, y, z = a
    if z == 0 or y == 0:
        return (1, 1, 0)
    delta, gamma = z * z % P, y * y % P
    beta = x * gamma % P
    alpha = 3 * (x - delta) * (x + delta) % P  # a = -3
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y + z) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return (x3, y3, z3)


def _add(a: _Jacobian, b: _Jacobian) -> _Jacobian:
    if a[2] == 0:
        return b
    if b[2] == 0:
        return a
    x1, y1, z1 = a
    x2, y2, z2 = b
    z1z1, z2z2 = z1 * z1 % P, z2 * z2 % P
    u1, u2 = x1 * z2z2 % P, x2 * z1z1 % P
    s1, s2 = y1 * z2 * z2z2 % P, y2 * z1 * z1z1 % P
    if u1 == u2:
        return _double(a) if s1 == s2 else (1, 1, 0)
    h = (u2 - u1) % P
    i = 4 * h * h % P
    j = h * i % P
    r = 2 * (s2 - s1) % P
    v = u1 * i % P
    x3 = (r * r - j - 2 * v) % P
    y3 = (r * (v - x3) - 2 * s1 * j) % P
    z3 = ((z1 + z2) ** 2 - z1z1 - z2z2) * h % P
    return (x3, y3, z3)


def _affine(a: _Jacobian) -> Point:
    x, y, z = a
    if z == 0:
        return None
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return (x * zi2 % P, y * zi2 * zi % P)


def _jacobian(point: Point) -> _Jacobian:
    return (1, 1, 0) if point is None else (point[0], point[1], 1)


def mul(k: int, point: Point) -> Point:
    result, addend = (1, 1, 0), _jacobian(point)
    k %= ORDER
    while k:
        if k & 1:
            result = _add(result, addend)
        addend = _double(addend)
        k >>= 1
    return _affine(result)


def add(a: Point, b: Point) -> Point:
    return _affine(_add(_jacobian(a), _jacobian(b)))


def neg(point: Point) -> Point:
    return None if point is None else (point[0], (-point[1]) % P)


def hkdf(ikm: bytes, salt: bytes | None, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def _framed(*parts: bytes) -> bytes:
    return b"".join(struct.pack("<Q", len(part)) + part for part in parts)


@dataclass(repr=False)
class Exchange:
    """One client run: ``share`` and ``confirm`` go to the camera; ``key`` and
    ``nonce`` are the session's once the camera's own confirmation checks out."""

    share: bytes
    confirm: bytes
    key: bytes = field(repr=False)
    nonce: bytes = field(repr=False)
    _expected: bytes = field(repr=False)

    def camera_proved(self, dev_confirm: bytes) -> bool:
        return hmac.compare_digest(self._expected, dev_confirm)


def run(
    credential: str,
    *,
    dev_salt: bytes,
    iterations: int,
    dev_share: bytes,
    user_random: bytes,
    dev_random: bytes,
) -> Exchange:
    """The client's side of one exchange; ValueError when the camera's share is bad."""
    derived = hashlib.pbkdf2_hmac("sha256", credential.encode(), dev_salt, iterations, 80)
    w0 = int.from_bytes(derived[:40], "big") % ORDER
    w1 = int.from_bytes(derived[40:], "big") % ORDER
    y_point = decode(dev_share)
    x = secrets.randbelow(ORDER - 1) + 1
    x_point = add(mul(x, G), mul(w0, M))
    unblinded = add(y_point, neg(mul(w0, N)))
    if unblinded is None:
        raise ValueError("degenerate camera share")
    x_bytes, y_bytes = encode(x_point), encode(y_point)
    context = hashlib.sha256(b"PAKE V1" + user_random + dev_random).digest()
    transcript = _framed(
        context,
        b"",
        b"",
        encode(M),
        encode(N),
        x_bytes,
        y_bytes,
        encode(mul(x, unblinded)),
        encode(mul(w1, unblinded)),
        w0.to_bytes(32, "big"),
    )
    ke = hashlib.sha256(transcript).digest()
    confirmation = hkdf(ke, None, b"ConfirmationKeys", 64)
    shared = hkdf(ke, None, b"SharedKey", 32)
    return Exchange(
        share=x_bytes,
        confirm=hmac.new(confirmation[:32], y_bytes, hashlib.sha256).digest(),
        key=hkdf(shared, b"tp-kdf-salt-aes128-key", b"tp-kdf-info-aes128-key", 32)[:16],
        nonce=hkdf(shared, b"tp-kdf-salt-aes128-iv", b"tp-kdf-info-aes128-iv", 32)[:12],
        _expected=hmac.new(confirmation[32:], x_bytes, hashlib.sha256).digest(),
    )
