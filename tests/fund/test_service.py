"""The fund engine end to end, through files only, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from tierspayant.schemes.lu_kin.examples import PATIENTS, example
from tierspayant.schemes.lu_kin.formats.models import DecisionOutcome, Retaut, Retfac
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.formats.writer import to_bytes
from tierspayant.schemes.lu_kin.fund import ledger, retfac_writer
from tierspayant.schemes.lu_kin.fund.service import FundService, ProcessOutcome
from tierspayant.schemes.lu_kin.store.fund.models import Deposit, LedgerEntry, Titre, TitreAct
from tierspayant.schemes.lu_kin.titre import is_valid_titre_id
from tierspayant.store.database import transaction

from .files import demaut_package, fac_on_titres, kin_name

DEMAUT_DAY = datetime(2024, 3, 7, 9, 30)
FAC_DAY = datetime(2024, 4, 2, 9, 30)


@pytest.fixture
def fund(database_url: str) -> FundService:
    service = FundService(database_url)
    service.init()
    return service


def count(fund: FundService, model: type[object]) -> int:
    with fund.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def granted(fund: FundService, tmp_path: Path) -> tuple[ProcessOutcome, Retaut]:
    outcome = fund.process(demaut_package(tmp_path), tmp_path / "out", DEMAUT_DAY)
    retaut_path = next(p for p in outcome.written if "_RETAUT_" in p.name)
    retaut = read_file(retaut_path)
    assert isinstance(retaut, Retaut)
    return outcome, retaut


def titres_of(retaut: Retaut) -> dict[str, str]:
    return {d.matricule: d.titre_id for d in retaut.decisions if d.titre_id is not None}


def test_demaut_package_gets_a_retaut_with_titres(fund: FundService, tmp_path: Path) -> None:
    outcome, retaut = granted(fund, tmp_path)
    assert outcome.status == "accepted" and outcome.file_type == "DEMAUT"
    assert (outcome.items, outcome.accepted, outcome.refused, outcome.suspended) == (4, 4, 0, 0)
    by_request = {d.request_id: d for d in retaut.decisions}
    assert all(d.outcome is DecisionOutcome.ACCORD for d in retaut.decisions)
    assert all(is_valid_titre_id(d.titre_id or "") for d in retaut.decisions)
    assert by_request["DA-2024-0001"].coverage_rate == Decimal(70)
    assert by_request["DA-2024-0003"].coverage_rate == Decimal(100)  # a child
    capped = by_request["DA-2024-0004"]
    assert [(a.act_code, a.sessions) for a in capped.covered_acts] == [("ZK11", 8)]
    assert [a.code for a in capped.anomalies] == ["K107"]
    assert retaut.header.original_reference == "DA202403A" and retaut.header.sender == "CNS"
    notification = json.loads((tmp_path / "out" / outcome.written[-1].name).read_text())
    assert notification["status"] == "accepted" and notification["returns"] == [outcome.written[0].name]


def test_bare_xml_demaut_is_suspended_until_the_prescriptions_arrive(fund: FundService, tmp_path: Path) -> None:
    path = tmp_path / kin_name("DEMAUT", "DA202403A", date(2024, 3, 7))
    path.write_bytes(example("DEMAUT"))
    outcome = fund.process(path, tmp_path / "out", DEMAUT_DAY)
    assert (outcome.accepted, outcome.suspended) == (0, 4)
    retaut = read_file(outcome.written[0])
    assert isinstance(retaut, Retaut)
    assert all(
        d.outcome is DecisionOutcome.SUSPENS and "not received" in (d.motivation or "") for d in retaut.decisions
    )


def test_a_bad_scan_suspends_only_its_request(fund: FundService, tmp_path: Path) -> None:
    outcome = fund.process(demaut_package(tmp_path, bad_scan_for="DA-2024-0002"), tmp_path / "out", DEMAUT_DAY)
    assert (outcome.accepted, outcome.suspended) == (3, 1)
    (suspended,) = [f for f in outcome.findings if f.code == "K108"]
    assert suspended.location == "request DA-2024-0002" and "PDF/A" in suspended.message


def test_fac_on_granted_titres_gets_a_retfac(fund: FundService, tmp_path: Path) -> None:
    _, retaut = granted(fund, tmp_path)
    outcome = fund.process(fac_on_titres(tmp_path, titres_of(retaut)), tmp_path / "out", FAC_DAY)
    assert outcome.status == "accepted"
    assert (outcome.items, outcome.accepted, outcome.refused) == (8, 6, 2)
    assert outcome.asked == Decimal("231.50") and outcome.covered == Decimal("159.84")
    assert outcome.acknowledged_on == date(2024, 4, 2) and outcome.payment_due_on == date(2024, 5, 2)
    retfac_path = next(p for p in outcome.written if "_RETFAC_" in p.name)
    retfac = read_file(retfac_path)
    assert isinstance(retfac, Retfac)
    assert retfac.total_covered == Decimal("159.84") and retfac.line_count == 8
    assert retfac.header.deposit_date == date(2024, 4, 2) and retfac.header.payment_due_date == date(2024, 5, 2)
    second = {line.line_number: line for line in retfac.invoices[1].lines}
    assert [a.code for a in second[3].anomalies] == ["K208"] and second[3].amount_covered == 0
    assert [a.code for a in second[4].anomalies] == ["K209"]
    # The columnar writer writes what the project's streaming writer writes for the same content (bar a final newline).
    assert retfac_path.read_bytes().rstrip(b"\n") == to_bytes(retfac).rstrip(b"\n")
    ack = json.loads((tmp_path / "out" / outcome.written[-1].name).read_text())
    assert ack["payment_due_on"] == "2024-05-02"
    assert [(p.amount, p.due_on) for p in fund.payments_due()] == [(Decimal("159.84"), date(2024, 5, 2))]
    with fund.sessions() as session:
        acts = {(a.titre_id, a.act_code): a.sessions_paid for a in session.scalars(select(TitreAct))}
    assert acts[(titres_of(retaut)[PATIENTS[0]], "ZK11")] == 4
    assert count(fund, LedgerEntry) == 6
    with fund.sessions() as session:  # each titre's first session: its earliest paid service
        paid_first = dict(
            session.execute(select(LedgerEntry.titre_id, func.min(LedgerEntry.service_date)).group_by("titre_id")).all()
        )
        first = {t.titre_id: t.first_service_on for t in session.scalars(select(Titre))}
    assert paid_first and all(first[titre] == day for titre, day in paid_first.items())


def test_a_titres_first_session_only_moves_back(fund: FundService, tmp_path: Path) -> None:
    _, retaut = granted(fund, tmp_path)
    fund.process(fac_on_titres(tmp_path, titres_of(retaut)), tmp_path / "out", FAC_DAY)
    with fund.sessions() as session:
        before = {t.titre_id: t.first_service_on for t in session.scalars(select(Titre)) if t.first_service_on}
    earlier, later = sorted(before)[:2] if len(before) > 1 else (sorted(before)[0], None)
    moves = {earlier: date(2024, 1, 2)} | ({later: date(2024, 12, 30)} if later else {})
    paid = pl.DataFrame(
        {"titre_id": list(moves), "act_code": ["ZK11"] * len(moves), "service_date": list(moves.values())}
    )
    with transaction(fund.sessions) as session:
        ledger.count_sessions(session, paid)
    with fund.sessions() as session:
        after = {t.titre_id: t.first_service_on for t in session.scalars(select(Titre)) if t.first_service_on}
    assert after[earlier] == date(2024, 1, 2)  # an earlier session moves it back
    if later:
        assert after[later] == before[later]  # a later one does not


def test_same_fac_twice_is_a_duplicate_and_never_paid_twice(fund: FundService, tmp_path: Path) -> None:
    _, retaut = granted(fund, tmp_path)
    path = fac_on_titres(tmp_path, titres_of(retaut))
    first = fund.process(path, tmp_path / "out", FAC_DAY)
    again = fund.process(path, tmp_path / "out", datetime(2024, 4, 3))
    assert again.status == "duplicate"
    assert (again.covered, again.items, again.accepted) == (first.covered, first.items, first.accepted)
    assert {f.code for f in again.findings} == {f.code for f in first.findings}
    assert count(fund, LedgerEntry) == 6 and count(fund, Deposit) == 2
    assert len(fund.payments_due()) == 1


def test_second_fac_for_the_same_month_is_refused(fund: FundService, tmp_path: Path) -> None:
    _, retaut = granted(fund, tmp_path)
    fund.process(fac_on_titres(tmp_path, titres_of(retaut)), tmp_path / "out", FAC_DAY)
    other = fac_on_titres(tmp_path, titres_of(retaut), reference="FA202403B")
    outcome = fund.process(other, tmp_path / "out2", FAC_DAY)
    assert outcome.status == "refused" and [f.code for f in outcome.findings] == ["K004"]
    retfac = read_file(next(p for p in outcome.written if "_RETFAC_" in p.name))
    assert isinstance(retfac, Retfac) and not retfac.invoices and retfac.anomalies[0].code == "K004"
    assert count(fund, Deposit) == 2 and count(fund, LedgerEntry) == 6


def test_reused_reference_is_refused(fund: FundService, tmp_path: Path) -> None:
    granted(fund, tmp_path)
    other = tmp_path / "again"
    other.mkdir()
    path = demaut_package(other)  # same reference, different content (new scans): a reused reference
    outcome = fund.process(path, tmp_path / "out", DEMAUT_DAY)
    assert outcome.status == "refused" and [f.code for f in outcome.findings] == ["K003"]
    assert count(fund, Deposit) == 1


def test_bad_name_is_refused_with_only_a_notification(fund: FundService, tmp_path: Path) -> None:
    path = tmp_path / "invoice-march.xml"
    path.write_bytes(example("FAC"))
    outcome = fund.process(path, tmp_path / "out", FAC_DAY)
    assert outcome.status == "refused" and outcome.file_type is None
    assert [p.name for p in outcome.written] == ["invoice-march.deposit.json"]
    assert outcome.findings and all(f.code.startswith("KIN-NAME") for f in outcome.findings)
    assert count(fund, Deposit) == 0


def test_xsd_failure_returns_the_fac_untreated_and_records_nothing(fund: FundService, tmp_path: Path) -> None:
    path = tmp_path / kin_name("FAC", "FA202403", date(2024, 4, 2))
    path.write_bytes(example("FAC").replace(b"<DatePrestation>2024-03-13", b"<DatePrestation>2024-13-13"))
    outcome = fund.process(path, tmp_path / "out", FAC_DAY)
    assert outcome.status == "refused"
    assert any(f.line is not None and f.location and "DatePrestation" in f.location for f in outcome.findings)
    retfac = read_file(next(p for p in outcome.written if "_RETFAC_" in p.name))
    assert isinstance(retfac, Retfac) and {a.code for a in retfac.anomalies} == {"K002"}
    assert count(fund, Deposit) == 0 and count(fund, LedgerEntry) == 0
    again = fund.process(path, tmp_path / "out", FAC_DAY)  # refused again, the same way
    assert [f.code for f in again.findings] == [f.code for f in outcome.findings]


def test_truncated_and_hostile_files_are_refused(fund: FundService, tmp_path: Path) -> None:
    truncated = tmp_path / kin_name("FAC", "FA1", date(2024, 4, 2))
    truncated.write_bytes(example("FAC")[:500])
    hostile = tmp_path / kin_name("FAC", "FA2", date(2024, 4, 2))
    hostile.write_bytes(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><FAC>&e;</FAC>')
    for path in (truncated, hostile):
        outcome = fund.process(path, tmp_path / "out", FAC_DAY)
        assert outcome.status == "refused" and outcome.findings
        assert all(f.file and path.name in f.file for f in outcome.findings)
    assert b"root:" not in b"".join(p.read_bytes() for p in (tmp_path / "out").iterdir())
    assert count(fund, Deposit) == 0


def test_a_crash_in_the_middle_leaves_nothing(
    fund: FundService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, retaut = granted(fund, tmp_path)
    path = fac_on_titres(tmp_path, titres_of(retaut))

    def disk_full(*args: object, **kwargs: object) -> None:  # fault injection after the ledger rows were added
        raise OSError("No space left on device")

    monkeypatch.setattr(retfac_writer.pl.DataFrame, "write_csv", disk_full)
    with pytest.raises(OSError, match="No space"):
        fund.process(path, tmp_path / "crash", FAC_DAY)
    monkeypatch.undo()
    assert count(fund, LedgerEntry) == 0 and count(fund, Deposit) == 1
    assert not (tmp_path / "crash").exists() or not any((tmp_path / "crash").iterdir())
    outcome = fund.process(path, tmp_path / "out", FAC_DAY)  # the same file afterwards is processed normally
    assert outcome.status == "accepted" and outcome.covered == Decimal("159.84")


def test_explain_a_processed_file_and_an_unprocessed_one(fund: FundService, tmp_path: Path) -> None:
    _, retaut = granted(fund, tmp_path)
    path = fac_on_titres(tmp_path, titres_of(retaut))
    before = fund.explain(path, FAC_DAY)  # not yet processed: run without recording
    assert count(fund, LedgerEntry) == 0
    fund.process(path, tmp_path / "out", FAC_DAY)
    after = fund.explain(path)
    assert [(e.code, e.where) for e in before] == [(e.code, e.where) for e in after]
    performer = next(e for e in after if e.code == "K209")
    assert performer.rule == "bill_performer_allowed" and "joint-invoicing" in performer.description
    assert performer.where == "invoice MH-2024-03-002, line 4" and performer.reference_version
    assert performer.history_tables == ["memberships"]
    assert "70034567" in (performer.detail or "")


def test_registries_and_reference_reload(fund: FundService, tmp_path: Path) -> None:
    fund.add_provider("70099999", "Kiné Nord", "physiotherapist")
    fund.add_provider("70088888", "Groupe Nord", "group", [("70099999", date(2024, 1, 1), None)])
    fund.add_insured("1990093012358", date(1990, 9, 30), [("CNS", date(2010, 1, 1), None)])
    with pytest.raises(ValueError, match="matricule"):
        fund.add_insured("1990093012359", date(1990, 9, 30), [("CNS", date(2010, 1, 1), None)])
    with pytest.raises(ValueError, match="add it first"):
        fund.add_provider("70077777", "Groupe Sud", "group", [("70066666", date(2024, 1, 1), None)])
    version = fund.reference().version
    assert fund.init() == version  # init again changes nothing


def test_hostile_package_is_refused_and_nothing_extracted(fund: FundService, tmp_path: Path) -> None:
    import io
    import zipfile

    name = kin_name("DEMAUT", "DA9", date(2024, 3, 7), extension="zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(kin_name("DEMAUT", "DA9", date(2024, 3, 7)), example("DEMAUT"))
        archive.writestr("../../outside.pdf", b"%PDF-1.4 not really")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    outcome = fund.process(path, tmp_path / "out", DEMAUT_DAY)
    assert outcome.status == "refused" and any(f.code.startswith("ZIP-") for f in outcome.findings)
    assert not (tmp_path.parent / "outside.pdf").exists() and count(fund, Deposit) == 0
    notification = json.loads((tmp_path / "out" / outcome.written[0].name).read_text())
    assert notification["status"] == "refused" and notification["reasons"][0]["code"].startswith("ZIP-")


def test_two_facs_of_one_month_at_the_same_time_one_wins(fund: FundService, tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    _, retaut = granted(fund, tmp_path)
    titres = titres_of(retaut)
    paths = [fac_on_titres(tmp_path, titres, reference=reference) for reference in ("FA202403", "FA202403B")]
    second = FundService(fund.database_url)  # another worker on the same database
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(
            pool.map(
                lambda args: args[0].process(args[1], tmp_path / "out", FAC_DAY), [(fund, paths[0]), (second, paths[1])]
            )
        )
    assert sorted(o.status for o in outcomes) == ["accepted", "refused"]
    (refused,) = [o for o in outcomes if o.status == "refused"]
    assert [f.code for f in refused.findings] == ["K004"]
    assert count(fund, LedgerEntry) == 6 and len(fund.payments_due()) == 1
    second.engine.dispose()


def test_a_scan_with_a_javascript_open_action_suspends_its_request_with_k108(fund: FundService, tmp_path: Path) -> None:
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    from .files import scan_pdf

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(scan_pdf())))  # PDF/A-labelled, A4, 250 DPI
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    hostile = io.BytesIO()
    writer.write(hostile)
    package = demaut_package(tmp_path, scans={"DA-2024-0002": hostile.getvalue()})
    outcome = fund.process(package, tmp_path / "out", DEMAUT_DAY)
    assert (outcome.accepted, outcome.suspended) == (3, 1)  # no titre for the request with the hostile scan
    (suspended,) = [f for f in outcome.findings if f.code == "K108"]
    assert suspended.location == "request DA-2024-0002" and "JavaScript" in suspended.message
