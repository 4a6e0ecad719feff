"""The fee note's QR encoder against independent oracles: segno's modules (same version and mask), zxing-cpp's
decoder, and the Reed-Solomon example of ISO/IEC 18004 (annex I)."""

from __future__ import annotations

from functools import reduce
from operator import getitem, xor

import pytest
import segno
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tierspayant.schemes.lu_doctors.digital import qr_encoder
from tierspayant.schemes.lu_doctors.digital.qr_encoder import ALPHANUMERIC, MASK, QrBitmap, encode

TEXTS = st.text(alphabet=ALPHANUMERIC, min_size=1, max_size=700)


def _ends_on_a_byte(length: int, version: int) -> bool:
    """Data bits + the 4-bit terminator end on a codeword boundary with room to spare: there segno writes a zero
    byte before the pad codewords where ISO/IEC 18004 §7.4.10 (and this encoder) go straight to 0xEC 0x11."""
    bits = 4 + (9 if version <= 9 else 11 if version <= 26 else 13) + 11 * (length // 2) + 6 * (length % 2) + 4
    return bits % 8 == 0 and bits < qr_encoder.data_codewords(version) * 8


def _modules(bitmap: QrBitmap, quiet_zone: int) -> list[list[bool]]:
    size = bitmap.side - 2 * quiet_zone
    return [[bitmap.dark(r + quiet_zone, c + quiet_zone) for c in range(size)] for r in range(size)]


def _image(bitmap: QrBitmap, scale: int = 4) -> Image.Image:
    pixels = bytes(0 if bitmap.dark(r, c) else 255 for r in range(bitmap.side) for c in range(bitmap.side))
    image = Image.frombytes("L", (bitmap.side, bitmap.side), pixels)
    return image.resize((bitmap.side * scale, bitmap.side * scale), Image.Resampling.NEAREST)


@settings(max_examples=60, deadline=None)
@given(TEXTS)
def test_modules_are_segnos(text: str) -> None:
    bitmap = encode(text)
    if _ends_on_a_byte(len(text), bitmap.version):
        return  # the one place the two encoders legitimately differ (see _ends_on_a_byte)
    reference = segno.make(text, error="m", mode="alphanumeric", micro=False, boost_error=False, mask=MASK)
    assert (reference.version, reference.mode) == (bitmap.version, "alphanumeric")
    assert _modules(bitmap, 4) == [[bool(module) for module in row] for row in reference.matrix]


@pytest.mark.parametrize("length", [7, 10, 23, 288])
def test_decoded_by_zxing(length: int) -> None:
    """Lengths 7, 10, 23 end on a byte after the terminator (not comparable with segno): the decoder reads them."""
    text = (ALPHANUMERIC * 10)[3 : 3 + length]
    barcodes = zxingcpp.read_barcodes(_image(encode(text)))
    assert [(b.format, b.text, b.ec_level) for b in barcodes] == [(zxingcpp.BarcodeFormat.QRCode, text, "M")]


@settings(max_examples=15, deadline=None)
@given(TEXTS)
def test_any_text_decodes(text: str) -> None:
    assert [b.text for b in zxingcpp.read_barcodes(_image(encode(text)))] == [text]


def test_reed_solomon_iso_example() -> None:
    """ISO/IEC 18004 annex I: "01234567" as 1-M; its 16 data codewords and their 10 error correction codewords."""
    data = bytes.fromhex("10200c5661 80ec11ec11 ec11ec11ec 11")
    expected = bytes.fromhex("a524d4c1ed36c7872c55")
    assert qr_encoder._remainder(data, 10) == expected
    assert reduce(xor, map(getitem, qr_encoder._contributions(10, 16), data)).to_bytes(10, "big") == expected


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=1, max_size=123), st.sampled_from([10, 16, 18, 22, 24, 26, 28, 30]))
def test_lookup_remainder_is_the_division(data: bytes, degree: int) -> None:
    lookup = reduce(xor, map(getitem, qr_encoder._contributions(degree, len(data)), data))
    assert lookup.to_bytes(degree, "big") == qr_encoder._remainder(data, degree)


def test_pad_codewords_after_a_byte_aligned_terminator() -> None:
    data = qr_encoder._data_codewords("ABCDEFG", 1)  # 4 + 9 + 33 + 6 = 52 bits, + terminator = 56
    assert data[7:] == bytes.fromhex("ec11ec11ec11ec11ec")


def test_near_miss_last_character_of_a_version() -> None:
    """Version 10-M holds 311 alphanumeric characters; one more needs version 11."""
    assert qr_encoder.version_for(311) == 10 and qr_encoder.version_for(312) == 11
    assert segno.make("A" * 311, error="m", boost_error=False).version == 10


def test_outside_the_alphanumeric_set_refused() -> None:
    with pytest.raises(ValueError, match="'a' is not in the QR alphanumeric set"):
        encode("LUFN1:ab")
    with pytest.raises(ValueError, match="'É' is not in"):
        encode("É é")


def test_too_long_refused() -> None:
    with pytest.raises(ValueError, match="do not fit in a version 40"):
        encode("A" * 3392)
    assert encode("A" * 3391).version == 40


@settings(max_examples=40, deadline=None)
@given(st.data(), st.sampled_from([(10, 16), (26, 43), (22, 118), (30, 15)]))
def test_table_rows_are_the_division(data: st.DataObject, degree_length: tuple[int, int]) -> None:
    """The rows the encoder looks the remainders up in: for a block ``length`` codewords long, one row per
    codeword, XORed, give the plain division's remainder; the rows a short block starts with are zeros."""
    degree, length = degree_length
    block = data.draw(st.binary(min_size=length, max_size=length))
    table = qr_encoder._rs_rows(degree, length)
    rows = reduce(xor, (table[256 * position + value] for position, value in enumerate(block)))
    assert rows.tobytes() == qr_encoder._remainder(block, degree)
    assert not table[256 * length :].any() and len(table) == 256 * (length + 1)
