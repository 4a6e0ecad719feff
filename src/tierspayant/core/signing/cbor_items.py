"""The few CBOR items (RFC 8949) a signed code's claims are made of, written by hand: integers, text and byte
strings, each with the shortest length head (§4.2.1), so the bytes are the ones cbor2 writes for the same values
(compared in tests/core/test_signing.py). A signed code is made once per printed page; cbor2 building a dict's
encoding costs about twice as much there."""

from __future__ import annotations


def head(major: int, value: int) -> bytes:
    """The initial byte (major type in the top three bits) and the shortest argument for ``value`` (≥ 0)."""
    if value < 24:
        return bytes((major << 5 | value,))
    if value < 0x100:
        return bytes((major << 5 | 24, value))
    if value < 0x10000:
        return bytes((major << 5 | 25,)) + value.to_bytes(2, "big")
    if value < 0x100000000:
        return bytes((major << 5 | 26,)) + value.to_bytes(4, "big")
    if value < 0x10000000000000000:
        return bytes((major << 5 | 27,)) + value.to_bytes(8, "big")
    raise ValueError(f"{value} does not fit a CBOR head (64 bits)")


def integer(value: int) -> bytes:
    """Major type 0 (≥ 0) or 1 (−1 − n)."""
    return head(0, value) if value >= 0 else head(1, -1 - value)


def text(value: str) -> bytes:
    data = value.encode("utf-8")
    return head(3, len(data)) + data


def byte_string(value: bytes) -> bytes:
    return head(2, len(value)) + value
