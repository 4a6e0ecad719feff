"""The eDocuments vault through its HTTP API: deposits, corrections with lineage, statuses, rights, audit."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from tierspayant.core.signing import SigningKey
from tierspayant.schemes.lu_doctors import FeeNote
from tierspayant.schemes.lu_doctors.digital.fee_note_qr import shares_of, signed_qr_text
from tierspayant.schemes.lu_doctors.digital.keys import TEST_PSEUDONYMISATION_KEY
from tierspayant.schemes.lu_doctors.edocuments.model import Deposit, Status
from tierspayant.schemes.lu_doctors.edocuments.vault import VaultError
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

from .conftest import Parties
from .helpers import ADULT, CHILD, DOCTOR, SIGNED_AT, fee_note

REFERENCE = DigitalReference.sample()


def _deposit(note: FeeNote, key: SigningKey | None = None, prepared_by: str = "dr.anne") -> Deposit:
    shares = shares_of(note, REFERENCE)
    text = signed_qr_text(note, shares, TEST_PSEUDONYMISATION_KEY, key, SIGNED_AT) if key else None
    return Deposit(
        fee_note=note,
        fund_percent=shares.fund_percent,
        fund_share=shares.fund,
        patient_share=shares.patient,
        qr_text=text,
        pdf_base64=base64.b64encode(b"%PDF-1.4 test").decode(),
        prepared_by=prepared_by,
    )


def _code(error: pytest.ExceptionInfo[VaultError]) -> str:
    return error.value.findings[0].code


@pytest.fixture
def key(parties: Parties) -> SigningKey:
    key = SigningKey.generate(DOCTOR)
    parties.client("t-doctor").publish_key(key.published(date(2025, 7, 1), date(2027, 6, 30)))
    return key


def test_deposit_unpaid_then_paid_then_submitted(parties: Parties, key: SigningKey) -> None:
    doctor, patient = parties.client("t-doctor"), parties.client("t-patient")
    receipt = doctor.deposit(_deposit(fee_note(), key))
    assert receipt.receipt.startswith("EDOC-") and receipt.version == 1 and receipt.status is Status.DEPOSITED
    with pytest.raises(VaultError) as unpaid:
        patient.submit(receipt.receipt, "page")
    assert _code(unpaid) == "EDOC-UNPAID"
    assert doctor.mark_paid(receipt.receipt, date(2026, 3, 2)).status is Status.AVAILABLE
    view = patient.submit(receipt.receipt, "page")
    assert view.status is Status.SUBMITTED
    assert [e.status for e in view.history] == [Status.DEPOSITED, Status.AVAILABLE, Status.SUBMITTED]
    with pytest.raises(VaultError) as again:
        patient.submit(receipt.receipt, "page")
    assert _code(again) == "EDOC-ALREADY"
    assert doctor.pdf(receipt.receipt) == b"%PDF-1.4 test"


def test_paid_fee_note_is_available_at_once(parties: Parties, key: SigningKey) -> None:
    note = fee_note().model_copy(update={"paid_on": date(2026, 3, 2)})
    assert parties.client("t-doctor").deposit(_deposit(note, key)).status is Status.AVAILABLE


def test_correction_replaces_and_keeps_lineage(parties: Parties, key: SigningKey) -> None:
    doctor = parties.client("t-doctor")
    first = doctor.deposit(_deposit(fee_note(amount="58.50"), key))
    parties.clock.value = parties.clock.value.replace(hour=10)
    second = doctor.replace(first.receipt, _deposit(fee_note(amount="66.20"), key))
    assert (second.version, second.lineage) == (2, first.receipt)
    assert doctor.document(first.receipt).status is Status.REPLACED
    current = parties.client("t-fund").match(DOCTOR, "FN-1")
    assert current.receipt == second.receipt and current.total == Decimal("66.20")
    with pytest.raises(VaultError) as duplicate:
        doctor.deposit(_deposit(fee_note(), key))
    assert _code(duplicate) == "EDOC-DUPLICATE"
    with pytest.raises(VaultError) as stale:
        doctor.replace(first.receipt, _deposit(fee_note(amount="70.00"), key))
    assert _code(stale) == "EDOC-NOT-REPLACEABLE"


def test_submitted_fee_note_cannot_be_replaced(parties: Parties, key: SigningKey) -> None:
    doctor = parties.client("t-doctor")
    receipt = doctor.deposit(_deposit(fee_note().model_copy(update={"paid_on": date(2026, 3, 2)}), key)).receipt
    parties.client("t-patient").submit(receipt, "page")
    with pytest.raises(VaultError) as caught:
        doctor.replace(receipt, _deposit(fee_note(amount="60.00"), key))
    assert _code(caught) == "EDOC-NOT-REPLACEABLE"


def test_qr_checked_on_deposit(parties: Parties, key: SigningKey) -> None:
    doctor = parties.client("t-doctor")
    with pytest.raises(VaultError) as unknown:
        doctor.deposit(_deposit(fee_note(), SigningKey.generate(DOCTOR)))
    assert _code(unknown) == "QR-UNKNOWN-KEY"
    good = _deposit(fee_note(), key)
    lying = good.model_copy(update={"fee_note": fee_note(amount="60.00"), "fund_share": Decimal("52.80"),
                                    "patient_share": Decimal("7.20")})  # fmt: skip
    with pytest.raises(VaultError) as mismatch:
        doctor.deposit(lying)
    assert _code(mismatch) == "EDOC-QR-MISMATCH"
    assert doctor.deposit(good).status is Status.DEPOSITED


def test_shares_must_add_up(parties: Parties) -> None:
    bad = _deposit(fee_note()).model_copy(update={"fund_share": Decimal("51.47")})
    with pytest.raises(VaultError) as caught:
        parties.client("t-doctor").deposit(bad)
    assert _code(caught) == "EDOC-SHARES"


def test_rights_and_audit(parties: Parties, key: SigningKey) -> None:
    receipt = parties.client("t-doctor").deposit(_deposit(fee_note(), key)).receipt
    with pytest.raises(VaultError) as other:
        parties.client("t-other-doctor").document(receipt)
    assert _code(other) == "EDOC-FORBIDDEN"
    with pytest.raises(VaultError) as child:
        parties.client("t-child").document(receipt)
    assert _code(child) == "EDOC-FORBIDDEN"
    assert parties.client("t-patient").document(receipt).patient_matricule == ADULT
    with pytest.raises(VaultError) as foreign:
        parties.client("t-other-doctor").deposit(_deposit(fee_note("FN-9")))
    assert _code(foreign) == "EDOC-NOT-YOURS"
    log = [(a.actor, a.action, a.allowed) for a in parties.vault.access_log(receipt=receipt)]
    assert log == [
        ("dr.anne", "deposit", True),
        ("dr.other", "read", False),
        (CHILD, "read", False),
        (ADULT, "read", True),
    ]
    assert parties.vault.access_log(matricule=ADULT)[-1].action == "read"


def test_assistant_deposit_is_recorded_as_prepared_on_behalf(parties: Parties, key: SigningKey) -> None:
    parties.client("t-assistant").deposit(_deposit(fee_note(), key, prepared_by="paul.assistant"))
    [view] = parties.client("t-doctor").documents()
    assert (view.prepared_by, view.sent_by) == ("paul.assistant", "paul.assistant")
    assert view.history[0].by == "paul.assistant for 10234567"


def test_public_key_set_and_unknown_token(parties: Parties, key: SigningKey) -> None:
    response = parties.http.get("/keys")
    assert response.status_code == 200 and key.kid in parties.client("t-fund").key_set().keys
    assert parties.http.get("/documents", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_counts_first_versions_per_doctor(parties: Parties, key: SigningKey) -> None:
    doctor = parties.client("t-doctor")
    first = doctor.deposit(_deposit(fee_note("FN-1"), key))
    doctor.replace(first.receipt, _deposit(fee_note("FN-1", amount="60.00"), key))
    parties.clock.value = parties.clock.value.replace(day=31)
    doctor.deposit(_deposit(fee_note("FN-2"), key))
    parties.clock.value = parties.clock.value.replace(month=4, day=1)
    doctor.deposit(_deposit(fee_note("FN-3"), key))
    fund = parties.client("t-fund")
    assert fund.counts(date(2026, 3, 1), date(2026, 3, 31)) == {DOCTOR: 2}
    assert fund.counts(date(2026, 4, 1), date(2026, 4, 30)) == {DOCTOR: 1}
    with pytest.raises(VaultError):
        doctor.counts(date(2026, 3, 1), date(2026, 3, 31))
