"""Text formats of a Sercomm camera: INI groups, ``key=value`` lists, admcfg.cfg.

``/adm/admcfg.cfg`` is the configuration as INI text followed by a little-endian
32-bit checksum (the sum of the dword-aligned part of the text, modulo 2**32; trailing
bytes that do not fill a dword are ignored), Base64-encoded with Sercomm's own table.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterable, Mapping

SERCOMM_B64 = "ACEGIKMOQSUWYBDFHJLNPRTVXZacegikmoqsuwybdfhjlnprtvxz0246813579=+/"
STANDARD_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_TO_SERCOMM = str.maketrans(STANDARD_B64, SERCOMM_B64)
_FROM_SERCOMM = str.maketrans(SERCOMM_B64, STANDARD_B64)


def kv_lines(items: Iterable[tuple[str, object]]) -> str:
    return "".join(f"{k}={v}\n" for k, v in items)


def ini_group(name: str, values: Mapping[str, str]) -> str:
    return f"[{name}]\n" + kv_lines(values.items())


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    groups: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            current = groups.setdefault(line[1:-1], {})
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            current[key] = value
    return groups


def sercomm_b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").translate(_TO_SERCOMM)


def sercomm_b64decode(text: str) -> bytes:
    return base64.b64decode(text.strip().translate(_FROM_SERCOMM), validate=True)


def dword_checksum(data: bytes) -> int:
    aligned = len(data) - len(data) % 4
    words: tuple[int, ...] = struct.unpack(f"<{aligned // 4}I", data[:aligned])
    return sum(words) & 0xFFFFFFFF


def encode_config(ini_text: str) -> str:
    body = ini_text.encode("utf-8")
    return sercomm_b64encode(body + struct.pack("<I", dword_checksum(body)))


def decode_config(text: str) -> str:
    """The INI text of an admcfg.cfg; ValueError when it is not valid."""
    try:
        raw = sercomm_b64decode(text)
    except ValueError as exc:
        raise ValueError("not Sercomm Base64") from exc
    if len(raw) < 4:
        raise ValueError("too short")
    body, (check,) = raw[:-4], struct.unpack("<I", raw[-4:])
    if dword_checksum(body) != check:
        raise ValueError("bad checksum")
    return body.decode("utf-8")
