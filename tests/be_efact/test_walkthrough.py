"""The documented walk-through (docs/be-efact.md, the ```walkthrough block) run as written: the packaged example,
the SAMPLE mutuality reference and the commands agree — an accepted 920900 with a few realistic rejections, then a
correction accepted in the next sending."""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tierspayant.cli import app
from tierspayant.schemes.be_nursing.examples import EXAMPLES_DIR
from tierspayant.schemes.be_nursing.formats.messages import read_reply

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "be-efact.md"


def documented_commands() -> list[list[str]]:
    block = re.search(r"```walkthrough\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/be-efact.md has no ```walkthrough block"
    lines = block.group(1).splitlines()
    assert lines[0].startswith("EX=$PWD/src/tierspayant/schemes/be_nursing/examples")
    assert (ROOT / "src/tierspayant/schemes/be_nursing/examples/visits_202403.yaml").is_file()
    return [shlex.split(line.replace("$EX", str(EXAMPLES_DIR)))[1:] for line in lines[1:] if line.strip()]


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def test_the_documented_walk_through_ends_accepted(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIERSPAYANT_NURSE_DB", raising=False)
    monkeypatch.delenv("TIERSPAYANT_REFAC_DB", raising=False)
    results: list[tuple[list[str], Result]] = []
    for args in documented_commands():
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        results.append((args, result))

    first = read_reply(scratch / "replies" / "920000_001.920900")
    assert first.kind == "920900" and str(first.payment_date) == "2024-04-16"
    rejected = {r.values.get("institution_reference"): [j.code for j in r.rejections] for r in first.rejected
                if r.record_type == "50"}
    assert rejected == {
        "V00000029": ["500118"],
        "V00000030": ["500118"],
        "V00000031": ["502255"],
        "V00000051": ["500545"],
    }
    listed = next(json.loads(r.output) for a, r in results if a[1:3] == ["efact", "rejected"])
    assert [(line["reference"], line["codes"][0]) for line in listed] == [("V00000031", "502255"),
                                                                           ("V00000051", "500545")]
    assert listed[0]["comment"] == "425014 du 06/03/2024 facturee par 10234568002"
    assert listed[1]["comment"] == "Hospitalise 71099903 du 11/03/2024 a 15/03/2024"

    second = read_reply(scratch / "replies" / "920000_002.920900")
    assert second.kind == "920900" and second.rejected == [] and second.sending_number == 2
    codes = [r.values["nomenclature_code"] for r in second.records if r.record_type == "50"]
    assert sorted(codes) == [425014, 425036, 425110]
    assert not (scratch / "replies" / "920000_002.920098").exists()  # nothing left to report
