"""A QR code encoder (ISO/IEC 18004, model 2) for the one kind of code a fee note carries: alphanumeric mode,
error correction level M, a fixed mask, the smallest version that fits.

Why our own: the signed code is what a fee note adds to the bare PDF, and the general encoders cost more than the
whole page (segno, pure Python: ≈ 2.4 ms a code with the mask fixed; zxing-cpp's writer: ≈ 0.6 ms even for ten
characters, as it picks the segments and scores all eight masks). Everything that depends only on the version —
the function patterns, the order the codewords are interleaved in, the zigzag placement, the mask — is computed
once per version; a code then costs the Reed-Solomon remainders (table-driven, one integer operation per data
codeword) and a few C-speed gathers. The modules are checked against segno (same version and mask) and the codes
decoded by zxing-cpp in the tests.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import cache, reduce
from operator import getitem, itemgetter, xor
from typing import Any

import numpy as np

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {char: index for index, char in enumerate(ALPHANUMERIC)}
MASK = 2  # pattern 010: column mod 3 == 0 (any of the eight is valid; decoders read all)
_EC_LEVEL_M = 0b00  # the format information's bits for level M

# level M, per version 1-40: error correction codewords per block, and number of blocks (ISO/IEC 18004 table 9)
# fmt: off
_ECC_PER_BLOCK = (0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
                  26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28)
_BLOCKS = (0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
           17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49)
# fmt: on


@dataclass(frozen=True)
class QrBitmap:
    """The code as a 1-bit image: ``side`` × ``side`` modules (quiet zone included), each row packed MSB first and
    padded to whole bytes; a set bit is a dark module."""

    version: int
    side: int
    row_bytes: int
    data: bytes

    def dark(self, row: int, column: int) -> bool:
        return bool(self.data[row * self.row_bytes + column // 8] >> (7 - column % 8) & 1)


def _raw_data_modules(version: int) -> int:
    """Modules left for codewords once the function patterns are drawn."""
    result = (16 * version + 128) * version + 64
    if version >= 2:
        aligns = version // 7 + 2
        result -= (25 * aligns - 10) * aligns - 55
        if version >= 7:
            result -= 36
    return result


def data_codewords(version: int) -> int:
    return _raw_data_modules(version) // 8 - _ECC_PER_BLOCK[version] * _BLOCKS[version]


_CAPACITY_BITS = (0, *(data_codewords(version) * 8 for version in range(1, 41)))


def _count_bits(version: int) -> int:
    return 9 if version <= 9 else 11 if version <= 26 else 13


def version_for(length: int) -> int:
    """The smallest version whose level-M capacity holds ``length`` alphanumeric characters."""
    for version in range(1, 41):
        if _data_bits(version, length) <= _CAPACITY_BITS[version]:
            return version
    raise ValueError(f"{length} characters do not fit in a version 40 QR code at level M")


def _data_bits(version: int, length: int) -> int:
    return 4 + _count_bits(version) + 11 * (length // 2) + 6 * (length % 2)


def _gf_multiply(x: int, y: int) -> int:
    """Product in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11D)."""
    product = 0
    for bit in range(7, -1, -1):
        product = (product << 1) ^ ((product >> 7) * 0x11D)
        product ^= ((y >> bit) & 1) * x
    return product


@cache
def _remainder_table(degree: int) -> tuple[int, ...]:
    """For each leading factor, the generator polynomial (α^0 … α^(degree-1) roots) times it, as one integer."""
    divisor = [0] * (degree - 1) + [1]
    root = 1
    for _ in range(degree):
        for j in range(degree):
            divisor[j] = _gf_multiply(divisor[j], root)
            if j + 1 < degree:
                divisor[j] ^= divisor[j + 1]
        root = _gf_multiply(root, 0x02)
    return tuple(int.from_bytes(bytes(_gf_multiply(c, f) for c in divisor), "big") for f in range(256))


def _remainder(data: bytes, degree: int) -> bytes:
    """Reed-Solomon error correction codewords: the remainder of data · x^degree by the generator (the plain
    division, kept as the reference the tables of :func:`_contributions` are checked against)."""
    table = _remainder_table(degree)
    shift = 8 * (degree - 1)
    keep = (1 << (8 * degree)) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & keep) ^ table[(remainder >> shift) ^ byte]
    return remainder.to_bytes(degree, "big")


@cache
def _contributions(degree: int, length: int) -> tuple[tuple[int, ...], ...]:
    """The remainder is linear in the data: for each position of a ``length``-codeword block and each byte value,
    the remainder of that byte alone there. A block's remainder is then the XOR of one lookup per codeword."""
    table = _remainder_table(degree)
    shift = 8 * (degree - 1)
    keep = (1 << (8 * degree)) - 1
    rows = [table]  # a byte in the last position: one division step
    for _ in range(length - 1):  # one position earlier: one more step with a zero byte
        rows.append(tuple(((r << 8) & keep) ^ table[r >> shift] for r in rows[-1]))
    return tuple(reversed(rows))


def _alignment_positions(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    size = version * 4 + 17
    return [6] + [size - 7 - step * i for i in range(count - 2, -1, -1)]


def _bch(value: int, generator: int, degree: int) -> int:
    remainder = value
    for _ in range(degree):
        remainder = (remainder << 1) ^ ((remainder >> (degree - 1)) * generator)
    return value << degree | remainder


@dataclass(frozen=True)
class _Layout:
    """What a code of one version shares with every other of that version."""

    version: int
    size: int
    blocks: tuple[tuple[int, int], ...]  # (start, length) of each block's data codewords
    ecc: int  # error correction codewords per block
    interleave: itemgetter[Any]  # picks the codewords in transmission order from data blocks + ecc blocks
    stream_bits: int  # codewords × 8 + remainder bits
    mask: np.ndarray  # the mask over the data modules, in stream order (0/1)
    template: np.ndarray  # the bitmap (rows padded to whole bytes) with the function patterns, no data yet
    cells: np.ndarray  # where each stream bit goes in the bitmap (flat index)


@cache
def _layout(version: int, quiet_zone: int) -> _Layout:
    size = version * 4 + 17
    dark = [[False] * size for _ in range(size)]
    function = [[False] * size for _ in range(size)]

    def put(x: int, y: int, is_dark: bool) -> None:
        dark[y][x] = is_dark
        function[y][x] = True

    for i in range(size):  # timing patterns
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)
    for cx, cy in ((3, 3), (size - 4, 3), (3, size - 4)):  # finder patterns and their separators
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                if 0 <= cx + dx < size and 0 <= cy + dy < size:
                    put(cx + dx, cy + dy, max(abs(dx), abs(dy)) not in (2, 4))
    positions = _alignment_positions(version)
    last = len(positions) - 1
    for i, ay in enumerate(positions):
        for j, ax in enumerate(positions):
            if (i, j) not in ((0, 0), (0, last), (last, 0)):
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        put(ax + dx, ay + dy, max(abs(dx), abs(dy)) != 1)
    format_bits = _bch(_EC_LEVEL_M << 3 | MASK, 0x537, 10) ^ 0x5412
    for i in range(15):
        bit = (format_bits >> i) & 1 == 1
        first = (8, i) if i < 6 else (8, 7) if i == 6 else (8, 8) if i == 7 else (7, 8) if i == 8 else (14 - i, 8)
        put(*first, bit)
        put(*((size - 1 - i, 8) if i < 8 else (8, size - 15 + i)), bit)
    put(8, size - 8, True)
    if version >= 7:
        version_bits = _bch(version, 0x1F25, 12)
        for i in range(18):
            bit = (version_bits >> i) & 1 == 1
            put(size - 11 + i % 3, i // 3, bit)
            put(i // 3, size - 11 + i % 3, bit)

    # the zigzag: two-module columns from the right, alternately upwards and downwards, skipping the timing column
    order: list[tuple[int, int]] = []
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        upward = (right + 1) & 2 == 0
        for vertical in range(size):
            y = size - 1 - vertical if upward else vertical
            order += [(right - j, y) for j in range(2) if not function[y][right - j]]
        right -= 2
    mask = np.fromiter((x % 3 == 0 for x, _ in order), dtype=np.uint8, count=len(order))

    total = _raw_data_modules(version) // 8
    ecc = _ECC_PER_BLOCK[version]
    count = _BLOCKS[version]
    short = count - total % count
    short_data = total // count - ecc
    blocks, start = [], 0
    for index in range(count):
        length = short_data + (index >= short)
        blocks.append((start, length))
        start += length
    data_total = start
    picks = [blocks[b][0] + i for i in range(short_data + 1) for b in range(count) if i < blocks[b][1]]
    picks += [data_total + b * ecc + i for i in range(ecc) for b in range(count)]

    side = size + 2 * quiet_zone
    row_bits = (side + 7) // 8 * 8
    template = np.zeros(side * row_bits, dtype=np.uint8)
    for y in range(size):
        for x in range(size):
            if function[y][x] and dark[y][x]:
                template[(y + quiet_zone) * row_bits + x + quiet_zone] = 1
    cells = np.array([(y + quiet_zone) * row_bits + x + quiet_zone for x, y in order], dtype=np.intp)
    return _Layout(version, size, tuple(blocks), ecc, itemgetter(*picks), len(order), mask, template, cells)


# a pair of characters, as their two values in one big-endian 16-bit group → its 11 bits
_PAIR_BITS = [""] * (44 * 256 + 45)
for _a in range(45):
    for _b in range(45):
        _PAIR_BITS[_a * 256 + _b] = format(_a * 45 + _b, "011b")
_TO_VALUE = bytes(_VALUE.get(chr(code), 255) for code in range(256))


def _data_codewords(text: str, version: int) -> bytes:
    """Mode 0010, the character count, 11 bits per pair of characters and 6 for a last one, the terminator, the
    padding to a whole byte, then the pad codewords 0xEC 0x11 up to the version's capacity."""
    values = text.encode("latin-1", "replace").translate(_TO_VALUE)
    if 255 in values:
        wrong = next(char for char in text if char not in _VALUE)
        raise ValueError(f"character {wrong!r} is not in the QR alphanumeric set")
    pairs = struct.unpack(f">{len(values) // 2}H", values[: len(values) - len(values) % 2])
    bits = "0010" + format(len(text), f"0{_count_bits(version)}b") + "".join(map(_PAIR_BITS.__getitem__, pairs))
    if len(values) % 2:
        bits += format(values[-1], "06b")
    capacity = _CAPACITY_BITS[version]
    terminator = min(4, capacity - len(bits))
    bits += "0" * (terminator + -(len(bits) + terminator) % 8)
    filler = b"\xec\x11" * (capacity // 16 + 1)
    return int(bits, 2).to_bytes(len(bits) // 8, "big") + filler[: (capacity - len(bits)) // 8]


def encode(text: str, quiet_zone: int = 4) -> QrBitmap:
    """The QR code of ``text`` (QR alphanumeric characters only: digits, capitals, space and ``$%*+-./:``)."""
    version = version_for(len(text))
    layout = _layout(version, quiet_zone)
    data = _data_codewords(text, version)
    ecc = b"".join(
        reduce(xor, map(getitem, _contributions(layout.ecc, length), data[start : start + length])).to_bytes(
            layout.ecc, "big"
        )
        for start, length in layout.blocks
    )
    codewords = bytes(layout.interleave(data + ecc))
    stream = np.zeros(layout.stream_bits, dtype=np.uint8)  # the remainder bits (0 to 7) are zeros
    stream[: 8 * len(codewords)] = np.unpackbits(np.frombuffer(codewords, dtype=np.uint8))
    bitmap = layout.template.copy()
    bitmap[layout.cells] = stream ^ layout.mask
    side = layout.size + 2 * quiet_zone
    return QrBitmap(version, side, (side + 7) // 8, np.packbits(bitmap).tobytes())
