"""Revocation status: where an award's bit is in its issuer's status list, and the encoded
bitstring (the lock that keeps every award's place is :mod:`sitegen.statuslock`)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
from collections.abc import Iterable

# W3C Bitstring Status List: at least 16 KiB (131072 entries) for herd privacy.
LIST_SIZE = 131_072


def preferred_index(issuer: str, award_id: str) -> int:
    """A random-looking starting index, so positions leak neither order nor count."""
    seed = f"sitegen/status-index/v1\0{issuer}\0{award_id}".encode()
    return int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") % LIST_SIZE


def encode_bitstring(set_indexes: Iterable[int], size: int = LIST_SIZE) -> str:
    """GZIP then base64url without padding, with the multibase ``u`` prefix (MSB first)."""
    buffer = bytearray(size // 8)
    for index in set_indexes:
        buffer[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(buffer), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_bitstring(encoded: str, *, max_bytes: int = 16 * 1024 * 1024) -> bytes:
    """The raw bitstring of an ``encodedList`` (bounded, against decompression bombs)."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must start with the multibase prefix 'u'")
    data = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ValueError("status list is too large")
    return raw


def is_set(bitstring: bytes, index: int) -> bool:
    """The bit at ``index`` (index 0 is the most significant bit of byte 0)."""
    if not 0 <= index < len(bitstring) * 8:
        raise IndexError(f"status index {index} is outside the list")
    return bool((bitstring[index // 8] >> (7 - index % 8)) & 1)
