"""The SAMPLE reference set loads, says it is SAMPLE, and a bad official drop is refused with every problem named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_doctors.reference import load_reference_dir, load_sample_reference
from tierspayant.schemes.lu_doctors.reference.loader import sample_files


def test_sample_set_is_marked_sample_and_complete() -> None:
    reference = load_sample_reference()
    assert reference.sample is True
    assert sorted(reference.fund_codes(date(2025, 6, 1))) == ["CMFEC", "CMFEP", "CNS", "EMCFL"]
    assert reference.tariff("DF11", date(2025, 1, 1)) == Decimal("24.00")
    assert reference.int_parameter("max_probes", date(2025, 1, 1)) == 5
    assert reference.date_parameter("second_hand_from", date(2025, 1, 1)) == date(2025, 1, 2)


def test_tariff_validity_first_day() -> None:
    reference = load_sample_reference()
    assert reference.act("DF11", date(2024, 12, 31)) is None  # flat rates start on 2025-01-01
    assert reference.act("DF11", date(2025, 1, 1)) is not None
    assert reference.act("DF71", date(2025, 12, 31)) is None  # ophthalmology from 2026-01-01
    assert reference.act("DF71", date(2026, 1, 1)) is not None


def test_official_drop_replaces_the_sample(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name, text in sample_files().items():
        lines = text.splitlines()
        (tmp_path / name).write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")  # no SAMPLE line
    reference = load_reference_dir(tmp_path)
    assert reference.sample is False


def test_bad_drop_names_file_line_and_column(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name, text in sample_files().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    text = (tmp_path / "device_classes.csv").read_text(encoding="utf-8")
    text = text.replace("ECHO,1,0.00,30000.00,1200", "ECHO,1,0.00,30000.00,many")
    text += "ECHO,1,0.00,30000.00,5,5,DF11,DF12,2025-06-01,,dup\n"
    (tmp_path / "device_classes.csv").write_text(text, encoding="utf-8")
    (tmp_path / "anomalies.csv").unlink()
    with pytest.raises(FindingsError) as caught:
        load_reference_dir(tmp_path)
    codes = {(f.code, f.file, f.location) for f in caught.value.findings}
    assert ("REF-MISSING", "anomalies.csv", None) in codes
    assert ("REF-VALUE", "device_classes.csv", "annual_threshold") in codes
    assert ("REF-OVERLAP", "device_classes.csv", "valid_from") in codes
    value = next(f for f in caught.value.findings if f.code == "REF-VALUE")
    assert value.line == 3  # line 1 the SAMPLE comment, line 2 the header, line 3 the first row


def test_link_to_an_unknown_flat_rate_code_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name, text in sample_files().items():
        (tmp_path / name).write_text(text.replace(",DF11,DF12,", ",DF11,C1,"), encoding="utf-8")
    with pytest.raises(FindingsError) as caught:
        load_reference_dir(tmp_path)
    assert [f.code for f in caught.value.findings] == ["REF-LINK"]
