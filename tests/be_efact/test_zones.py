"""The zone tables: contiguous, the right lengths, and the positions the fact sheet states."""

from __future__ import annotations

import pytest

from tierspayant.schemes.be_nursing.formats.zones import RECORDS, REPLY_ERROR_OFFSET, REPLY_ERROR_PART

EXPECTED_KEYS = {"200", "300", "10", "20", "50", "51", "52", "80", "90", "95", "96", "91", "92"}


def test_every_record_type_has_a_table() -> None:
    assert set(RECORDS) == EXPECTED_KEYS


@pytest.mark.parametrize("record_type", sorted(EXPECTED_KEYS))
def test_zones_are_contiguous_and_cover_the_record(record_type: str) -> None:
    layout = RECORDS[record_type]
    position = 1
    for zone in layout.zones:
        assert zone.start == position, zone
        assert zone.kind in {"N", "A", "S"}
        position = zone.end + 1
    assert position - 1 == layout.length
    assert layout.length == {"200": 67, "300": 160, "91": 800, "92": 800}.get(record_type, 350)


# (record, zone name, start, end) — positions stated by the fact sheet (docs/be-efact.md, "Sources").
FACT_SHEET_POSITIONS = [
    ("200", "message_name", 1, 6),
    ("200", "message_version", 9, 10),
    ("200", "message_type", 13, 14),
    ("200", "provider_reference", 21, 34),
    ("200", "mutuality_reference", 37, 50),
    ("300", "invoiced_period", 1, 6),
    ("300", "sending_number", 9, 11),
    ("300", "creation_date", 14, 21),
    ("300", "invoice_reference", 24, 36),
    ("300", "instructions_version", 39, 45),
    ("300", "invoice_type", 133, 134),
    ("300", "invoicing_mode", 137, 138),
    ("300", "error_percentage", 141, 145),
    ("300", "refusal_type", 148, 149),
    ("10", "sequence", 3, 8),
    ("10", "sending_number", 33, 35),
    ("10", "third_party_number", 56, 67),
    ("10", "invoiced_year", 108, 112),
    ("10", "invoiced_month", 113, 114),
    ("10", "creation_date", 120, 127),
    ("10", "iban_account_a", 179, 212),
    ("20", "affiliation_mutuality", 33, 35),
    ("20", "niss", 36, 48),
    ("20", "sex", 49, 49),
    ("20", "invoicing_type", 51, 51),
    ("20", "destination_mutuality", 85, 87),
    ("20", "invoice_number", 115, 126),
    ("20", "ct1_ct2", 128, 137),
    ("20", "payment_commitment_part_a", 213, 213),
    ("20", "insurability_start_date", 305, 312),
    ("20", "maf_two_years_ago", 337, 340),
    ("50", "nomenclature_code", 10, 16),
    ("50", "first_service_date", 17, 24),
    ("50", "last_service_date", 25, 32),
    ("50", "niss", 36, 48),
    ("50", "night_weekend_code", 52, 52),
    ("50", "care_provider", 68, 79),
    ("50", "insurance_amount", 88, 99),
    ("50", "prescription_date", 100, 107),
    ("50", "units", 108, 112),
    ("50", "same_day_repetition", 113, 114),
    ("50", "prescriber", 115, 126),
    ("50", "patient_share", 128, 137),
    ("50", "check_digits", 349, 350),
    ("51", "payment_commitment_number", 213, 260),
    ("51", "communication_date", 321, 328),
    ("80", "destination_mutuality", 85, 87),
    ("80", "amount_account_a", 88, 99),
    ("80", "invoice_number", 115, 126),
    ("80", "invoice_check_number", 347, 348),
]


@pytest.mark.parametrize(("record_type", "name", "start", "end"), FACT_SHEET_POSITIONS)
def test_fact_sheet_positions(record_type: str, name: str, start: int, end: int) -> None:
    zone = RECORDS[record_type].zone(name)
    assert (zone.start, zone.end) == (start, end)


def test_zones_42_to_45_of_record_20_span_213_260() -> None:
    layout = RECORDS["20"]
    parts = [z for z in layout.zones if z.name.startswith("payment_commitment")]
    assert parts[0].start == 213 and parts[-1].end == 260


def test_reply_error_part_positions() -> None:
    def absolute(name: str) -> tuple[int, int]:
        zone = REPLY_ERROR_PART.zone(name)
        return zone.start + REPLY_ERROR_OFFSET, zone.end + REPLY_ERROR_OFFSET

    assert absolute("rejection_1")[0] == 457
    assert absolute("rejection_3")[1] == 477
    assert absolute("comment") == (534, 733)
    assert REPLY_ERROR_PART.length + REPLY_ERROR_OFFSET == 800


def test_zone_location_text() -> None:
    assert RECORDS["50"].zone("first_service_date").where("50") == "record 50 zone 5 (positions 17–24)"


def test_names_are_snake_case_and_unique() -> None:
    for layout in RECORDS.values():
        names = [z.name for z in layout.zones]
        assert len(names) == len(set(names))
        assert all(n.replace("_", "").isalnum() and n == n.lower() for n in names)
