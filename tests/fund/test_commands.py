"""The ``tierspayant fund`` commands, run as a user would (CliRunner), outputs parsed back."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tierspayant.cli import app
from tierspayant.schemes.lu_kin.examples import example
from tierspayant.schemes.lu_kin.reference import sample_files

from .files import demaut_package, kin_name

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    url = f"sqlite:///{tmp_path / 'fund.db'}"
    result = runner.invoke(app, ["fund", "init", "--database-url", url])
    assert result.exit_code == 0, result.output
    assert "SAMPLE" in result.output
    return ["--database-url", url]


def test_process_and_explain(db: list[str], tmp_path: Path) -> None:
    package = demaut_package(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["fund", "process", str(package), "--outbox", str(out), "--received-at", "2024-03-07T10:00:00", "--json", *db],
    )
    assert result.exit_code == 0, result.output
    (outcome,) = json.loads(result.output)
    assert outcome["status"] == "accepted" and outcome["accepted"] == 4
    assert {Path(p).name for p in outcome["written"]} == {p.name for p in out.iterdir()}
    explained = runner.invoke(app, ["fund", "explain", str(package), "--json", *db])
    assert explained.exit_code == 0
    (k107,) = json.loads(explained.output)
    assert k107["code"] == "K107" and k107["rule"] == "auth_session_limit"
    assert k107["reference_tables"] == ["session_limits"] and k107["history_tables"] == []
    table = runner.invoke(app, ["fund", "process", str(package), "--outbox", str(out), *db])
    assert table.exit_code == 0 and "Fund processing" in table.output
    again = runner.invoke(app, ["fund", "process", str(package), "--outbox", str(out), "--json", *db])
    assert json.loads(again.output)[0]["status"] == "duplicate"


def test_refused_file_exits_1(db: list[str], tmp_path: Path) -> None:
    path = tmp_path / kin_name("FAC", "FA9", date(2024, 4, 2))
    path.write_bytes(example("FAC")[:300])
    result = runner.invoke(app, ["fund", "process", str(path), "--outbox", str(tmp_path / "out"), *db])
    assert result.exit_code == 1 and "refused" in result.output


def test_reference_load_good_and_bad(db: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "official"
    folder.mkdir()
    for name, text in sample_files().items():
        (folder / name).write_text(text.replace("# SAMPLE", "# copy of"), encoding="utf-8")
    ok = runner.invoke(app, ["fund", "reference", "load", str(folder), "--json", *db])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["sample"] is False
    shown = runner.invoke(app, ["fund", "reference", "show", "--json", *db])
    assert json.loads(shown.output)["version"] == json.loads(ok.output)["version"]
    (folder / "rates.csv").write_text("category,rate_percent,valid_from,valid_to\nCOMMON,seventy,2000-01-01,\n")
    bad = runner.invoke(app, ["fund", "reference", "load", str(folder), *db])
    assert bad.exit_code == 1
    assert "rates.csv" in bad.output and "rate_percent" in bad.output and "REF-VALUE" in bad.output


def test_registries_and_payments(db: list[str]) -> None:
    assert runner.invoke(app, ["fund", "provider", "70099999", "--name", "Kiné Nord", *db]).exit_code == 0
    group = runner.invoke(
        app,
        ["fund", "provider", "70088888", "--name", "Groupe", "--kind", "group", "--member", "70099999:2024-01-01", *db],
    )
    assert group.exit_code == 0, group.output
    person = runner.invoke(
        app, ["fund", "insured", "1990093012358", "--birth-date", "1990-09-30", "--from", "2010-01-01", *db]
    )
    assert person.exit_code == 0, person.output
    wrong = runner.invoke(
        app, ["fund", "insured", "1990093012350", "--birth-date", "1990-09-30", "--from", "2010-01-01", *db]
    )
    assert wrong.exit_code == 1
    paid = runner.invoke(app, ["fund", "payments", "--json", *db])
    assert paid.exit_code == 0 and json.loads(paid.output) == []
