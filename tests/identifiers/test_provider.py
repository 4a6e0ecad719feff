"""LU provider and prescriber codes: every accepted form and every refusal, with its message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierspayant.core.identifiers.provider import (
    ProviderCodeError,
    check_prescriber_code,
    check_provider_code,
    normalize_provider_code,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12345678", "12345678"),
        ("1234567", "01234567"),
        ("123456", "00123456"),
        ("12345", "00012345"),
        (" 90812100 ", "90812100"),
        ("908121-00", "90812100"),
        ("9081 2100", "90812100"),
        ("00123456", "00123456"),
        (100000, "00100000"),
        (99999999, "99999999"),
        (12345678, "12345678"),
    ],
)
def test_accepted_forms(value: str | int, expected: str) -> None:
    assert normalize_provider_code(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (99999, "as an integer a provider code is 100000–99999999, got 99999"),
        (100000000, "got 100000000"),
        (-5, "got -5"),
        (True, "not the boolean True"),
        ("", "empty"),
        ("   ", "empty"),
        ("1234", "5–8 digits"),
        ("123456789", "has 9"),
        ("1234567A", "found 'A'"),
        ("12 34/56", "found '/'"),
        ("00000", "all zeros"),
        ("１２３４５", "found"),  # full-width digits are not ASCII digits
    ],
)
def test_refusals(value: str | int, fragment: str) -> None:
    with pytest.raises(ProviderCodeError) as raised:
        normalize_provider_code(value)
    assert fragment in str(raised.value)


@given(st.integers(min_value=100_000, max_value=99_999_999))
def test_integer_and_text_forms_agree(number: int) -> None:
    code = normalize_provider_code(number)
    assert len(code) == 8
    assert normalize_provider_code(str(number)) == code
    assert normalize_provider_code(code) == code


def test_check_provider_code_valid_and_normalized() -> None:
    check = check_provider_code("123456")
    assert check.valid
    assert check.kind == "LU provider code"
    assert check.normalized == "00123456"
    assert check.details["normalized_from"] == "123456"


def test_check_provider_code_invalid_reason() -> None:
    check = check_provider_code("12AB")
    assert not check.valid
    assert check.reasons and "only digits" in check.reasons[0]


def test_prescriber_checked_against_the_cns_list() -> None:
    listed = {"10000001", "10000002"}
    assert check_prescriber_code("10000001", known=listed).valid
    check = check_prescriber_code("10000003", known=listed)
    assert check.kind == "LU prescriber code"
    assert check.reasons == ["10000003 is not in the CNS list of prescribers"]
