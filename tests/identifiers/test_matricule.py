"""LU matricule: published vectors, computed numbers, and every single-digit change caught (and why)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.core.identifiers.checksums import (
    luhn_check_digit,
    luhn_valid,
    verhoeff_check_digit,
    verhoeff_valid,
)
from tierspayant.core.identifiers.matricule import check_matricule, compute_matricule

PUBLISHED = ["1990093012358", "2001120308757", "1979122003208", "1966051507682"]


@pytest.mark.parametrize("number", PUBLISHED)
def test_published_vectors_are_valid(number: str) -> None:
    check = check_matricule(number)
    assert check.valid, check.reasons
    assert check.kind == "LU matricule"
    assert check.details["birth_date"] == f"{number[:4]}-{number[4:6]}-{number[6:8]}"
    assert check.details["serial"] == number[8:11]


@pytest.mark.parametrize(
    ("birth", "serial", "expected"),
    [(date(1980, 1, 1), 123, "1980010112302"), (date(2000, 6, 5), 1, "2000060500132")],
)
def test_computed_vectors(birth: date, serial: int, expected: str) -> None:
    assert compute_matricule(birth, serial) == expected


def test_check_digits_are_over_digits_1_to_11_only() -> None:
    # digit 13 is Verhoeff over digits 1–11: the Verhoeff of 12 digits would differ for this vector.
    number = "1990093012358"
    assert verhoeff_check_digit(number[:11]) == 8
    assert verhoeff_check_digit(number[:12]) != 8
    assert luhn_check_digit(number[:11]) == 5


def test_wrong_luhn_digit_message() -> None:
    check = check_matricule("1990093012308")
    assert not check.valid
    assert check.reasons == ["digit 12 (Luhn over digits 1–11) should be 5, found 0"]


def test_wrong_verhoeff_digit_message() -> None:
    check = check_matricule("1990093012351")
    assert check.reasons == ["digit 13 (Verhoeff over digits 1–11) should be 8, found 1"]


def test_separators_are_ignored() -> None:
    check = check_matricule(" 1990 0930 123 58 ")
    assert check.valid
    assert check.normalized == "1990093012358"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("199009301235", "13 digits, this has 12"),
        ("19900930123580", "13 digits, this has 14"),
        ("19900930123A8", "only digits; found 'A'"),
        ("", "only digits; found nothing"),
        ("1990 0930 123 5٨", "only digits"),  # an Arabic-Indic eight is a digit for str.isdigit, not for us
    ],
)
def test_shape_errors(text: str, fragment: str) -> None:
    check = check_matricule(text)
    assert not check.valid
    assert any(fragment in reason for reason in check.reasons), check.reasons


@pytest.mark.parametrize(
    ("date_part", "fragment"),
    [
        ("19901330", "month 13 does not exist"),
        ("19900000", "month 00 does not exist"),
        ("19900230", "day 30 does not exist in February 1990"),
        ("19000229", "day 29 does not exist in February 1900"),
        ("19900931", "day 31 does not exist in September 1990"),
        ("19900900", "day 00 does not exist in September 1990"),
    ],
)
def test_invalid_dates_are_refused_even_with_right_check_digits(date_part: str, fragment: str) -> None:
    payload = f"{date_part}123"
    number = f"{payload}{luhn_check_digit(payload)}{verhoeff_check_digit(payload)}"
    check = check_matricule(number)
    assert not check.valid
    assert len(check.reasons) == 1
    assert fragment in check.reasons[0]
    assert "birth_date" not in check.details


def test_leading_zero_year_is_refused() -> None:
    payload = "09900930123"
    number = f"{payload}{luhn_check_digit(payload)}{verhoeff_check_digit(payload)}"
    check = check_matricule(number)
    assert check.reasons == ["digit 1 starts the birth year and must be 1–9, found 0"]


def test_leap_day_is_accepted() -> None:
    assert check_matricule(compute_matricule(date(2000, 2, 29), 42)).valid


@pytest.mark.parametrize(("birth", "serial"), [(date(1990, 1, 1), -1), (date(1990, 1, 1), 1000), (date(999, 1, 1), 1)])
def test_compute_refuses_out_of_range(birth: date, serial: int) -> None:
    with pytest.raises(ValueError):
        compute_matricule(birth, serial)


births = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
serials = st.integers(min_value=0, max_value=999)


@settings(max_examples=200)
@given(births, serials, st.integers(min_value=0, max_value=12), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(birth: date, serial: int, position: int, shift: int) -> None:
    number = compute_matricule(birth, serial)
    assert check_matricule(number).valid
    assert luhn_valid(number[:12])
    assert verhoeff_valid(number[:11] + number[12])

    changed_digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]
    check = check_matricule(changed)
    assert not check.valid
    luhn_reason = any(reason.startswith("digit 12 (Luhn") for reason in check.reasons)
    verhoeff_reason = any(reason.startswith("digit 13 (Verhoeff") for reason in check.reasons)
    if position == 11:
        # the Luhn digit itself changed: only the Luhn check fails
        assert luhn_reason
        assert not verhoeff_reason
    elif position == 12:
        assert verhoeff_reason
        assert not luhn_reason
    else:
        # a change in digits 1–11 changes both check digits: Luhn and Verhoeff each catch every single-digit change
        assert luhn_reason
        assert verhoeff_reason


@pytest.mark.parametrize(("valid", "changed"), [("2363", "2364"), ("2363", "3263"), ("15", "14")])
def test_verhoeff_valid_uses_the_published_vector_and_refuses_changes(valid: str, changed: str) -> None:
    # 236 → 3 is the textbook Verhoeff example; "3263" is an adjacent transposition, which Verhoeff catches
    assert verhoeff_valid(valid)
    assert not verhoeff_valid(changed)


@pytest.mark.parametrize(("valid", "changed"), [("79927398713", "79927398710"), ("79927398713", "79927938713")])
def test_luhn_valid_uses_the_published_vector_and_refuses_changes(valid: str, changed: str) -> None:
    assert luhn_valid(valid)
    assert not luhn_valid(changed)


def test_check_digit_validity_needs_two_digits() -> None:
    assert not verhoeff_valid("0")
    assert not luhn_valid("0")
