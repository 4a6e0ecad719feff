"""BE national number (NISS) and BIS numbers: both centuries, BIS offsets, sex, dates, property tests."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.core.identifiers.niss import check_niss, compute_niss


def test_known_number_before_2000() -> None:
    # 85073003328: 97 − (850730033 mod 97) = 28
    check = check_niss("85.07.30-033.28")
    assert check.valid, check.reasons
    assert check.normalized == "85073003328"
    assert check.details["birth_date"] == "1985-07-30"
    assert check.details["sex"] == "male (odd serial)"
    assert check.details["bis"] == "no"
    assert check.details["century"].startswith("1900s")


def test_born_from_2000_uses_the_2_000_000_000_offset() -> None:
    number = compute_niss(date(2005, 2, 28), 2)
    assert number == "05022800282"
    assert int(number[9:]) == 97 - (2_000_000_000 + int(number[:9])) % 97
    check = check_niss(number)
    assert check.valid
    assert check.details["birth_date"] == "2005-02-28"
    assert check.details["sex"] == "female (even serial)"
    assert check.details["century"].startswith("2000s")


def test_same_digits_different_century_differ_in_check() -> None:
    assert compute_niss(date(1905, 2, 28), 2)[:9] == compute_niss(date(2005, 2, 28), 2)[:9]
    assert compute_niss(date(1905, 2, 28), 2)[9:] != compute_niss(date(2005, 2, 28), 2)[9:]


def test_bis_20_sex_unknown() -> None:
    number = compute_niss(date(1970, 1, 1), 1, bis=20)
    assert number[2:4] == "21"
    check = check_niss(number)
    assert check.valid
    assert check.details["sex"].startswith("unknown")
    assert "month + 20" in check.details["bis"]
    assert check.details["birth_date"] == "1970-01-01"


def test_bis_40_sex_known() -> None:
    number = compute_niss(date(2012, 12, 31), 996, bis=40)
    assert number[2:4] == "52"
    check = check_niss(number)
    assert check.valid
    assert check.details["sex"] == "female (even serial)"
    assert "month + 40" in check.details["bis"]


def test_wrong_check_digits_message_gives_both_variants() -> None:
    # 850730033 mod 97 = 69 → 28; (2 000 000 000 mod 97 = 68; 68 + 69 = 137 ≡ 40) → 57
    check = check_niss("85073003327")
    assert not check.valid
    assert check.reasons == [
        "digits 10–11 (97 − first 9 digits mod 97) should be 28 for a birth before 2000 "
        "or 57 for a birth from 2000 (2 000 000 000 + first 9 digits), found 27"
    ]


def test_invalid_date_with_matching_check_digits() -> None:
    # 30 February 1985 with the right check digits for the 1900s
    payload = "850230033"
    number = f"{payload}{97 - int(payload) % 97:02d}"
    check = check_niss(number)
    assert not check.valid
    assert check.reasons == [
        "digits 1–6 must be the birth date YYMMDD (850230): day 30 does not exist in February 1985"
    ]


def test_leap_day_decides_by_century() -> None:
    # 29 February 1900 does not exist, 29 February 2000 does
    assert check_niss(compute_niss(date(2000, 2, 29), 5)).valid
    payload = "000229005"
    number_1900 = f"{payload}{97 - int(payload) % 97:02d}"
    check = check_niss(number_1900)
    assert any("February 1900" in reason for reason in check.reasons)


@pytest.mark.parametrize(
    ("month_field", "fragment"),
    [("13", "found 13"), ("33", "found 33"), ("53", "found 53"), ("99", "found 99")],
)
def test_impossible_month(month_field: str, fragment: str) -> None:
    payload = f"85{month_field}01033"
    number = f"{payload}{97 - int(payload) % 97:02d}"
    check = check_niss(number)
    assert not check.valid
    assert any("digits 3–4 are the birth month" in r and fragment in r for r in check.reasons)


def test_unknown_birth_date_parts_are_allowed() -> None:
    payload = "850000033"
    number = f"{payload}{97 - int(payload) % 97:02d}"
    check = check_niss(number)
    assert check.valid, check.reasons
    assert check.details["birth_date"] == "1985-??-?? (partly unknown)"


@pytest.mark.parametrize("serial", ["000", "998", "999"])
def test_serial_out_of_range(serial: str) -> None:
    payload = f"850730{serial}"
    number = f"{payload}{97 - int(payload) % 97:02d}"
    check = check_niss(number)
    assert check.reasons == [f"digits 7–9 are the serial, 001–997, found {serial}"]


@pytest.mark.parametrize(("text", "fragment"), [("8507300332", "11 digits, this has 10"), ("85O73003328", "'O'")])
def test_shape_errors(text: str, fragment: str) -> None:
    check = check_niss(text)
    assert not check.valid
    assert fragment in check.reasons[0]


@pytest.mark.parametrize(
    ("birth", "serial", "bis"),
    [
        (date(1899, 12, 31), 1, None),
        (date(2100, 1, 1), 1, None),
        (date(1990, 1, 1), 0, None),
        (date(1990, 1, 1), 998, None),
    ],
)
def test_compute_refuses_out_of_range(birth: date, serial: int, bis: None) -> None:
    with pytest.raises(ValueError):
        compute_niss(birth, serial, bis)


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
serials = st.integers(min_value=1, max_value=997)
bis_offsets = st.sampled_from([None, 20, 40])


@settings(max_examples=200)
@given(births, serials, bis_offsets)
def test_computed_numbers_validate_and_read_back(birth: date, serial: int, bis: None) -> None:
    number = compute_niss(birth, serial, bis)
    check = check_niss(number)
    assert check.valid, check.reasons
    assert check.details["birth_date"] == birth.isoformat()
    assert check.details["century"].startswith("2000s" if birth.year >= 2000 else "1900s")
    if bis == 20:
        assert check.details["sex"].startswith("unknown")
    else:
        assert check.details["sex"] == ("male (odd serial)" if serial % 2 else "female (even serial)")


@settings(max_examples=200)
@given(births, serials, bis_offsets, st.integers(min_value=0, max_value=10), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(birth: date, serial: int, bis: None, position: int, shift: int) -> None:
    number = compute_niss(birth, serial, bis)
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    check = check_niss(changed)
    # mod 97 catches every single-digit change: a change of k·10^i (|k| ≤ 9) is never a multiple of 97,
    # in either century variant, unless the change itself moves the number to the other century's variant.
    assert not check.valid or check.details["century"] != ("2000s" if birth.year >= 2000 else "1900s")
    if not check.valid:
        assert check.reasons
