"""``be refac process FILE``: exit status, JSON outcome, replies written."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tierspayant.schemes.be_nursing.commands.mutuality import app

from . import files
from .helpers import FIRST_VISIT, PLAIN


def test_process_accepts_and_prints_the_outcome_as_json(tmp_path: Path) -> None:
    path = files.write(files.sending(files.invoice(PLAIN, files.service(FIRST_VISIT))), tmp_path)
    database = f"sqlite:///{tmp_path / 'refac.db'}"
    args = ["process", str(path), "--database", database, "--received-at", "2025-04-02T09:00:00", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["status"] == "accepted" and outcome["payment_date"] == "2025-04-16"
    assert [Path(p).name for p in outcome["written"]] == ["920000.920900"]
    assert Path(outcome["acknowledgement"]).name == "920000.931000"
    assert {p.name for p in (tmp_path / "replies").iterdir()} == {"920000.931000", "920000.920900"}
    again = CliRunner().invoke(app, ["process", str(path), "--database", database])
    assert again.exit_code == 0 and "duplicate" in again.output


def test_process_refuses_garbage_with_exit_status_2(tmp_path: Path) -> None:
    path = tmp_path / "garbage.txt"
    path.write_text("not an efact file\n")
    result = CliRunner().invoke(
        app, ["process", str(path), "--database", f"sqlite:///{tmp_path / 'r.db'}", "--outbox", str(tmp_path / "o")]
    )
    assert result.exit_code == 2, result.output
    assert "920999" in result.output and (tmp_path / "o" / "garbage.920999").is_file()
