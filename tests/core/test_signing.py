"""Signed codes: Base45 against RFC 9285, COSE_Sign1 against an independent COSE library (cwt), every refusal."""

from __future__ import annotations

import base64
import hmac
import zlib
from datetime import UTC, date, datetime

import cbor2
import pytest
from cwt import COSE, COSEKey
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.core.signing import (
    Envelope,
    KeySet,
    KeySetError,
    Refusal,
    SealError,
    SigningKey,
    cbor_items,
    open_sealed,
    seal,
)
from tierspayant.core.signing.base45 import Base45Error, b45decode, b45encode
from tierspayant.core.signing.cose import parse_sign1, sig_structure, sign1
from tierspayant.core.signing.hmac_sha256 import hmac_sha256
from tierspayant.core.signing.sealed import claims_cbor, seal_encoded, zlib_stored

ENVELOPE = Envelope("TST", 1)
SIGNED_AT = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate("D1234567")


@pytest.fixture(scope="module")
def keys(key: SigningKey) -> KeySet:
    keyset = KeySet()
    keyset.add(key.published(date(2026, 1, 1), date(2026, 12, 31)))
    return keyset


# --- Base45 (RFC 9285 section 4.3 and 4.4 examples) ---


@pytest.mark.parametrize(
    ("raw", "text"),
    [(b"AB", "BB8"), (b"Hello!!", "%69 VD92EX0"), (b"base-45", "UJCLQE7W581"), (b"ietf!", "QED8WEX0"), (b"", "")],
)
def test_base45_rfc_vectors(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


@pytest.mark.parametrize("text", ["GGW", "GGW0", "a", ":::", "A"])
def test_base45_invalid_text_refused(text: str) -> None:
    with pytest.raises(Base45Error):
        b45decode(text)


def test_base45_near_miss_largest_group_accepted() -> None:
    # "FGW" = 15 + 16*45 + 32*2025 = 65535, one below "GGW" (65536) which is refused
    assert b45decode("FGW") == b"\xff\xff"
    assert b45decode("U5") == b"\xff"  # 30 + 5*45 = 255; "V5" = 256 is refused
    with pytest.raises(Base45Error):
        b45decode("V5")


@settings(max_examples=50)
@given(st.binary(max_size=300))
def test_base45_round_trip(data: bytes) -> None:
    assert b45decode(b45encode(data)) == data


# --- COSE_Sign1 against cwt (an independent implementation) ---


def _cwt_public(key: SigningKey) -> COSEKey:
    numbers = key.private_key.public_key().public_numbers()
    return COSEKey.new(
        {1: 2, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big"), 3: -7, 2: key.kid}
    )


def test_our_sign1_verifies_with_cwt(key: SigningKey) -> None:
    message = sign1(b"fee note", key.private_key, key.kid)
    assert COSE.new().decode(message, _cwt_public(key)) == b"fee note"


def test_cwt_sign1_verifies_with_ours(key: SigningKey) -> None:
    private = COSEKey.from_pem(key.to_pem(), alg="ES256")
    message = COSE.new(alg_auto_inclusion=False).encode_and_sign(b"paper", private, protected={1: -7, 4: key.kid})
    parsed = parse_sign1(message)
    assert parsed.kid == key.kid and parsed.payload == b"paper"
    assert parsed.verify(key.private_key.public_key())


def test_deterministic_signature_reproducible(key: SigningKey) -> None:
    assert sign1(b"x", key.private_key, key.kid) == sign1(b"x", key.private_key, key.kid)


@pytest.mark.parametrize("length", [0, 23, 24, 255, 256, 65535, 65536])
def test_hand_written_cbor_is_cbor2s(key: SigningKey, length: int) -> None:
    """sign1 and sig_structure write their CBOR by hand; cbor2 encodes the same structures (length heads at each
    size boundary)."""
    payload = bytes(range(256)) * (length // 256) + bytes(length % 256)
    message = sign1(payload, key.private_key, key.kid)
    decoded = cbor2.loads(message)
    assert message == cbor2.dumps(decoded)
    protected, unprotected, body, _ = decoded.value
    assert decoded.tag == 18 and unprotected == {} and body == payload
    assert sig_structure(protected, payload, b"aad") == cbor2.dumps(["Signature1", protected, b"aad", payload])


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=16, max_size=400))
def test_stored_block_is_what_zlib_writes_for_random_bytes(data: bytes) -> None:
    """Random bytes (a signature, hashes) do not compress: zlib at level 9 writes them as one stored block, which
    is what seal writes without asking zlib; any inflater reads it back."""
    stored = zlib_stored(data)
    assert zlib.decompress(stored) == data
    if zlib.compress(data, 9)[2] & 0b110 == 0:  # zlib chose a stored block too (all but a few short inputs)
        assert stored == zlib.compress(data, 9)


@pytest.mark.parametrize("data", [b"", b"x", b"2026-000123" * 40, bytes(range(256)) * 32])
def test_stored_block_of_any_bytes_inflates(data: bytes) -> None:
    assert zlib.decompress(zlib_stored(data)) == data
    assert zlib_stored(data)[:3] == b"\x78\xda\x01"


def test_stored_block_refuses_what_could_not_be_opened() -> None:
    with pytest.raises(ValueError, match="at most 8192 bytes"):
        zlib_stored(bytes(8193))


_CBOR_INTEGERS = st.integers(-(2**64), 2**64 - 1) | st.sampled_from(
    [0, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, -1, -24, -25, -256, -257, -65537]
)


@settings(max_examples=200, deadline=None)
@given(_CBOR_INTEGERS, st.text(max_size=300), st.binary(max_size=300))
def test_hand_written_cbor_items_are_cbor2s(number: int, words: str, data: bytes) -> None:
    assert cbor_items.integer(number) == cbor2.dumps(number)
    assert cbor_items.text(words) == cbor2.dumps(words)
    assert cbor_items.byte_string(data) == cbor2.dumps(data)


@settings(max_examples=50, deadline=None)
@given(
    st.text(max_size=20),
    st.integers(-62_000_000_000, 253_000_000_000),
    st.dictionaries(st.integers(0, 30), st.text(max_size=8)),
)
def test_claims_are_cbor2s_dict(issuer: str, seconds: int, body: dict[int, str]) -> None:
    issued_at = datetime.fromtimestamp(seconds, UTC)
    expected = cbor2.dumps({1: issuer, 6: seconds, -65537: body})
    assert claims_cbor(issuer, issued_at, cbor2.dumps(body)) == expected


def test_seal_encoded_is_seal(key: SigningKey, keys: KeySet) -> None:
    body = {1: "FN-1", 2: 20260302, 7: bytes(16)}
    assert seal_encoded(ENVELOPE, cbor2.dumps(body), key, SIGNED_AT) == seal(ENVELOPE, body, key, SIGNED_AT)
    assert open_sealed(seal_encoded(ENVELOPE, cbor2.dumps(body), key, SIGNED_AT), ENVELOPE, keys).body == body


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=300))
def test_hmac_sha256_is_the_standard_library_s(secret: bytes, message: bytes) -> None:
    """Keys shorter than, as long as and longer than SHA-256's 64-byte block (hashed first, RFC 2104 §2)."""
    assert hmac_sha256(secret, message) == hmac.digest(secret, message, "sha256")


# --- the sealed code ---


def test_round_trip(key: SigningKey, keys: KeySet) -> None:
    text = seal(ENVELOPE, {"n": "FN-1", "a": 4250}, key, SIGNED_AT)
    assert text.startswith("TST1:")
    opened = open_sealed(text, ENVELOPE, keys)
    assert opened.body == {"n": "FN-1", "a": 4250}
    assert opened.issuer == "D1234567"
    assert opened.issued_at == SIGNED_AT
    assert opened.kid == key.kid


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.text(max_size=5), st.integers(-(2**40), 2**40) | st.text(max_size=20), max_size=6))
def test_round_trip_any_body(key: SigningKey, keys: KeySet, body: dict[str, object]) -> None:
    assert open_sealed(seal(ENVELOPE, body, key, SIGNED_AT), ENVELOPE, keys).body == body


def _refusal(text: str, keys: KeySet) -> Refusal:
    with pytest.raises(SealError) as caught:
        open_sealed(text, ENVELOPE, keys)
    return caught.value.reason


def test_bad_prefix_and_unsupported_version(key: SigningKey, keys: KeySet) -> None:
    text = seal(ENVELOPE, 1, key, SIGNED_AT)
    assert _refusal("HC1:" + text[5:], keys) is Refusal.BAD_PREFIX
    assert _refusal("TST2:" + text[5:], keys) is Refusal.UNSUPPORTED_VERSION
    assert _refusal(text[5:], keys) is Refusal.BAD_PREFIX


def test_corrupted_base45_and_zlib(key: SigningKey, keys: KeySet) -> None:
    text = seal(ENVELOPE, 1, key, SIGNED_AT)
    assert _refusal(text + "x", keys) is Refusal.CORRUPTED_BASE45  # lower case is outside the alphabet
    assert _refusal("TST1:" + b45encode(b"not zlib at all"), keys) is Refusal.CORRUPTED_ZLIB
    compressed = b45decode(text[5:])
    assert _refusal("TST1:" + b45encode(compressed[:-6]), keys) is Refusal.CORRUPTED_ZLIB  # truncated
    bomb = zlib.compress(b"\0" * 100_000)
    assert _refusal("TST1:" + b45encode(bomb), keys) is Refusal.CORRUPTED_ZLIB


def test_tampered_payload_is_a_bad_signature(key: SigningKey, keys: KeySet) -> None:
    text = seal(ENVELOPE, {"a": 4250}, key, SIGNED_AT)
    message = cbor2.loads(zlib.decompress(b45decode(text[5:])))
    claims = cbor2.loads(message.value[2])
    claims[-65537] = {"a": 9250}
    message.value[2] = cbor2.dumps(claims)
    forged = "TST1:" + b45encode(zlib.compress(cbor2.dumps(message)))
    assert _refusal(forged, keys) is Refusal.BAD_SIGNATURE


def test_not_cose_is_malformed(keys: KeySet) -> None:
    assert _refusal("TST1:" + b45encode(zlib.compress(cbor2.dumps([1, 2]))), keys) is Refusal.MALFORMED


def test_unknown_key(keys: KeySet) -> None:
    stranger = SigningKey.generate("D1234567")
    assert _refusal(seal(ENVELOPE, 1, stranger, SIGNED_AT), keys) is Refusal.UNKNOWN_KEY


def test_key_validity_first_and_last_day(key: SigningKey, keys: KeySet) -> None:
    first, last = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert open_sealed(seal(ENVELOPE, 1, key, first), ENVELOPE, keys).issued_at == first
    assert open_sealed(seal(ENVELOPE, 1, key, last), ENVELOPE, keys).issued_at == last
    assert _refusal(seal(ENVELOPE, 1, key, datetime(2027, 1, 1, tzinfo=UTC)), keys) is Refusal.KEY_EXPIRED
    assert _refusal(seal(ENVELOPE, 1, key, datetime(2025, 12, 31, 23, 59, tzinfo=UTC)), keys) is Refusal.KEY_EXPIRED


def test_revoked_key(key: SigningKey) -> None:
    keyset = KeySet()
    published = key.published(date(2026, 1, 1), date(2026, 12, 31))
    keyset.add(type(published)(published.public_key, published.issuer, published.not_before, published.not_after, True))
    assert _refusal(seal(ENVELOPE, 1, key, SIGNED_AT), keyset) is Refusal.KEY_REVOKED


def test_issuer_mismatch(key: SigningKey, keys: KeySet) -> None:
    impostor = SigningKey(key.private_key, "D7654321")  # the same key, claiming another doctor
    assert _refusal(seal(ENVELOPE, 1, impostor, SIGNED_AT), keys) is Refusal.ISSUER_MISMATCH


def test_refusal_as_finding(keys: KeySet) -> None:
    with pytest.raises(SealError) as caught:
        open_sealed("XX1:", ENVELOPE, keys)
    finding = caught.value.finding("note.pdf")
    assert finding.code == "QR-BAD-PREFIX" and finding.file == "note.pdf"


# --- the published key set ---


def test_keyset_json_round_trip(key: SigningKey, keys: KeySet) -> None:
    again = KeySet.from_json(keys.to_json())
    assert again.get(key.kid) == keys.get(key.kid)
    assert open_sealed(seal(ENVELOPE, 1, key, SIGNED_AT), ENVELOPE, again).issuer == "D1234567"


def test_keyset_refuses_wrong_kid_and_duplicates(key: SigningKey, keys: KeySet) -> None:
    import json

    document = json.loads(keys.to_json())
    document["keys"][0]["kid"] = base64.b64encode(b"12345678").decode()
    with pytest.raises(KeySetError, match="kid does not match"):
        KeySet.from_json(json.dumps(document))
    document = json.loads(keys.to_json())
    document["keys"].append(document["keys"][0])
    with pytest.raises(KeySetError, match="already"):
        KeySet.from_json(json.dumps(document))
    with pytest.raises(KeySetError, match="format"):
        KeySet.from_json('{"keys": []}')
