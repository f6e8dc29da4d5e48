"""AES-128-CBC with PKCS#7 padding, as Tapo devices use it (KLAP, the camera's secure
channel, the port-8800 media parts) on both sides: camhub's drivers and its emulators.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(padder.update(data) + padder.finalize()) + enc.finalize()


def decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """ValueError when ``data`` is not a whole number of blocks or its padding is wrong."""
    if not data or len(data) % 16:
        raise ValueError("not a whole number of AES blocks")
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(dec.update(data) + dec.finalize()) + unpadder.finalize()
