"""Layout 02 beside 01: the reader validates a file against the XSD of the layout it declares; every file type
round-trips through the writer and the reader in layout 02; the layout calendar (formats/layouts.py)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from tierspayant.schemes.lu_kin.examples import example_model
from tierspayant.schemes.lu_kin.formats.layouts import (
    LayoutPeriod,
    accepted_on,
    calendar_problems,
    layout_problem,
    layout_to_write,
    transition_end,
)
from tierspayant.schemes.lu_kin.formats.models import KinFile
from tierspayant.schemes.lu_kin.formats.reader import read_file, validate_file
from tierspayant.schemes.lu_kin.formats.writer import to_bytes
from tierspayant.schemes.lu_kin.formats.xsd import lxml_schema

TYPES = ["DEMAUT", "RETAUT", "FAC", "RETFAC"]


def in_layout_02(model: KinFile, software: str = "tierspayant 0.1.0") -> KinFile:
    header = model.header.model_validate({**model.header.model_dump(), "layout": "02", "software": software})
    return type(model).model_validate({**dict(model), "header": header})


@pytest.mark.parametrize("file_type", TYPES)
def test_each_file_type_round_trips_in_layout_02(file_type: str) -> None:
    model = in_layout_02(example_model(file_type))
    data = to_bytes(model)
    assert b'xmlns="urn:lu:cns:kin:' + file_type.lower().encode() + b':02" Layout="02"' in data
    assert b"<Logiciel>tierspayant 0.1.0</Logiciel>" in data
    assert validate_file(data, "f.xml") == []
    assert read_file(data, "f.xml") == model
    assert lxml_schema(file_type, "02").validate(etree.fromstring(data))  # the whole file, in one piece


@pytest.mark.parametrize("file_type", TYPES)
def test_a_02_file_without_logiciel_is_refused_by_the_02_xsd(file_type: str) -> None:
    data = re.sub(rb"\s*<Logiciel>[^<]*</Logiciel>", b"", to_bytes(in_layout_02(example_model(file_type))))
    [finding] = validate_file(data, "no-software.xml")
    assert finding.code == "XSD-MISSING" and "<Logiciel> is missing" in finding.message


@pytest.mark.parametrize("file_type", TYPES)
def test_a_01_file_with_logiciel_is_refused_by_the_01_xsd(file_type: str) -> None:
    data = to_bytes(example_model(file_type)).replace(b"</DateEnvoi>", b"</DateEnvoi><Logiciel>X 1</Logiciel>", 1)
    [finding] = validate_file(data, "extra.xml")
    assert finding.code == "XSD-UNEXPECTED" and "<Logiciel> is not allowed here" in finding.message


def test_a_01_file_reads_as_layout_01_without_software() -> None:
    header = read_file(to_bytes(example_model("FAC")), "f.xml").header
    assert (header.layout, header.software) == ("01", None)


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f\x85\xa0"),
        min_size=1,
        max_size=100,
    ).filter(lambda s: s == s.strip() and not re.search(r"[\x7f-\x9f]", s))
)
def test_any_software_name_round_trips(software: str) -> None:
    model = in_layout_02(example_model("DEMAUT"), software)
    data = to_bytes(model)
    assert validate_file(data, "s.xml") == []
    assert read_file(data, "s.xml").header.software == software


# --- the calendar ---

CALENDAR = [LayoutPeriod("01", date(2017, 1, 1), date(2027, 3, 31)), LayoutPeriod("02", date(2027, 1, 1))]


def test_the_transition_accepts_both_and_writes_the_new_one() -> None:
    assert accepted_on(CALENDAR, date(2026, 12, 31)) == ["01"]
    assert accepted_on(CALENDAR, date(2027, 1, 1)) == ["01", "02"]
    assert accepted_on(CALENDAR, date(2027, 3, 31)) == ["01", "02"]
    assert accepted_on(CALENDAR, date(2027, 4, 1)) == ["02"]
    assert layout_to_write(CALENDAR, date(2026, 12, 31)) == "01"
    assert layout_to_write(CALENDAR, date(2027, 1, 1)) == "02"


def test_layout_problems_name_the_layout_and_the_dates() -> None:
    assert layout_problem(CALENDAR, "01", date(2027, 3, 31)) is None
    assert "transition ended on 31/03/2027" in (layout_problem(CALENDAR, "01", date(2027, 4, 1)) or "")
    assert "in force from 01/01/2027" in (layout_problem(CALENDAR, "02", date(2026, 12, 31)) or "")
    assert layout_problem(CALENDAR, "02", date(2027, 1, 1)) is None


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2027, 1, 1), date(2027, 3, 31)),
        (date(2027, 11, 15), date(2028, 2, 14)),
        (date(2027, 11, 30), date(2028, 2, 28)),  # no 30 February: 29 February 2028, less a day
        (date(2027, 12, 31), date(2028, 3, 30)),
    ],
)
def test_three_months_to_conform(start: date, end: date) -> None:
    assert transition_end(start) == end
    assert calendar_problems([LayoutPeriod("01", date(2017, 1, 1), end), LayoutPeriod("02", start)]) == []
    [(_, message)] = calendar_problems(
        [LayoutPeriod("01", date(2017, 1, 1), date.fromordinal(end.toordinal() - 1)), LayoutPeriod("02", start)]
    )
    assert f"the earliest end is {end}" in message
