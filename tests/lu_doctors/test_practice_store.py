"""The doctor's store on SQLite and PostgreSQL: set-up, fee notes priced from the nomenclature, no duplicates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.schemes.lu_doctors import ActRequest, BillingMode, DoctorsPractice

MATRICULE = compute_matricule(date(1990, 1, 2), 45)


@pytest.fixture
def practice(database_url: str) -> DoctorsPractice:
    service = DoctorsPractice(database_url)
    service.init()
    service.init()  # idempotent
    service.add_doctor("10234567", "Dr Anne Gyné", "GYN")
    service.add_patient(MATRICULE, "Marie Exemple")
    return service


def test_fee_note_round_trip(practice: DoctorsPractice) -> None:
    note = practice.new_fee_note(
        "FN-1", "10234567", MATRICULE, date(2025, 3, 3),
        [ActRequest("C3", date(2025, 3, 3)), ActRequest("6E11", date(2025, 3, 3))], BillingMode.PID,
    )  # fmt: skip
    assert note.total == Decimal("66.20") + Decimal("42.60")
    practice.save_fee_note(note)
    assert practice.fee_note("FN-1") == note
    with pytest.raises(FindingsError) as caught:
        practice.save_fee_note(note)
    assert caught.value.findings[0].code == "DOC-DUPLICATE"
    assert [n.fee_note_id for n in practice.fee_notes("10234567")] == ["FN-1"]


def test_act_unknown_on_the_date(practice: DoctorsPractice) -> None:
    with pytest.raises(FindingsError) as caught:
        practice.new_fee_note(
            "FN-2", "10234567", MATRICULE, date(2024, 12, 31), [ActRequest("DF11", date(2024, 12, 31))]
        )
    assert caught.value.findings[0].code == "DOC-ACT-UNKNOWN"


def test_association_members(practice: DoctorsPractice) -> None:
    practice.add_doctor("10345678", "Dr Paul Écho", "GYN")
    practice.add_association(
        "20000001", "Cabinet Gyné Sud", [("10234567", date(2025, 1, 1)), ("10345678", date(2025, 2, 1))]
    )
    assert practice.association_members("20000001", date(2025, 1, 31)) == ["10234567"]
    assert practice.association_members("20000001", date(2025, 2, 1)) == ["10234567", "10345678"]
