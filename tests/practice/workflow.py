"""A small practice filled step by step through the facade (shared by the workflow tests)."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl

from tierspayant.schemes.lu_kin.practice.domain import Fund, PathologyCategory
from tierspayant.schemes.lu_kin.practice.patients import PatientRecord
from tierspayant.schemes.lu_kin.practice.prescriptions import PrescribedAct, PrescriptionInput
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.reference.loader import load_sample_reference
from tierspayant.schemes.lu_kin.titre import make_titre_id

from .conftest import PHYSIO_A, PHYSIO_B
from .fund_files import Accord, Refus, retaut_for
from .helpers import Clock, matricule, scan_pdf


def valid_on(on: date) -> pl.Expr:
    return (pl.col("valid_from") <= on) & (pl.col("valid_to") >= on)


# Codes taken from the SAMPLE reference set (it may change: the tests follow it).
REFERENCE = load_sample_reference()
ON = date(2024, 3, 1)
KNOWN_PRESCRIBER = str(REFERENCE["prescribers"].filter(valid_on(ON))["prescriber_code"][0])
PLACE = str(REFERENCE["places"].filter(valid_on(ON))["place_code"][0])
_COMMON_ACTS = REFERENCE["nomenclature"].filter(valid_on(ON) & pl.col("categories").list.contains("COMMON"))
ACT = str(_COMMON_ACTS["act_code"][0])
UNKNOWN_PRESCRIBER = "99999990"
DUPONT = matricule(date(1980, 1, 1), 123)
MARTIN = matricule(date(1975, 6, 15), 42)
KLEIN = matricule(date(1990, 9, 30), 7)
TITRE_DUPONT = make_titre_id(2024, 1)
TITRE_MARTIN = make_titre_id(2024, 2)
SCAN = scan_pdf()


def half_up_cents(amount: Decimal) -> Decimal:
    """An oracle independent of core.money: the exact fraction in cents, half a cent and more rounding up."""
    cents = math.floor(Fraction(amount) * 100 + Fraction(1, 2))
    return Decimal(cents).scaleb(-2)


def expected_price(act: str, on: date, rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Tariff, insured share, fund share computed here from the reference rows (not through the practice code)."""
    row = REFERENCE["nomenclature"].filter(valid_on(on) & (pl.col("act_code") == act)).row(0, named=True)
    key = REFERENCE["letter_keys"].filter(valid_on(on) & (pl.col("letter_key") == row["letter_key"]))["value"][0]
    tariff = half_up_cents(row["coefficient"] * key)
    insured = half_up_cents(tariff * (100 - rate) / 100)
    return tariff, insured, tariff - insured


def add_patients(service: PracticeService) -> None:
    service.add_patient(
        PatientRecord(
            DUPONT, "Dupont", "Jeanne", date(1980, 1, 1), Fund.CNS, True, "3, rue Large", "1917", "Luxembourg"
        )
    )
    service.add_patient(PatientRecord(MARTIN, "Martin", "Paul", date(1975, 6, 15), Fund.CMFEP, True))
    service.add_patient(PatientRecord(KLEIN, "Klein", "Sophie", date(1990, 9, 30), Fund.CNS, False))


def prescription(
    number: str, performer: str, sessions: int = 8, prescriber: str = KNOWN_PRESCRIBER, on: date = date(2024, 2, 26)
) -> PrescriptionInput:
    return PrescriptionInput(
        matricule=number,
        prescriber_code=prescriber,
        prescribed_on=on,
        pathology_category=PathologyCategory.COMMON,
        acts=[PrescribedAct(ACT, sessions)],
        performer_code=performer,
        place_category=PLACE,
        scan=SCAN,
        scan_name="scan.pdf",
    )


def authorised_practice(service: PracticeService, clock: Clock, inbox: Path) -> Path:
    """Three prescriptions sent on 2024-02-27; Dupont and Martin get a titre, Klein's request is refused."""
    add_patients(service)
    clock.set(date(2024, 2, 27))
    service.add_prescription(prescription(DUPONT, PHYSIO_A))
    service.add_prescription(prescription(MARTIN, PHYSIO_B))
    service.add_prescription(prescription(KLEIN, PHYSIO_A, prescriber=UNKNOWN_PRESCRIBER))
    package = service.build_request()
    clock.set(date(2024, 2, 28))
    retaut = retaut_for(
        package,
        {"P1-1": Accord(TITRE_DUPONT), "P2-1": Accord(TITRE_MARTIN, sessions=6), "P3-1": Refus()},
        inbox,
        date(2024, 2, 28),
    )
    service.import_return(retaut)
    return retaut
