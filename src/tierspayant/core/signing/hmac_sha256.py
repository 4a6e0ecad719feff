"""HMAC-SHA256 (RFC 2104) for many short messages under one key, as the fee notes' patient pseudonyms are made."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))


@lru_cache(maxsize=8)
def _hmac_sha256_pads(key: bytes) -> tuple[Any, Any]:
    """HMAC-SHA256 (RFC 2104) with the key's inner and outer hashes begun once (their first block is the key XOR
    the pad): a message then costs two hash copies, where ``hmac.digest`` sets up OpenSSL's HMAC every time."""
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    return hashlib.sha256(block.translate(_IPAD)), hashlib.sha256(block.translate(_OPAD))


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """``hmac.digest(key, message, "sha256")``, byte for byte (compared in tests/core/test_signing.py)."""
    inner_start, outer_start = _hmac_sha256_pads(key)
    inner = inner_start.copy()
    inner.update(message)
    outer = outer_start.copy()
    outer.update(inner.digest())
    digest: bytes = outer.digest()
    return digest
