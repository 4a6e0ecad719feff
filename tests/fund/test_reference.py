from datetime import date
from pathlib import Path

import pytest
import yaml

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.reference import (
    SPECS,
    load_reference_dir,
    load_reference_files,
    load_sample_reference,
    sample_files,
)


def _with(name: str, text: str) -> dict[str, str]:
    files = sample_files()
    files[name] = text
    return files


def _findings(files: dict[str, str]) -> list[tuple[str | None, int | None, str | None, str]]:
    with pytest.raises(FindingsError) as caught:
        load_reference_files(files, source="test")
    return [(f.file, f.line, f.location, f.code) for f in caught.value.findings]


def test_sample_set_loads_and_says_it_is_a_sample() -> None:
    reference = load_sample_reference()
    assert reference.sample
    assert set(reference.tables) == set(SPECS)
    assert reference.int_parameter("request_delay_days", date(2024, 1, 1)) == 31
    assert reference.parameter("electronic_prescriptions_from", date(2024, 1, 1)) == date(2017, 1, 1)
    nomenclature = reference["nomenclature"]
    zk11 = nomenclature.filter(nomenclature["act_code"] == "ZK11").row(0, named=True)
    assert zk11["coefficient_e4"] == 100000 and zk11["valid_to"] == date(9999, 12, 31)
    assert all(text.startswith("# SAMPLE") for text in sample_files().values())


def test_same_files_same_version_and_a_change_changes_it() -> None:
    files = sample_files()
    assert load_reference_files(files, "a").version == load_reference_files(dict(files), "b").version
    changed = _with("places.csv", files["places.csv"] + "X,Extra place,2017-01-01,\n")
    assert load_reference_files(changed, "c").version != load_reference_files(files, "a").version


def test_bad_cell_names_file_row_and_column() -> None:
    text = sample_files()["letter_keys.csv"].replace("2.98700,2024-01-01", "2.98700,2024-13-01")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if "2024-13-01" in row)
    assert ("letter_keys.csv", line, "valid_from", "REF-VALUE") in _findings(_with("letter_keys.csv", text))


def test_too_many_decimals_refused() -> None:
    text = sample_files()["nomenclature.csv"].replace(",K,12.7553,", ",K,12.75531,")
    found = _findings(_with("nomenclature.csv", text))
    assert any(f[0] == "nomenclature.csv" and f[2] == "coefficient" and f[3] == "REF-VALUE" for f in found)


def test_missing_column_and_missing_file() -> None:
    files = _with("places.csv", "place_code,valid_from,valid_to\nC,2017-01-01,\n")
    del files["prescribers.csv"]
    found = _findings(files)
    assert ("places.csv", 1, "label", "REF-COLUMN") in found
    assert ("prescribers.csv", None, None, "REF-MISSING") in found


def test_overlapping_periods_refused() -> None:
    text = sample_files()["letter_keys.csv"] + "K,2.99,2024-06-01,\n"
    found = _findings(_with("letter_keys.csv", text))
    assert any(f[0] == "letter_keys.csv" and f[3] == "REF-OVERLAP" for f in found)


def test_period_ending_before_it_starts_refused() -> None:
    text = sample_files()["places.csv"] + "Z,Nowhere,2020-01-01,2019-01-01\n"
    assert any(f[2] == "valid_to" and f[3] == "REF-PERIOD" for f in _findings(_with("places.csv", text)))


def test_broken_links_between_tables_refused() -> None:
    text = sample_files()["conversion.csv"] + "K09,ZZ99,2017-01-01,\n"
    assert any(
        f[:1] == ("conversion.csv",) and f[2:] == ("new_act_code", "REF-LINK")
        for f in _findings(_with("conversion.csv", text))
    )


def test_required_rows_and_parameter_types() -> None:
    rates = "\n".join(row for row in sample_files()["rates.csv"].splitlines() if not row.startswith("UNDER_18"))
    assert ("rates.csv", None, "category", "REF-ROWS") in _findings(_with("rates.csv", rates + "\n"))
    params = sample_files()["parameters.csv"].replace("request_delay_days,31", "request_delay_days,thirty")
    assert any(f[2] == "value" and f[3] == "REF-VALUE" for f in _findings(_with("parameters.csv", params)))


def test_ragged_row_refused() -> None:
    text = sample_files()["places.csv"] + "Q,Too,many,cells,here\n"
    assert any(f[3] == "REF-FORMAT" for f in _findings(_with("places.csv", text)))


def test_official_folder_in_yaml_drops_in(tmp_path: Path) -> None:
    for name, text in sample_files().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "places.csv").unlink()
    rows = [{"place_code": "C", "label": "Cabinet", "valid_from": "2017-01-01", "valid_to": None}]
    (tmp_path / "places.yaml").write_text(yaml.safe_dump(rows), encoding="utf-8")
    (tmp_path / "README.txt").write_text("ignored")
    reference = load_reference_dir(tmp_path)
    assert reference["places"]["place_code"].to_list() == ["C"]
    assert not reference.sample or any("SAMPLE" in t for t in reference.files.values())


def test_two_files_for_one_table_refused(tmp_path: Path) -> None:
    files = _with("places.yaml", "- {place_code: C, label: Cabinet, valid_from: '2017-01-01', valid_to: ''}\n")
    assert any(f[3] == "REF-DUPLICATE" for f in _findings(files))
