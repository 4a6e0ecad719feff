"""The published test vectors of docs/lu-doctors-qr.md, and the fee note payload's own checks."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.core.signing import KeySet, Refusal, SealError, SigningKey
from tierspayant.schemes.lu_doctors.digital.keys import TEST_PSEUDONYMISATION_KEY, vector_signing_key
from tierspayant.schemes.lu_doctors.digital.qr_encoder import encode
from tierspayant.schemes.lu_doctors.digital.qr_payload import (
    FeeNoteQr,
    document_hash,
    patient_pseudonym,
    pseudonym_matches,
    sign_fee_note_qr,
    verify_fee_note_qr,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "lu-doctors-qr.md"


@pytest.fixture(scope="module")
def vectors() -> dict[str, object]:
    text = DOC.read_text()
    block = re.search(r"## Test vectors.*?```json\n(.*?)```", text, re.S)
    assert block is not None
    data: dict[str, object] = json.loads(block.group(1))
    return data


def _qr(vectors: dict[str, object]) -> FeeNoteQr:
    note = vectors["fee_note"]
    assert isinstance(note, dict)
    return FeeNoteQr(
        number=note["number"],
        doctor_code=note["doctor_code"],
        issued_on=date.fromisoformat(note["issued_on"]),
        total=Decimal(note["total"]),
        patient_share=Decimal(note["patient_share"]),
        fund_share=Decimal(note["fund_share"]),
        fund=note["fund"],
        document_hash=bytes.fromhex(note["document_hash_hex"]),
        patient_pseudonym=bytes.fromhex(note["patient_pseudonym_hex"]),
    )


def test_vector_verifies_with_the_published_key_set_alone(vectors: dict[str, object]) -> None:
    keys = KeySet.from_json(json.dumps(vectors["key_set"]))
    verified = verify_fee_note_qr(str(vectors["qr_text"]), keys)
    assert verified.qr == _qr(vectors)
    assert verified.signed.issued_at == datetime.fromisoformat(str(vectors["signed_at"]))


def test_vector_reproduced_byte_for_byte(vectors: dict[str, object]) -> None:
    scalar = int(str(vectors["signing_key_d_hex"]), 16)
    key = SigningKey(ec.derive_private_key(scalar, ec.SECP256R1()), "90812345")
    text = sign_fee_note_qr(_qr(vectors), key, datetime.fromisoformat(str(vectors["signed_at"])))
    assert text == vectors["qr_text"]
    assert key.private_key.private_numbers() == vector_signing_key().private_key.private_numbers()


def test_vector_hash_and_pseudonym(vectors: dict[str, object]) -> None:
    qr = _qr(vectors)
    assert document_hash(str(vectors["canonical_document"]).encode()) == qr.document_hash
    pseudonymisation_key = bytes.fromhex(str(vectors["pseudonymisation_key_hex"]))
    assert pseudonymisation_key == TEST_PSEUDONYMISATION_KEY
    assert pseudonym_matches(pseudonymisation_key, str(vectors["matricule"]), qr)
    assert not pseudonym_matches(pseudonymisation_key, "1985031512346", qr)  # one digit off
    assert str(vectors["matricule"]) not in str(vectors["qr_text"])


def test_vector_fits_qr_version_13_at_level_m(vectors: dict[str, object]) -> None:
    assert encode(str(vectors["qr_text"])).version <= 13  # the encoder refuses anything but alphanumeric text


def test_total_must_be_the_sum_of_the_shares() -> None:
    base = dict(
        number="N1",
        doctor_code="90812345",
        issued_on=date(2026, 3, 2),
        fund="CNS",
        document_hash=bytes(16),
        patient_pseudonym=bytes(12),
    )
    FeeNoteQr(total=Decimal("10.00"), patient_share=Decimal("1.20"), fund_share=Decimal("8.80"), **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="total"):
        FeeNoteQr(total=Decimal("10.01"), patient_share=Decimal("1.20"), fund_share=Decimal("8.80"), **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fund"):
        FeeNoteQr(total=Decimal(1), patient_share=Decimal(0), fund_share=Decimal(1), **{**base, "fund": "AOK"})  # type: ignore[arg-type]


def test_key_of_another_doctor_cannot_sign(vectors: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="fee note is"):
        sign_fee_note_qr(replace(_qr(vectors), doctor_code="90899999"), vector_signing_key(), datetime.now(UTC))


def test_tampered_vector_refused(vectors: dict[str, object]) -> None:
    keys = KeySet.from_json(json.dumps(vectors["key_set"]))
    text = str(vectors["qr_text"])
    # change one Base45 character in the middle of the signed part
    position = len(text) // 2
    changed = text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1 :]
    with pytest.raises(SealError) as caught:
        verify_fee_note_qr(changed, keys)
    assert caught.value.reason in {Refusal.BAD_SIGNATURE, Refusal.CORRUPTED_ZLIB, Refusal.MALFORMED}


amounts = st.integers(0, 10_000_00)


@settings(max_examples=40, deadline=None)
@given(
    number=st.from_regex(r"[A-Z0-9\-]{1,30}", fullmatch=True),
    day=st.dates(date(2025, 7, 1), date(2027, 12, 31)),
    patient=amounts,
    fund_share=amounts,
    fund=st.sampled_from(["CNS", "CMFEP", "CMFEC", "EMCFL"]),
    digest=st.binary(min_size=16, max_size=16),
    matricule=st.from_regex(r"[0-9]{13}", fullmatch=True),
)
def test_round_trip_through_signing(
    number: str, day: date, patient: int, fund_share: int, fund: str, digest: bytes, matricule: str
) -> None:
    key = vector_signing_key()
    keys = KeySet()
    keys.add(key.published(date(2025, 7, 1), date(2027, 12, 31)))
    qr = FeeNoteQr(
        number=number,
        doctor_code="90812345",
        issued_on=day,
        total=(Decimal(patient) + Decimal(fund_share)) / 100,
        patient_share=Decimal(patient) / 100,
        fund_share=Decimal(fund_share) / 100,
        fund=fund,
        document_hash=digest,
        patient_pseudonym=patient_pseudonym(TEST_PSEUDONYMISATION_KEY, matricule, number),
    )
    assert qr.body_cbor() == cbor2.dumps(qr.body())  # the hand-written encoding is cbor2's
    text = sign_fee_note_qr(qr, key, datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    assert verify_fee_note_qr(text, keys).qr == qr
    assert encode(text).version <= 13
