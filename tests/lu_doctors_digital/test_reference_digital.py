"""Reference data of digital fee notes: the rate by age (18th birthday), the compensation by date, bad rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference, age_on

REFERENCE = DigitalReference.sample()
BORN = compute_matricule(date(2008, 3, 2), 17)


def test_eighteenth_birthday_switches_to_88_percent() -> None:
    assert age_on(BORN, date(2026, 3, 1)) == 17
    assert REFERENCE.shares(Decimal("58.50"), BORN, date(2026, 3, 1)).fund == Decimal("58.50")
    assert age_on(BORN, date(2026, 3, 2)) == 18
    shares = REFERENCE.shares(Decimal("58.50"), BORN, date(2026, 3, 2))
    assert (shares.fund, shares.patient) == (Decimal("51.48"), Decimal("7.02"))  # 58.50 × 0.88 = 51.48


def test_half_cent_rounds_up() -> None:
    # 0.05 × 0.88 = 0.044 → 0.04; 0.25 × 0.88 = 0.22; 1.01 × 0.88 = 0.8888 → 0.89
    adult = compute_matricule(date(1970, 1, 1), 1)
    assert REFERENCE.shares(Decimal("1.01"), adult, date(2026, 1, 1)).fund == Decimal("0.89")
    assert REFERENCE.shares(Decimal("0.05"), adult, date(2026, 1, 1)).fund == Decimal("0.04")


def test_rate_before_the_first_validity_day() -> None:
    with pytest.raises(KeyError):
        REFERENCE.fund_percent(30, date(2025, 6, 30))
    assert REFERENCE.fund_percent(30, date(2025, 7, 1)) == Decimal(88)


def test_compensation_by_period() -> None:
    assert REFERENCE.compensation(date(2025, 12, 31)) == Decimal("0.50")
    assert REFERENCE.compensation(date(2026, 1, 1)) == Decimal("0.40")
    with pytest.raises(KeyError):
        REFERENCE.compensation(date(2025, 6, 30))


def test_overlapping_periods_refused() -> None:
    rates = "age_from,age_to,fund_percent,valid_from,valid_to,source\n0,17,100,2025-01-01,,S\n10,20,88,2025-01-01,,S\n"
    compensation = "amount,valid_from,valid_to,source\n0.40,2025-01-01,,S\n"
    with pytest.raises(FindingsError) as caught:
        DigitalReference.from_texts(rates, compensation)
    assert caught.value.findings[0].code == "DOCREF-OVERLAP"
    near_miss = rates.replace("10,20", "18,20")
    assert DigitalReference.from_texts(near_miss, compensation).fund_percent(18, date(2025, 1, 1)) == Decimal(88)


def test_row_without_source_refused() -> None:
    with pytest.raises(FindingsError) as caught:
        DigitalReference.from_texts(
            "age_from,age_to,fund_percent,valid_from,valid_to,source\n",
            "amount,valid_from,valid_to,source\n0.4,2025-01-01,,\n",
        )
    assert caught.value.findings[0].code == "DOCREF-ROW" and caught.value.findings[0].line == 2
