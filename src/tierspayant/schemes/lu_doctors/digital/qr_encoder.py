"""A QR code encoder (ISO/IEC 18004, model 2) for the one kind of code a fee note carries: alphanumeric mode,
error correction level M, a fixed mask, the smallest version that fits.

Why our own: the signed code is what a fee note adds to the bare PDF, and the general encoders cost more than the
whole page (segno, pure Python: ≈ 2.4 ms a code with the mask fixed; zxing-cpp's writer: ≈ 0.6 ms even for ten
characters, as it picks the segments and scores all eight masks). Everything that depends only on the version —
the function patterns, the order the codewords are interleaved in, the zigzag placement, the mask — is computed
once per version, and a code is then a dozen numpy calls on small arrays: the characters' bits looked up by pair,
the Reed-Solomon remainders as XORs of table rows (one per data nibble, all blocks at once), and one gather that
places every module. The count of calls is what matters: the code is drawn in the middle of a page whose rendering
has pushed the encoder's tables and code out of the processor's caches, where each numpy call costs a few
microseconds. The modules are checked against segno (same version and mask) and the codes decoded by zxing-cpp in
the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

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


@cache
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
    division, kept as the reference the tables of :func:`_contributions` and :func:`_rs_rows` are checked
    against)."""
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
    """What a code of one version shares with every other of that version, as arrays a code is computed from with
    a dozen numpy calls (each one costs a few microseconds on a page being rendered, whatever its size)."""

    version: int
    side: int  # modules, quiet zone included
    row_bytes: int
    positions: int  # codeword positions of the longest block (the shorter blocks start one position later)
    rs_table: np.ndarray  # row 256 p + v: the remainder of byte v at position p (ecc bytes), then 256 zero rows
    rs_base: np.ndarray  # per (position, block): 256 p, or the zero rows where a short block has no codeword yet
    rs_source: np.ndarray  # per (position, block): the data codeword at that position of that block
    gather: np.ndarray  # per module of the bitmap: its bit in the codewords (data, then ecc, then a zero byte)
    mask: np.ndarray  # XORed into the packed bitmap: mask 010 over the data modules, and the dark function modules


@cache
def _rs_rows(degree: int, length: int) -> np.ndarray:
    """:func:`_contributions` as an array: row ``256 p + v`` is the remainder (``degree`` bytes) of byte ``v`` at
    position ``p`` of a ``length``-codeword block, then 256 zero rows; a block's remainder is the XOR of one row
    per codeword."""
    table = np.zeros(((length + 1) * 256, degree), dtype=np.uint8)
    for position, row in enumerate(_contributions(degree, length)):
        block = b"".join(remainder.to_bytes(degree, "big") for remainder in row)
        table[256 * position : 256 * (position + 1)] = np.frombuffer(block, dtype=np.uint8).reshape(256, degree)
    table.flags.writeable = False
    return table


def _function_patterns(version: int) -> tuple[list[list[bool]], list[list[bool]]]:
    """The dark modules of the function patterns, and which modules are function patterns."""
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
    return dark, function


def _zigzag(function: list[list[bool]]) -> list[tuple[int, int]]:
    """The modules the stream bits go to, in order: two-module columns from the right, alternately upwards and
    downwards, skipping the timing column and the function patterns."""
    size = len(function)
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
    return order


def _blocks(version: int) -> list[tuple[int, int]]:
    """(start, length) of each block's data codewords: the short blocks first, then those one codeword longer."""
    total = _raw_data_modules(version) // 8
    count = _BLOCKS[version]
    short = count - total % count
    short_data = total // count - _ECC_PER_BLOCK[version]
    blocks, start = [], 0
    for index in range(count):
        length = short_data + (index >= short)
        blocks.append((start, length))
        start += length
    return blocks


@cache
def _layout(version: int, quiet_zone: int) -> _Layout:
    size = version * 4 + 17
    dark, function = _function_patterns(version)
    order = _zigzag(function)
    blocks = _blocks(version)
    ecc = _ECC_PER_BLOCK[version]
    count = len(blocks)
    data_total = blocks[-1][0] + blocks[-1][1]
    longest = blocks[-1][1]

    # transmission order (ISO/IEC 18004 §7.6): the i-th data codeword of each block in turn, then the same for the
    # error correction codewords; ``sent[k]`` is the codeword (numbered data blocks first, then ecc blocks) sent k-th
    sent = [start + i for i in range(longest) for start, length in blocks if i < length]
    sent += [data_total + b * ecc + i for i in range(ecc) for b in range(count)]
    codeword_bits = 8 * len(sent)

    # position-major, so that the rows of one position for all blocks are one row of the reduction
    rs_base = np.full((longest, count), 256 * longest, dtype=np.intp)
    rs_source = np.zeros((longest, count), dtype=np.intp)
    for b, (start, length) in enumerate(blocks):
        for position in range(longest - length, longest):
            rs_base[position, b] = 256 * position
            rs_source[position, b] = start + position - (longest - length)

    # each module takes its bit from the codewords' bits (the 0-7 remainder bits at the end of the stream, the
    # function patterns and the quiet zone from the zero byte after them); the mask adds the dark function modules
    side = size + 2 * quiet_zone
    row_bits = (side + 7) // 8 * 8
    gather = np.full(side * row_bits, codeword_bits, dtype=np.intp)
    mask = np.zeros(side * row_bits, dtype=np.uint8)
    for index, (x, y) in enumerate(order):
        cell = (y + quiet_zone) * row_bits + x + quiet_zone
        mask[cell] = x % 3 == 0  # mask 010
        if index < codeword_bits:
            gather[cell] = 8 * sent[index // 8] + index % 8
    for y in range(size):
        for x in range(size):
            if function[y][x] and dark[y][x]:
                mask[(y + quiet_zone) * row_bits + x + quiet_zone] = 1
    return _Layout(
        version,
        side,
        row_bits // 8,
        longest,
        _rs_rows(ecc, longest),
        rs_base.ravel(),
        rs_source.ravel(),
        gather,
        np.packbits(mask),
    )


# (a · 256 + b), two characters' values as one big-endian 16-bit group → the 11 bits of a · 45 + b; a last single
# character's value → its 6 bits
_PAIR_BITS = np.zeros((45 * 256, 11), dtype=np.uint8)
for _a in range(45):
    for _b in range(45):
        _PAIR_BITS[_a * 256 + _b] = [(_a * 45 + _b) >> (10 - i) & 1 for i in range(11)]
_SIX_BITS = np.array([[value >> (5 - i) & 1 for i in range(6)] for value in range(64)], dtype=np.uint8)
_TO_VALUE = bytes(_VALUE.get(chr(code), 255) for code in range(256))
_ZERO_BYTE = np.zeros(1, dtype=np.uint8)


@lru_cache(maxsize=64)
def _frame(length: int) -> tuple[np.ndarray, np.ndarray]:
    """The data bits of a ``length``-character text around its characters: before, mode 0010 and the character
    count; after, the terminator, the padding to a whole byte and the pad codewords 0xEC 0x11 up to the version's
    capacity. A fee note's code has one of a few lengths, so a few frames."""
    version = version_for(length)
    count_bits = _count_bits(version)
    capacity = _CAPACITY_BITS[version]
    used = _data_bits(version, length)
    end = used + min(4, capacity - used)
    end += -end % 8
    header = 0b0010 << count_bits | length
    head = np.array([header >> (3 + count_bits - i) & 1 for i in range(4 + count_bits)], dtype=np.uint8)
    filler = np.unpackbits(np.frombuffer(b"\xec\x11" * (capacity // 16 + 1), dtype=np.uint8))
    tail = np.concatenate((np.zeros(end - used, dtype=np.uint8), filler[: capacity - end]))
    return head, tail


def _data_bytes(text: str) -> np.ndarray:
    """The data codewords of ``text`` (ISO/IEC 18004 §7.4): the characters' bits by pair, in their frame."""
    values = text.encode("latin-1", "replace").translate(_TO_VALUE)
    if 255 in values:
        wrong = next(char for char in text if char not in _VALUE)
        raise ValueError(f"character {wrong!r} is not in the QR alphanumeric set")
    head, tail = _frame(len(text))
    pairs = _PAIR_BITS.take(np.frombuffer(values, dtype=">u2", count=len(values) // 2), axis=0).reshape(-1)
    last = _SIX_BITS[values[-1]] if len(values) % 2 else _ZERO_BYTE[:0]
    return np.packbits(np.concatenate((head, pairs, last, tail)))


def _data_codewords(text: str, version: int) -> bytes:
    if version != version_for(len(text)):
        raise ValueError(f"{len(text)} characters are a version {version_for(len(text))} code")
    return _data_bytes(text).tobytes()


def encode(text: str, quiet_zone: int = 4) -> QrBitmap:
    """The QR code of ``text`` (QR alphanumeric characters only: digits, capitals, space and ``$%*+-./:``)."""
    layout = _layout(version_for(len(text)), quiet_zone)
    data = _data_bytes(text)
    # every block's remainder at once: the XOR, position by position, of one table row per data codeword
    rows = layout.rs_table.take(layout.rs_base + data.take(layout.rs_source), axis=0)
    ecc = np.bitwise_xor.reduce(rows.reshape(layout.positions, -1), axis=0)
    bits = np.unpackbits(np.concatenate((data, ecc, _ZERO_BYTE)))
    image = np.packbits(bits.take(layout.gather)) ^ layout.mask
    return QrBitmap(layout.version, layout.side, layout.row_bytes, image.tobytes())
