"""The `be efact` commands, run as a user would (Typer's runner), on the shipped examples."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tierspayant.cli import app
from tierspayant.schemes.be_nursing.examples import EXAMPLES_DIR, SAMPLE_FILE
from tierspayant.schemes.be_nursing.formats.frames import read_sending
from tierspayant.schemes.be_nursing.formats.messages import LineError, ReplyHeader, write_reply

runner = CliRunner()


def test_validate_clean_file() -> None:
    result = runner.invoke(app, ["be", "efact", "validate", str(SAMPLE_FILE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and data["records"]["50"] == 4


def test_validate_broken_file_exits_2(tmp_path: Path) -> None:
    lines = SAMPLE_FILE.read_text().splitlines()
    broken = tmp_path / "broken.txt"
    broken.write_text("\n".join(lines[:-1]) + "\n")  # no record 96
    result = runner.invoke(app, ["be", "efact", "validate", str(broken), "--json"])
    assert result.exit_code == 2
    assert "E960010" in {f["code"] for f in json.loads(result.output)["findings"]}
    table = runner.invoke(app, ["be", "efact", "validate", str(broken)])
    assert "E960010" in table.output


def test_build_import_rejected_correct(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'nurse.db'}"
    out = tmp_path / "s1.txt"
    result = runner.invoke(app, ["be", "efact", "build", str(EXAMPLES_DIR / "visits_202403.yaml"), "--period",
                                 "202403", "--out", str(out), "--database", db, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["sending_number"] == 1
    sending = read_sending(out)
    first = int(sending.frames["50"]["record_index"][0])
    reply = write_reply("920900", sending, {first: LineError(("502255",), "deja facturee par 10234569003")},
                        ReplyHeader(), tmp_path / "s1.920900")
    explained = runner.invoke(app, ["be", "efact", "explain", str(reply), "--json"])
    assert explained.exit_code == 0, explained.output
    rejected = json.loads(explained.output)["rejected"]
    assert rejected[0]["rejections"][0]["code"] == "502255" and rejected[0]["rejections"][0]["nl"]
    imported = runner.invoke(app, ["be", "efact", "import", str(reply), "--database", db, "--json"])
    assert json.loads(imported.output)["rejected"] == 1
    listed = runner.invoke(app, ["be", "efact", "rejected", "--database", db, "--json"])
    (line,) = json.loads(listed.output)
    assert line["comment"] == "deja facturee par 10234569003"
    fixed = runner.invoke(app, ["be", "efact", "correct", line["reference"], "--set", "code=425036",
                                "--database", db])
    assert fixed.exit_code == 0, fixed.output
    again = runner.invoke(app, ["be", "efact", "build", str(EXAMPLES_DIR / "visits_202403.yaml"), "--period",
                                "202404", "--out", str(tmp_path / "s2.txt"), "--database", db, "--json"])
    data = json.loads(again.output)
    assert data["sending_number"] == 2 and data["lines"] == 1


def test_nothing_to_build_is_refused(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'nurse.db'}"
    args = ["be", "efact", "build", str(EXAMPLES_DIR / "visits_202403.yaml"), "--period", "202403", "--database", db]
    assert runner.invoke(app, [*args, "--out", str(tmp_path / "a.txt")]).exit_code == 0
    second = runner.invoke(app, [*args, "--out", str(tmp_path / "b.txt")])
    assert second.exit_code == 1 and "no pending visit" in second.output
    assert not (tmp_path / "b.txt").exists()


def test_codes_lookup() -> None:
    result = runner.invoke(app, ["be", "efact", "codes", "R500545", "--json"])
    assert json.loads(result.output)["type"] == "R"
    assert runner.invoke(app, ["be", "efact", "codes", "999999"]).exit_code == 1
