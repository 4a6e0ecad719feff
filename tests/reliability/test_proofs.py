"""Archives of digital proofs: every file received and sent kept with its hash in a hash-chained register; any
change to an entry, an entry's removal or a kept file's change is found; exports by provider and by patient."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from typer.testing import CliRunner

from tierspayant.cli import app
from tierspayant.core.proofs import ProofArchive, kind_of

from .platform_run import run_worker_once
from .test_crash_worker import DEMAUT_AT, PROVIDER, _demaut, _deposit


def _archive_with_three(folder: Path) -> ProofArchive:
    archive = ProofArchive(folder / "proofs")
    for n, text in enumerate(("patient 1956031401288", "patient 1979122003209", "nobody")):
        path = folder / f"F{n}_KIN_FAC_x.xml"
        path.write_text(text)
        archive.keep(path, "received", kind_of(path.name), "70012345" if n < 2 else "70099999",
                     datetime(2024, 2, 29, 9, 0, tzinfo=UTC))  # fmt: skip
    return archive


def test_an_intact_archive_verifies_and_keeps_retention_by_kind(tmp_path: Path) -> None:
    archive = _archive_with_three(tmp_path)
    assert archive.verify() == []
    entries = list(archive.entries())
    assert [e.seq for e in entries] == [1, 2, 3] and entries[1].previous == entries[0].hash
    assert entries[0].kind == "billing" and entries[0].retain_until == "2034-02-28"  # 10 years from 29 February
    assert archive.expired(date(2034, 2, 28)) == [] and len(archive.expired(date(2034, 3, 1))) == 3
    assert kind_of("F_KIN_DEMAUT_01.deposit.json") == "receipt" and kind_of("920000.920900") == "reply"


def test_tampering_is_found(tmp_path: Path) -> None:
    archive = _archive_with_three(tmp_path)
    register = tmp_path / "proofs" / "register.jsonl"
    lines = register.read_text().splitlines()

    altered = json.loads(lines[1])
    altered["party"] = "70000000"
    register.write_text("\n".join([lines[0], json.dumps(altered), lines[2]]) + "\n")
    assert any("entry 2" in p and "altered" in p for p in archive.verify())

    register.write_text("\n".join([lines[0], lines[2]]) + "\n")  # an entry removed
    assert any("chain is broken" in p for p in archive.verify())

    register.write_text("\n".join(lines) + "\n")
    assert archive.verify() == []
    kept = archive.stored(json.loads(lines[0])["sha256"])
    kept.write_text("patient 1956031401288 (changed)")
    assert archive.verify() == [f"entry 1 ({json.loads(lines[0])['name']}): its file was altered"]


def test_export_by_provider_and_by_patient(tmp_path: Path) -> None:
    archive = _archive_with_three(tmp_path)
    assert [p.seq for p in archive.export(tmp_path / "a", party="70012345")] == [1, 2]
    assert [p.seq for p in archive.export(tmp_path / "b", mentions="1979122003209")] == [2]
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["00000002-received-F1_KIN_FAC_x.xml", "entries.jsonl"]


def test_the_worker_keeps_what_it_receives_and_sends_and_the_commands_check_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'platform.db'}"
    _deposit(tmp_path, url, _demaut(), DEMAUT_AT)
    run_worker_once(tmp_path, url)
    archive = ProofArchive(tmp_path / "var" / "proofs" / "fund")
    kept = [(p.direction, p.kind) for p in archive.entries()]
    assert kept == [("received", "authorisation"), ("sent", "authorisation"), ("sent", "receipt")]
    runner = CliRunner()
    var = ["--var-dir", str(tmp_path / "var")]
    done = runner.invoke(app, ["platform", "proofs", "verify", *var])
    assert done.exit_code == 0 and "3 entries" in done.output
    done = runner.invoke(app, ["platform", "proofs", "export", str(tmp_path / "out"), "--provider", PROVIDER, *var])
    assert done.exit_code == 0 and len(list((tmp_path / "out").iterdir())) == 4
    next(archive.folder.rglob("*.bin")).write_bytes(b"forged")
    assert runner.invoke(app, ["platform", "proofs", "verify", *var]).exit_code == 1
