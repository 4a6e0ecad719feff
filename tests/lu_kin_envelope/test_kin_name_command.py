"""``tierspayant kin name parse / build``: exit codes and JSON parsed back."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tierspayant.cli import app

runner = CliRunner()
GOOD = "F12345678202403_KIN_FAC_01_20240405_REF-1.xml"


def test_parse_json() -> None:
    result = runner.invoke(app, ["kin", "name", "parse", "--json", f"some/dir/{GOOD}"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["valid"] is True
    assert data["parts"] == {
        "provider_code": "12345678",
        "year": 2024,
        "month": 3,
        "legal_frame": "KIN",
        "file_type": "FAC",
        "layout": "01",
        "send_date": "2024-04-05",
        "reference": "REF-1",
        "extension": "xml",
    }


def test_parse_table() -> None:
    result = runner.invoke(app, ["kin", "name", "parse", GOOD])
    assert result.exit_code == 0
    assert "12345678" in result.stdout
    assert "REF-1" in result.stdout


def test_parse_wrong_name_lists_each_part() -> None:
    result = runner.invoke(app, ["kin", "name", "parse", "--json", "F12345678202413_KIN_FACT_01_20240405_R1"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert [f["code"] for f in data["findings"]] == ["KIN-NAME-MONTH", "KIN-NAME-TYPE"]


def test_build() -> None:
    args = ["kin", "name", "build", "--provider", "123456", "--year", "2024", "--month", "3", "--type", "demaut"]
    result = runner.invoke(app, [*args, "--send-date", "2024-04-05", "--reference", "R-7", "--extension", "zip"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "F00123456202403_KIN_DEMAUT_01_20240405_R-7.zip"


def test_build_json_and_compact_date() -> None:
    args = ["kin", "name", "build", "--json", "--provider", "12345678", "--year", "2024", "--month", "12"]
    result = runner.invoke(app, [*args, "--type", "FAC", "--send-date", "20250102", "--reference", "X"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"valid": True, "name": "F12345678202412_KIN_FAC_01_20250102_X"}


def test_build_wrong_parts() -> None:
    args = ["kin", "name", "build", "--json", "--provider", "12345678", "--year", "24", "--month", "3"]
    result = runner.invoke(app, [*args, "--type", "FAC", "--send-date", "2024-04-05", "--reference", "a_b"])
    assert result.exit_code == 1
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert codes == ["KIN-NAME-YEAR", "KIN-NAME-REFERENCE"]


def test_build_wrong_provider() -> None:
    args = ["kin", "name", "build", "--json", "--provider", "12AB", "--year", "2024", "--month", "3"]
    result = runner.invoke(app, [*args, "--type", "FAC", "--reference", "R"])
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["code"] == "KIN-NAME-PROVIDER"
    assert "'A'" in finding["message"]


def test_build_bad_date_is_a_usage_error() -> None:
    args = ["kin", "name", "build", "--provider", "12345678", "--year", "2024", "--month", "3"]
    result = runner.invoke(app, [*args, "--type", "FAC", "--send-date", "5 April", "--reference", "R"])
    assert result.exit_code == 2
