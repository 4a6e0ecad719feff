"""The command group, through Typer's runner: examples → validate → register → adjudicate."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tierspayant.schemes.lu_doctors.commands import app

RUNNER = CliRunner()


def test_examples_validate_register_adjudicate(tmp_path: Path) -> None:
    out = tmp_path / "files"
    assert RUNNER.invoke(app, ["examples", str(out)]).exit_code == 0
    declaration = next(out.glob("*_DECLAPP_*"))
    month = next(out.glob("*_FACFORF_*"))
    for file in (declaration, month):
        result = RUNNER.invoke(app, ["validate", str(file)])
        assert result.exit_code == 0 and "valid" in result.output
    database = str(tmp_path / "fund.db")
    result = RUNNER.invoke(app, ["register", database, str(declaration), "--today", "2025-01-07"])
    assert result.exit_code == 0 and "enregistre ECHO0000001" in result.output
    result = RUNNER.invoke(app, ["adjudicate", database, str(month), "--today", "2025-04-03"])
    # the patients' notes never reached this fund: each flat rate is refused for want of its technical act
    assert result.exit_code == 0 and "treated: covered 0.00 EUR" in result.output
    result = RUNNER.invoke(app, ["validate", str(next(out.glob("*_RETFORF_*")))])
    assert result.exit_code == 0 and "traite, 3 line(s)" in result.output
    assert "0 full / 1800" in RUNNER.invoke(app, ["usage", database, "ECHO0000001", "--year", "2025"]).output


def test_validate_says_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "F10234567202503_MED_FACFORF_01_20250402_M1.xml"
    bad.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>')
    result = RUNNER.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1 and "XML-DTD" in result.output
