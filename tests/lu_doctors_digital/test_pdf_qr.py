"""The fee note PDF and its QR code read back from the rendered page by a real decoder (zxing-cpp)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierspayant.core.signing import SigningKey
from tierspayant.schemes.lu_doctors import FeeNote, FeeNoteAct
from tierspayant.schemes.lu_doctors.digital.fee_note_qr import canonical_document, shares_of, signed_qr_text
from tierspayant.schemes.lu_doctors.digital.keys import TEST_PSEUDONYMISATION_KEY
from tierspayant.schemes.lu_doctors.digital.pdf import render_fee_note
from tierspayant.schemes.lu_doctors.digital.qr_payload import document_hash, pseudonym_matches
from tierspayant.schemes.lu_doctors.digital.reader import qr_texts_from_pdf, verify_pdf
from tierspayant.schemes.lu_doctors.formats.fee_note import BillingMode
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

from .helpers import ADULT, CHILD, DAY, DOCTOR, SIGNED_AT, doctor_key, fee_note

REFERENCE = DigitalReference.sample()


def _pdf(note_number: str = "FN-1", matricule: str = ADULT, key: SigningKey | None = None) -> bytes:
    note = fee_note(note_number, matricule)
    signing_key = key or doctor_key()[0]
    text = signed_qr_text(note, shares_of(note, REFERENCE), TEST_PSEUDONYMISATION_KEY, signing_key, SIGNED_AT)
    return render_fee_note(note, shares_of(note, REFERENCE), text, "Dr Anne Exemple")


def test_qr_read_from_the_rendered_page_verifies() -> None:
    key, keys = doctor_key()
    pdf = _pdf(key=key)
    result = verify_pdf(pdf, keys, "FN-1.pdf")
    assert result.finding is None and result.verified is not None
    qr = result.verified.qr
    assert (qr.number, qr.doctor_code, qr.total, qr.fund_share, qr.patient_share) == (
        "FN-1", DOCTOR, Decimal("58.50"), Decimal("51.48"), Decimal("7.02"),
    )  # fmt: skip
    assert qr.document_hash == document_hash(canonical_document(fee_note()))
    assert pseudonym_matches(TEST_PSEUDONYMISATION_KEY, ADULT, qr)
    text = pypdf.PdfReader(__import__("io").BytesIO(pdf)).pages[0].extract_text()
    assert ADULT in text and "51.48" in text  # the paper carries the matricule in clear, the QR does not
    assert ADULT not in (result.text or "")


def test_the_caption_reads_back_beside_the_code_and_only_with_it() -> None:
    """The caption is written as a precomputed text operator (WinAnsi octal escapes): a reader must still see it,
    right-aligned at the code's right edge, and an opted-out note (no code) has none."""
    signed_page = pypdf.PdfReader(__import__("io").BytesIO(_pdf())).pages[0]
    assert "Remboursement digitalisé — code signé LUFN1" in signed_page.extract_text()
    note = fee_note()
    bare = render_fee_note(note, shares_of(note, REFERENCE), None, "Dr Anne Exemple")
    assert "LUFN1" not in pypdf.PdfReader(__import__("io").BytesIO(bare)).pages[0].extract_text()


def test_child_fee_note_fund_pays_all() -> None:
    key, keys = doctor_key()
    result = verify_pdf(_pdf(matricule=CHILD, key=key), keys)
    assert result.verified is not None
    assert result.verified.qr.fund_share == Decimal("58.50") and result.verified.qr.patient_share == Decimal("0.00")


def test_unknown_key_refused_from_the_pdf() -> None:
    _, keys = doctor_key()
    result = verify_pdf(_pdf(key=SigningKey.generate(DOCTOR)), keys, "FN-1.pdf")
    assert result.finding is not None and result.finding.code == "QR-UNKNOWN-KEY"


def test_tampered_qr_in_the_pdf_refused() -> None:
    key, keys = doctor_key()
    note = fee_note()
    shares = shares_of(note, REFERENCE)
    text = signed_qr_text(note, shares, TEST_PSEUDONYMISATION_KEY, key, SIGNED_AT)
    forged = _forge_amount(text)
    result = verify_pdf(render_fee_note(note, shares, forged), keys)
    assert result.finding is not None and result.finding.code == "QR-BAD-SIGNATURE"


def _forge_amount(text: str) -> str:
    """Raise the fund's share inside a signed code, keeping the old signature (what a forger would do)."""
    import zlib

    import cbor2

    from tierspayant.core.signing.base45 import b45decode, b45encode

    message = cbor2.loads(zlib.decompress(b45decode(text[6:])))
    claims = cbor2.loads(message.value[2])
    claims[-65537][5] += 1000
    claims[-65537][3] += 1000
    message.value[2] = cbor2.dumps(claims)
    return "LUFN1:" + b45encode(zlib.compress(cbor2.dumps(message)))


def test_opted_out_fee_note_has_no_qr() -> None:
    note = fee_note()
    pdf = render_fee_note(note, shares_of(note, REFERENCE), None)
    assert qr_texts_from_pdf(pdf) == []
    _, keys = doctor_key()
    result = verify_pdf(pdf, keys)
    assert result.finding is not None and result.finding.code == "QR-NOT-FOUND"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    number=st.from_regex(r"[A-Za-z0-9.\-]{1,30}", fullmatch=True),
    cents=st.integers(1, 99_999_99),
)
def test_qr_round_trip_through_pdf_and_decoder(number: str, cents: int) -> None:
    key, keys = doctor_key()
    note = fee_note(number, amount=str(Decimal(cents) / 100))
    shares = shares_of(note, REFERENCE)
    pdf = render_fee_note(note, shares, signed_qr_text(note, shares, TEST_PSEUDONYMISATION_KEY, key, SIGNED_AT))
    result = verify_pdf(pdf, keys)
    assert result.verified is not None, result.finding
    assert result.verified.qr.number == number
    assert result.verified.qr.total == Decimal(cents) / 100
    assert result.verified.qr.fund_share + result.verified.qr.patient_share == Decimal(cents) / 100


@pytest.mark.parametrize(("matricule", "percent"), [(ADULT, Decimal(88)), (CHILD, Decimal(100))])
def test_statutory_rate_by_age(matricule: str, percent: Decimal) -> None:
    note = fee_note(matricule=matricule)
    assert shares_of(note, REFERENCE).fund_percent == percent


def _definition(note: FeeNote) -> bytes:
    """The canonical document as docs/lu-doctors-qr.md defines it."""
    return json.dumps(note.model_dump(mode="json"), sort_keys=True, separators=(",", ":")).encode()


@settings(max_examples=80, deadline=None)
@given(
    name=st.text(min_size=1, max_size=40) | st.sampled_from(["Marie Exemple", "José Müller", 'a "b" \\ c\x7f', "\t\n"]),
    association=st.none() | st.just("10234567"),
    paid=st.none() | st.dates(date(2026, 3, 2), date(2026, 12, 31)),
    mode=st.sampled_from(list(BillingMode)),
    cents=st.integers(0, 99_999_99),
)
def test_canonical_document_is_its_definition(
    name: str, association: str | None, paid: date | None, mode: BillingMode, cents: int
) -> None:
    """The fast writer gives the definition's bytes, and a name it cannot write as json.dumps does (non-ASCII,
    DEL) takes the definition itself."""
    amount = Decimal(cents) / 100
    act = FeeNoteAct(line=1, act_code="C1", service_date=DAY, unit_amount=amount, amount=amount, device_id=None)
    note = FeeNote(
        fee_note_id="FN-1",
        doctor_code=DOCTOR,
        association_code=association,
        patient_matricule=ADULT,
        patient_name=name,
        issued_on=DAY,
        mode=mode,
        acts=(act, act.model_copy(update={"line": 2})),
        total=amount * 2,
        paid_on=paid,
    )
    assert canonical_document(note) == _definition(note)
