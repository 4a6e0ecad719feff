"""The `tierspayant practice` commands, driven like a user would (Typer's CliRunner), on a SQLite file."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tierspayant.cli import app
from tierspayant.schemes.lu_kin.practice.domain import InvoicingForm
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.setup import PracticeInfo

from .conftest import GROUP_FACTURIER, PHYSIO_A, PHYSIO_C
from .fund_files import Accord, Refus, Suspens, retaut_for, retfac_for
from .helpers import Clock, scan_pdf
from .workflow import ACT, DUPONT, KLEIN, KNOWN_PRESCRIBER, PLACE, TITRE_DUPONT, add_patients, prescription

runner = CliRunner(env={"COLUMNS": "200"})  # wide enough for the tables not to wrap identifiers


@pytest.fixture
def cli(tmp_path: Path) -> list[str]:
    return ["--database-url", f"sqlite:///{tmp_path / 'practice.db'}", "--documents-dir", str(tmp_path / "docs")]


def run(*args: str, expect: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == expect, result.output
    return result.output


def test_a_month_through_the_commands(cli: list[str], tmp_path: Path) -> None:
    last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    prescribed, decided = last_month - timedelta(days=3), last_month - timedelta(days=2)
    run(
        "practice",
        "init",
        "--name",
        "Kiné Gare",
        "--street",
        "12, rue de Strasbourg",
        "--postal-code",
        "2560",
        "--city",
        "Luxembourg",
        "--form",
        "group",
        "--facturier",
        GROUP_FACTURIER,
        "--opened-on",
        "2020-01-01",
        *cli,
    )
    for code, name in [(GROUP_FACTURIER, "Anne Muller"), (PHYSIO_A, "Paul Weber"), (PHYSIO_C, "Luc Hoffmann")]:
        run("practice", "physio", "add", code, name, *cli)
    run("practice", "member", "add", PHYSIO_A, "--from", "2020-01-01", *cli)
    out = run(
        "practice",
        "patient",
        "add",
        "1980010112303",
        "--last-name",
        "Dupont",
        "--first-name",
        "Jeanne",
        "--birth-date",
        "1980-01-01",
        *cli,
        expect=1,
    )
    assert "PRA-MATRICULE" in out and "Verhoeff" in out
    run(
        "practice",
        "patient",
        "add",
        DUPONT,
        "--last-name",
        "Dupont",
        "--first-name",
        "Jeanne",
        "--birth-date",
        "1980-01-01",
        *cli,
    )
    run(
        "practice",
        "patient",
        "add",
        KLEIN,
        "--last-name",
        "Klein",
        "--first-name",
        "Sophie",
        "--birth-date",
        "1990-09-30",
        *cli,
    )
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scan_pdf())
    bad_scan = tmp_path / "bad.pdf"
    bad_scan.write_bytes(scan_pdf(dpi=150))
    common = [
        "--prescriber",
        KNOWN_PRESCRIBER,
        "--prescribed-on",
        prescribed.isoformat(),
        "--act",
        f"{ACT}:8",
        "--performer",
        PHYSIO_A,
        "--place",
        PLACE,
    ]
    out = run("practice", "prescription", "add", DUPONT, "--scan", str(bad_scan), *common, *cli, expect=1)
    assert "PDF-RESOLUTION" in out
    run("practice", "prescription", "add", DUPONT, "--scan", str(scan), *common, *cli)
    run("practice", "prescription", "add", KLEIN, "--scan", str(scan), *common, *cli)
    out = run("practice", "request", "build", *cli)
    package = Path(out.split("written: ")[1].split()[0])
    assert package.name.endswith(".zip") and package.exists()
    retaut = retaut_for(package, {"P1-1": Accord(TITRE_DUPONT), "P2-1": Refus()}, tmp_path / "in", decided)
    out = run("practice", "return", "import", str(retaut), *cli)
    assert "PRA-N-REFUS" in out and "K102" in out
    again = json.loads(run("practice", "return", "import", str(retaut), "--json", *cli))
    assert again[0]["status"] == "already imported"
    assert TITRE_DUPONT in run("practice", "titre", "list", *cli)
    [titre] = json.loads(run("practice", "titre", "list", "--json", *cli))
    assert (titre["identifier"], titre["matricule"], titre["acts"][0]["sessions_left"]) == (TITRE_DUPONT, DUPONT, 8)
    patients = json.loads(run("practice", "patient", "list", "--json", *cli))
    assert [(p["matricule"], p["fund"], p["third_party"]) for p in patients] == [
        (DUPONT, "CNS", True),
        (KLEIN, "CNS", True),
    ]
    assert json.loads(run("practice", "request", "suspended", "--json", *cli)) == []
    for offset in (1, 3):
        run(
            "practice",
            "session",
            "add",
            TITRE_DUPONT,
            "--date",
            (last_month + timedelta(days=offset)).isoformat(),
            *cli,
        )
    out = run(
        "practice",
        "session",
        "add",
        TITRE_DUPONT,
        "--date",
        (last_month + timedelta(days=3)).isoformat(),
        "--performer",
        PHYSIO_C,
        *cli,
    )
    assert "PRA-W-SAME-DAY" in out and "PRA-W-PERFORMER" in out
    month = f"{last_month:%Y-%m}"
    out = run("practice", "bill", month, *cli)
    fac = Path(out.split("written: ")[1].split()[0])
    assert "PRA-FAC-MONTH-USED" in run("practice", "bill", month, *cli, expect=1)
    retfac = retfac_for(fac, {}, tmp_path / "in", date.today())
    [imported] = json.loads(run("practice", "return", "import", str(retfac), "--json", *cli))
    assert (imported["status"], imported["lines_paid"]) == ("imported", 3)
    report = tmp_path / "reconciliation.csv"
    out = run("practice", "reconcile", month, "--csv", str(report), *cli)
    assert "Reconciliation" in out and DUPONT in out
    rows = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8"))))
    assert rows[-1]["section"] == "total" and rows[-1]["lines"] == "3"
    as_json = json.loads(run("practice", "reconcile", month, "--json", *cli))
    assert [{k: str(v) for k, v in row.items()} for row in as_json] == rows  # JSON and CSV: the same records
    assert "PDF written" in run("practice", "print", "titre", TITRE_DUPONT, *cli)
    assert "PDF written" in run("practice", "print", "memoire", DUPONT, month, *cli)
    out = run("practice", "print", "it-form", str(last_month.year - 1), "--today", f"{last_month.year}-02-01", *cli)
    assert "not eligible" in out
    assert "PRA-IT-PERIOD" in run("practice", "print", "it-form", "2020", "--today", "2024-06-01", *cli, expect=1)
    assert "PRA-NOT-ASSOCIATION" in run("practice", "print", "statement", PHYSIO_A, "2024", *cli, expect=1)


@pytest.mark.parametrize(
    "group",
    [
        "init",
        "patient add",
        "prescription add",
        "request build",
        "request suspended",
        "patient list",
        "member end",
        "titre list",
        "return import",
        "session add",
        "bill",
        "reconcile",
        "print titre",
        "print memoire",
        "print statement",
        "print it-form",
    ],
)
def test_every_command_has_help(group: str) -> None:
    out = run("practice", *group.split(), "--help")
    assert "--database-url" in out and "Usage" in out


def test_suspensions_and_membership_ends_through_the_commands(tmp_path: Path) -> None:
    clock = Clock(datetime(2024, 3, 1, 9))
    url = f"sqlite:///{tmp_path / 'practice.db'}"
    cli = ["--database-url", url, "--documents-dir", str(tmp_path / "docs")]
    service = PracticeService(url, tmp_path / "docs", clock=clock)
    service.init()
    service.setup_practice(
        PracticeInfo("Kiné Gare", "12, rue de Strasbourg", "2560", "Luxembourg", InvoicingForm.GROUP, GROUP_FACTURIER)
    )
    service.add_physiotherapist(PHYSIO_A, "Paul Weber")
    add_patients(service)
    clock.set(date(2024, 2, 27))
    service.add_prescription(prescription(DUPONT, PHYSIO_A))
    package = service.build_request()
    suspens: dict[str, Accord | Refus | Suspens] = {"P1-1": Suspens("Bilan initial manquant")}
    service.import_return(retaut_for(package, suspens, tmp_path / "in", date(2024, 2, 28)))
    service.close()
    [suspended] = json.loads(run("practice", "request", "suspended", "--json", *cli))
    assert (suspended["request"], suspended["motivation"]) == ("P1-1", "Bilan initial manquant")
    assert "Bilan initial manquant" in run("practice", "request", "suspended", *cli)
    assert "PRA-MEMBERSHIP" in run("practice", "member", "end", PHYSIO_A, "--on", "2024-03-31", *cli, expect=1)
    run("practice", "member", "add", PHYSIO_A, "--from", "2024-01-01", *cli)
    run("practice", "member", "end", PHYSIO_A, "--on", "2024-03-31", *cli)
    assert "PRA-MEMBERSHIP" in run("practice", "member", "end", PHYSIO_A, "--on", "2024-04-30", *cli, expect=1)
