import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.schemes.lu_kin.titre import MAX_SERIAL, check_titre_id, is_valid_titre_id, make_titre_id

years = st.integers(min_value=2017, max_value=2099)
serials = st.integers(min_value=1, max_value=MAX_SERIAL)


def test_known_identifier() -> None:
    assert make_titre_id(2024, 42) == "T2024000000427"
    assert is_valid_titre_id("T2024000000427")


@settings(max_examples=50)
@given(years, serials)
def test_generated_identifiers_validate(year: int, serial: int) -> None:
    titre = make_titre_id(year, serial)
    assert len(titre) == 14 and titre.startswith(f"T{year}")
    assert check_titre_id(titre).valid


@settings(max_examples=50)
@given(years, serials, st.integers(min_value=1, max_value=13), st.integers(min_value=1, max_value=9))
def test_every_single_digit_change_is_caught(year: int, serial: int, position: int, shift: int) -> None:
    titre = make_titre_id(year, serial)
    changed = str((int(titre[position]) + shift) % 10)
    mistyped = titre[:position] + changed + titre[position + 1 :]
    check = check_titre_id(mistyped)
    assert not check.valid
    assert check.reason is not None and "check character" in check.reason


@settings(max_examples=50)
@given(years, serials, st.integers(min_value=1, max_value=12))
def test_every_adjacent_transposition_is_caught(year: int, serial: int, position: int) -> None:
    titre = make_titre_id(year, serial)
    if titre[position] == titre[position + 1]:
        return
    swapped = titre[:position] + titre[position + 1] + titre[position] + titre[position + 2 :]
    assert not is_valid_titre_id(swapped)


@pytest.mark.parametrize("value", ["", "T202400000042", "X2024000000427", "T2024000000427X", "t2024000000427"])
def test_malformed_identifiers_are_refused_with_a_reason(value: str) -> None:
    check = check_titre_id(value)
    assert not check.valid and check.reason and "14 characters" in check.reason


@pytest.mark.parametrize(("year", "serial"), [(999, 1), (2024, 0), (2024, MAX_SERIAL + 1)])
def test_out_of_range_parts_are_refused(year: int, serial: int) -> None:
    with pytest.raises(ValueError):
        make_titre_id(year, serial)
