"""Base45 (RFC 9285): binary data as text in the QR code's alphanumeric set, so a QR stores it in its densest mode.

Small enough to own: the PyPI package ``base45`` has not been released since 2022, and the RFC's test vectors are
checked in the tests.
"""

from __future__ import annotations

from functools import cache

import numpy as np

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}


class Base45Error(ValueError):
    """The text is not Base45: a character outside the alphabet, a dangling character, or a group out of range."""


@cache
def _triples() -> np.ndarray:
    """The three characters of every 16-bit group, least significant digit first (192 KiB, built on first use)."""
    groups = np.arange(0x10000)
    digits = np.stack((groups % 45, groups // 45 % 45, groups // 2025), axis=1)
    return np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)[digits]


def b45encode(data: bytes) -> str:
    """Two bytes → three characters (least significant first); a last single byte → two characters.

    The characters of all the 16-bit groups are looked up at once in a table of the 65536 groups: this runs once
    per signed QR code, on a page being rendered, where each numpy call costs a few microseconds (three here)."""
    groups = np.frombuffer(data, dtype=">u2", count=len(data) // 2)
    text = _triples().take(groups, axis=0).tobytes().decode("ascii")
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        text += ALPHABET[c] + ALPHABET[d]
    return text


def b45decode(text: str) -> bytes:
    """The inverse of :func:`b45encode`; refuses anything the RFC calls invalid (section 4.2)."""
    if len(text) % 3 == 1:
        raise Base45Error(f"Base45 text of length {len(text)}: a group cannot have a single character")
    try:
        values = [_VALUE[char] for char in text]
    except KeyError as exc:
        raise Base45Error(f"character {exc.args[0]!r} is not in the Base45 alphabet") from exc
    out = bytearray()
    for start in range(0, len(values), 3):
        group = values[start : start + 3]
        if len(group) == 3:
            value = group[0] + group[1] * 45 + group[2] * 2025
            if value > 0xFFFF:
                raise Base45Error(f"group {text[start : start + 3]!r} at {start} is above 65535")
            out.extend(divmod(value, 256))
        else:
            value = group[0] + group[1] * 45
            if value > 0xFF:
                raise Base45Error(f"final group {text[start:]!r} is above 255")
            out.append(value)
    return bytes(out)
