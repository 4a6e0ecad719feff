"""The error-code catalogue: official and project codes, their type, and their 7-character form in a reply."""

from __future__ import annotations

import pytest

from tierspayant.schemes.be_nursing.formats import error_codes


def test_official_codes_are_found_bare_or_with_their_letter() -> None:
    entry = error_codes.lookup("R500545")
    assert entry is not None and entry.code == "500545" and entry.type == "R" and entry.official
    assert error_codes.lookup("500545") == entry
    assert error_codes.lookup("X999999") is None


@pytest.mark.parametrize(
    ("code", "letter", "blocking"),
    [("509902", "B", True), ("200742", "F", False), ("500545", "R", False), ("E960010", "B", True)],
)
def test_type_and_blocking(code: str, letter: str, blocking: bool) -> None:
    assert error_codes.type_of(code) == letter
    assert error_codes.is_blocking(code) is blocking


def test_a_code_the_lists_lack_is_blocking() -> None:
    assert error_codes.type_of("999999") == "B" and error_codes.is_blocking("999999")


@pytest.mark.parametrize(
    ("code", "text", "read_back"),
    [
        ("500545", "R500545", ("R", "500545")),
        ("200742", "F200742", ("F", "200742")),
        ("5004K6", "R5004K6", ("R", "5004K6")),  # named by the seed, absent from the list: a line rejection
        ("E301040", "E301040", ("", "E301040")),  # a project code, written as it is
    ],
)
def test_rejection_text_and_back(code: str, text: str, read_back: tuple[str, str]) -> None:
    assert error_codes.rejection_text(code) == text
    assert error_codes.split_rejection(text) == read_back


def test_empty_rejection_zones_say_nothing() -> None:
    assert error_codes.split_rejection("       ") is None and error_codes.split_rejection("0000000") is None


def test_labels_in_both_languages() -> None:
    assert error_codes.label("500545", "fr") != error_codes.label("500545", "nl")
    assert error_codes.label("999999").startswith("unknown error code")
