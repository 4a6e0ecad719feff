"""``tierspayant id check``: table and JSON output, exit status."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tierspayant.cli import app

runner = CliRunner()


def test_all_valid_exit_zero_json() -> None:
    result = runner.invoke(app, ["id", "check", "--json", "1990093012358", "85.07.30-033.28", "123456"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [item["valid"] for item in data] == [True, True, True]
    assert data[0]["candidates"][0]["kind"] == "LU matricule"
    assert data[0]["candidates"][0]["details"]["birth_date"] == "1990-09-30"
    assert data[1]["candidates"][0]["kind"] == "BE NISS"
    assert {c["kind"] for c in data[2]["candidates"]} == {"LU provider code", "LU prescriber code"}
    assert data[2]["candidates"][0]["normalized"] == "00123456"


def test_one_invalid_exit_one_with_reason() -> None:
    result = runner.invoke(app, ["id", "check", "--json", "1990093012358", "1990093012350"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data[1]["valid"] is False
    assert data[1]["candidates"][0]["reasons"] == ["digit 13 (Verhoeff over digits 1–11) should be 8, found 0"]


def test_table_output() -> None:
    result = runner.invoke(app, ["id", "check", "1990093012350", "hello"])
    assert result.exit_code == 1
    assert "LU matricule" in result.output
    assert "INVALID" in result.output
    assert "unknown" in result.output


def test_forced_kind() -> None:
    result = runner.invoke(app, ["id", "check", "--kind", "niss", "--json", "1990093012358"])
    assert result.exit_code == 1
    [item] = json.loads(result.stdout)
    assert item["candidates"][0]["kind"] == "BE NISS"
    assert "11 digits, this has 13" in item["candidates"][0]["reasons"][0]


def test_no_value_is_a_usage_error() -> None:
    result = runner.invoke(app, ["id", "check"])
    assert result.exit_code == 2
