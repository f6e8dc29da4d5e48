"""NIST P-256 point arithmetic: the little the TPAP (SPAKE2+) verifier needs.

Affine coordinates, Python integers, ``None`` for the point at infinity. Not
constant-time: this is an emulator, the secrets it handles are test passwords.
"""

from __future__ import annotations

Point = tuple[int, int] | None

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G: Point = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)


def on_curve(point: Point) -> bool:
    if point is None:
        return False
    x, y = point
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def add(p1: Point, p2: Point) -> Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        if (y1 + y2) % P == 0:
            return None
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def neg(point: Point) -> Point:
    return None if point is None else (point[0], -point[1] % P)


def mul(k: int, point: Point) -> Point:
    """``k * point`` by double-and-add."""
    result: Point = None
    addend = point
    k %= ORDER
    while k:
        if k & 1:
            result = add(result, addend)
        addend = add(addend, addend)
        k >>= 1
    return result


def encode(point: Point) -> bytes:
    """SEC1 uncompressed: ``04 || X || Y``."""
    if point is None:
        raise ValueError("the point at infinity has no encoding")
    return b"\x04" + point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")


def decode(data: bytes) -> Point:
    """SEC1 point (uncompressed or compressed); ValueError unless it is on the curve."""
    if len(data) == 65 and data[0] == 4:
        point: Point = (int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big"))
    elif len(data) == 33 and data[0] in (2, 3):
        x = int.from_bytes(data[1:], "big")
        y = pow((x * x * x + A * x + B) % P, (P + 1) // 4, P)
        if y & 1 != data[0] & 1:
            y = P - y
        point = (x, y)
    else:
        raise ValueError("not a SEC1 P-256 point")
    if not on_curve(point):
        raise ValueError("point is not on P-256")
    return point
