"""Shared builders for the digital fee-note tests: a fee note, a doctor's key and its published key set."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.core.signing import KeySet, SigningKey
from tierspayant.schemes.lu_doctors import FeeNote, FeeNoteAct

DOCTOR = "10234567"
ADULT = compute_matricule(date(1980, 5, 4), 12)
CHILD = compute_matricule(date(2010, 6, 1), 34)
DAY = date(2026, 3, 2)
SIGNED_AT = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def fee_note(number: str = "FN-1", matricule: str = ADULT, amount: str = "58.50", fund: str = "CNS") -> FeeNote:
    act = FeeNoteAct(line=1, act_code="C1", service_date=DAY, unit_amount=Decimal(amount), amount=Decimal(amount))
    return FeeNote(
        fee_note_id=number,
        doctor_code=DOCTOR,
        patient_matricule=matricule,
        patient_name="Marie Exemple",
        fund=fund,
        issued_on=DAY,
        acts=(act,),
        total=Decimal(amount),
    )


def doctor_key(code: str = DOCTOR) -> tuple[SigningKey, KeySet]:
    key = SigningKey.generate(code)
    keys = KeySet()
    keys.add(key.published(date(2025, 7, 1), date(2027, 6, 30)))
    return key, keys
