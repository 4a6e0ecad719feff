"""The fee note model: identifiers checked, total = sum of acts, amounts are Decimal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.schemes.lu_doctors.formats.fee_note import BillingMode, FeeNote, FeeNoteAct

MATRICULE = compute_matricule(date(1985, 4, 12), 123)


def _act(line: int = 1, amount: str = "42.60") -> FeeNoteAct:
    return FeeNoteAct(
        line=line, act_code="6E11", service_date=date(2025, 3, 3), unit_amount=Decimal(amount), amount=Decimal(amount)
    )


def _note(**changes: object) -> FeeNote:
    data: dict[str, object] = {
        "fee_note_id": "FN-2025-1",
        "doctor_code": "10234567",
        "patient_matricule": MATRICULE,
        "patient_name": "Marie Exemple",
        "issued_on": date(2025, 3, 3),
        "mode": BillingMode.PID,
        "acts": (_act(),),
        "total": Decimal("42.60"),
    }
    data.update(changes)
    return FeeNote.model_validate(data)


def test_valid_note() -> None:
    note = _note()
    assert note.total == Decimal("42.60")
    assert note.billing_code == "10234567"
    assert FeeNote.model_validate_json(note.model_dump_json()) == note


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"total": Decimal("42.61")}, "not the sum"),
        ({"doctor_code": "1023456"}, "8 digits"),
        ({"patient_matricule": MATRICULE[:-1] + str((int(MATRICULE[-1]) + 1) % 10)}, ""),
        ({"fund": "XYZ"}, "CNS"),
        ({"issued_on": date(2025, 3, 2)}, "after the fee note"),
        ({"acts": (_act(1), _act(1)), "total": Decimal("85.20")}, "same line"),
    ],
)
def test_invalid_notes(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _note(**changes)
    assert fragment in str(caught.value)


def test_issued_on_the_service_day_is_fine() -> None:
    assert _note(issued_on=date(2025, 3, 3)).issued_on == date(2025, 3, 3)


def test_line_amount_must_be_quantity_times_unit() -> None:
    with pytest.raises(ValidationError):
        FeeNoteAct(
            line=1, act_code="6E11", service_date=date(2025, 3, 3), quantity=2,
            unit_amount=Decimal("10.00"), amount=Decimal("10.00"),
        )  # fmt: skip
