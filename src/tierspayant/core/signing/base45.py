"""Base45 (RFC 9285): binary data as text in the QR code's alphanumeric set, so a QR stores it in its densest mode.

Small enough to own: the PyPI package ``base45`` has not been released since 2022, and the RFC's test vectors are
checked in the tests.
"""

from __future__ import annotations

import struct
from itertools import repeat
from operator import add, floordiv, mod

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
_LOW_PAIR = tuple(ALPHABET[n % 45] + ALPHABET[n // 45] for n in range(2025))


class Base45Error(ValueError):
    """The text is not Base45: a character outside the alphabet, a dangling character, or a group out of range."""


def b45encode(data: bytes) -> str:
    """Two bytes → three characters (least significant first); a last single byte → two characters.

    Each 16-bit group n is written as n mod 2025 (two characters, from a table) then n // 2025, with ``map`` over
    the groups rather than a loop: this runs once per signed QR code."""
    groups = struct.unpack(f">{len(data) // 2}H", data[: len(data) - len(data) % 2])
    text = "".join(
        map(
            add,
            map(_LOW_PAIR.__getitem__, map(mod, groups, repeat(2025))),
            map(ALPHABET.__getitem__, map(floordiv, groups, repeat(2025))),
        )
    )
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
