"""Practice set-up and patients: what is accepted, and each refusal with its finding."""

from __future__ import annotations

from datetime import date

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.practice.domain import Fund, InvoicingForm
from tierspayant.schemes.lu_kin.practice.patients import PatientRecord
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.setup import PracticeInfo

from .conftest import GROUP_FACTURIER, PHYSIO_A, PHYSIO_C
from .helpers import matricule


def codes(error: pytest.ExceptionInfo[FindingsError]) -> list[str]:
    return [f.code for f in error.value.findings]


def test_practice_round_trip(group_practice: PracticeService) -> None:
    info = group_practice.practice()
    assert info.invoicing_form is InvoicingForm.GROUP
    assert info.facturier_code == GROUP_FACTURIER
    assert info.address_lines == ["12, rue de Strasbourg", "L-2560 Luxembourg"]


def test_nothing_works_before_setup(service: PracticeService) -> None:
    with pytest.raises(FindingsError) as error:
        service.practice()
    assert codes(error) == ["PRA-NO-PRACTICE"]


@pytest.mark.parametrize(
    ("form", "facturier"),
    [(InvoicingForm.SEPARATE, "11110001"), (InvoicingForm.ASSOCIATION, None), (InvoicingForm.GROUP, "12AB")],
)
def test_setup_refusals(service: PracticeService, form: InvoicingForm, facturier: str | None) -> None:
    with pytest.raises(FindingsError) as error:
        service.setup_practice(PracticeInfo("P", "1, rue", "1234", "Luxembourg", form, facturier))
    assert codes(error)[0] in {"PRA-SETUP", "PRA-PROVIDER-CODE"}


def test_provider_code_integer_form_is_padded(group_practice: PracticeService) -> None:
    assert group_practice.add_physiotherapist("123456", "Short Code") == "00123456"


def test_membership_rules(group_practice: PracticeService) -> None:
    with pytest.raises(FindingsError) as error:
        group_practice.add_member(PHYSIO_A, date(2024, 1, 1))  # already a member since 2020, still open
    assert codes(error) == ["PRA-MEMBERSHIP"]
    with pytest.raises(FindingsError) as error:
        group_practice.add_member("99990009", date(2024, 1, 1))  # unknown physiotherapist
    assert codes(error) == ["PRA-MEMBERSHIP"]
    with pytest.raises(FindingsError):
        group_practice.add_member(PHYSIO_C, date(2024, 5, 1), left_on=date(2024, 4, 1))
    group_practice.end_membership(PHYSIO_A, date(2023, 12, 31))
    group_practice.add_member(PHYSIO_A, date(2024, 2, 1))  # back after a gap: allowed


def test_patient_with_valid_matricule(group_practice: PracticeService) -> None:
    number = matricule(date(1980, 1, 1), 123)
    record = group_practice.add_patient(
        PatientRecord(f"{number[:4]} {number[4:8]} {number[8:]}", "Dupont", "Jeanne", date(1980, 1, 1), Fund.CNS)
    )
    assert record.matricule == number == "1980010112302"
    assert [p.matricule for p in group_practice.patients()] == [number]


@pytest.mark.parametrize(
    ("value", "birth", "reason"),
    [
        ("1980010112303", date(1980, 1, 1), "Verhoeff"),
        ("1980010112392", date(1980, 1, 1), "Luhn"),
        ("198001011230", date(1980, 1, 1), "13 digits"),
        ("1980010112302", date(1980, 1, 2), "birth date"),
        ("19801301123xx", date(1980, 1, 1), "only digits"),
    ],
)
def test_patient_refused_with_reason(group_practice: PracticeService, value: str, birth: date, reason: str) -> None:
    with pytest.raises(FindingsError) as error:
        group_practice.add_patient(PatientRecord(value, "Dupont", "Jeanne", birth, Fund.CNS))
    assert codes(error) == ["PRA-MATRICULE"]
    assert reason in error.value.findings[0].message
    assert group_practice.patients() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("last_name", "D" * 101), ("first_name", "J" * 101), ("city", "C" * 101), ("postal_code", "1" * 21)],
)
def test_patient_text_longer_than_stored_is_refused(group_practice: PracticeService, field: str, value: str) -> None:
    # PostgreSQL would refuse it with a database error, SQLite would keep it: both say the same clear thing instead
    number = matricule(date(1980, 1, 1), 123)
    record = PatientRecord(number, "Dupont", "Jeanne", date(1980, 1, 1), Fund.CNS)
    with pytest.raises(FindingsError) as error:
        group_practice.add_patient(type(record)(**{**record.__dict__, field: value}))
    assert codes(error) == ["PRA-TEXT"]
    assert "at most" in error.value.findings[0].message
    assert group_practice.patients() == []
    assert group_practice.add_patient(type(record)(**{**record.__dict__, field: value[:-1]})).matricule == number


def test_names_of_the_practice_and_its_physiotherapists_are_checked(group_practice: PracticeService) -> None:
    with pytest.raises(FindingsError) as error:
        group_practice.add_physiotherapist(PHYSIO_C, "N" * 201)
    assert codes(error) == ["PRA-TEXT"]
    info = group_practice.practice()
    with pytest.raises(FindingsError) as error:
        group_practice.setup_practice(type(info)(**{**info.__dict__, "name": "   "}))
    assert codes(error) == ["PRA-TEXT"]
    assert group_practice.practice() == info
