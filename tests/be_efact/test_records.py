"""Record reader/writer: write → read gives the values back, for every record type; bad values are refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.schemes.be_nursing.formats.checks import record_check_ok
from tierspayant.schemes.be_nursing.formats.records import ZoneError, format_record, parse_record, parse_value
from tierspayant.schemes.be_nursing.formats.zones import RECORDS, RecordLayout

from .strategies import record_values


@pytest.mark.parametrize("record_type", sorted(RECORDS))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_round_trip_every_record_type(record_type: str, data: st.DataObject) -> None:
    layout: RecordLayout = RECORDS[record_type]
    values: dict[str, Any] = data.draw(record_values(layout))
    text = format_record(layout, values)
    assert len(text) == layout.length
    back = parse_record(layout, text)
    for name, value in values.items():
        assert back[name] == value, name
    if layout.has_check_digits:
        assert record_check_ok(text)
        assert back["record_type"] == int(record_type)


def test_missing_zones_are_neutral() -> None:
    text = format_record(RECORDS["50"], {})
    assert text.startswith("50000000")
    values = parse_record(RECORDS["50"], text)
    assert values["insurance_amount"] == 0 and values["first_service_date"] is None
    assert text[87] == "+"  # position 88: the sign of the insurance amount


def test_accents_are_folded() -> None:
    text = format_record(RECORDS["50"], {"institution_reference": "Hélène Müller"})
    assert parse_record(RECORDS["50"], text)["institution_reference"] == "Helene Muller"


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("nomenclature_code", 12345678, "does not fit"),
        ("nomenclature_code", -1, "negative"),
        ("insurance_amount", 10**11, "does not fit"),
        ("institution_reference", "x" * 26, "longer than 25"),
        ("institution_reference", "a\nb", "does not allow"),
        ("units", "abc", "not numeric"),
        ("first_service_date", 3.5, "integer expected"),
    ],
)
def test_bad_values_are_refused(name: str, value: Any, problem: str) -> None:
    with pytest.raises(ZoneError, match=problem) as info:
        format_record(RECORDS["50"], {name: value})
    assert "record 50 zone" in str(info.value)


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(KeyError):
        format_record(RECORDS["50"], {"no_such_zone": 1})


@pytest.mark.parametrize(
    ("name", "text"),
    [("nomenclature_code", "42A4336"), ("insurance_amount", "*00000001234"), ("insurance_amount", "+0000000A234"),
     ("first_service_date", "20241301")],
)
def test_bad_text_is_refused(name: str, text: str) -> None:
    zone = RECORDS["50"].zone(name)
    with pytest.raises(ZoneError):
        parse_value("50", zone, text)


def test_dates() -> None:
    zone = RECORDS["50"].zone("first_service_date")
    assert parse_value("50", zone, "20240229") == date(2024, 2, 29)
    assert parse_value("50", zone, "00000000") is None
