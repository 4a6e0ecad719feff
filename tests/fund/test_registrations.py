"""Registrations at the fund (seed 002): provider codes, joint-invoicing groups, liberal associations — each refusal
and its near miss, and the end to end: a new physiotherapist is granted a code, joins a group from a date, and the
group's next FAC is paid for that performer only from that date. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfgen import canvas
from sqlalchemy import select
from typer.testing import CliRunner

from tierspayant.cli import app
from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.examples import example_model
from tierspayant.schemes.lu_kin.formats.models import Fac, Retfac
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.formats.writer import to_bytes
from tierspayant.schemes.lu_kin.fund import registrations as reg
from tierspayant.schemes.lu_kin.fund.registrations import Document, RegistrationError
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.store.fund.models import MemberChange, Membership, Provider
from tierspayant.store.database import transaction

from .files import demaut_package, kin_name

NOW = datetime(2024, 2, 20, 10, 0)
GROUP = "70012345"  # the SAMPLE joint-invoicing group (facturier of the example FAC)
FOUR = ("information_sheet", "authorisation", "identity", "bank_details")


def pdf(text: str = "signed") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def documents(*roles: str, not_pdf: str | None = None) -> list[Document]:
    return [Document(role, f"{role}.pdf", b"GIF89a not a pdf" if role == not_pdf else pdf(role)) for role in roles]


@pytest.fixture
def fund(database_url: str) -> FundService:
    service = FundService(database_url)
    service.init()
    return service


def memberships(fund: FundService, member: str) -> list[tuple[str, date, date, str]]:
    with fund.sessions() as session:
        rows = session.scalars(select(Membership).where(Membership.member_code == member).order_by(Membership.id))
        return [(m.group_code, m.valid_from, m.valid_to, m.source) for m in rows]


def granted_physio(fund: FundService, name: str = "Anna Neu", code: str | None = None) -> str:
    with transaction(fund.sessions) as session:
        applied = reg.apply(session, name, name, "physiotherapist", documents(*FOUR), NOW)
        decided = reg.decide(session, applied.registration_id, "agent Weber", True, NOW, code=code)
    assert decided.provider_code is not None
    return decided.provider_code


# --- provider codes ---


def test_complete_application_waits_for_an_agent_who_grants_a_code(fund: FundService) -> None:
    with transaction(fund.sessions) as session:
        applied = reg.apply(session, "Anna Neu", "Anna Neu", "physiotherapist", documents(*FOUR), NOW)
        assert (applied.status, applied.findings) == ("pending", [])
        decided = reg.decide(session, applied.registration_id, "agent Weber", True, NOW)
    assert (decided.status, decided.provider_code) == ("granted", "70500001")
    with fund.sessions() as session:
        provider = session.get(Provider, "70500001")
        assert provider is not None and (provider.name, provider.kind) == ("Anna Neu", "physiotherapist")
        (exported,) = reg.export_json(session)
    assert [e["action"] for e in exported["history"]] == ["applied", "granted"]
    assert [e["actor"] for e in exported["history"]] == ["Anna Neu", "agent Weber"]
    assert [d["role"] for d in exported["documents"]] == list(FOUR)


@pytest.mark.parametrize("missing", FOUR)
def test_a_missing_document_refuses_the_application(fund: FundService, missing: str) -> None:
    with transaction(fund.sessions) as session:
        applied = reg.apply(
            session, "Anna Neu", "Anna Neu", "physiotherapist", documents(*(r for r in FOUR if r != missing)), NOW
        )
    assert applied.status == "refused"
    assert [f.code for f in applied.findings] == ["REG-DOC-MISSING"]
    assert missing.replace("_", " ") + " is missing" in applied.reason
    with fund.sessions() as session, pytest.raises(RegistrationError, match="already refused"):
        reg.decide(session, applied.registration_id, "agent Weber", True, NOW)


def test_a_document_that_is_not_a_pdf_refuses_the_application(fund: FundService) -> None:
    with transaction(fund.sessions) as session:
        applied = reg.apply(
            session, "Anna Neu", "Anna Neu", "physiotherapist", documents(*FOUR, not_pdf="identity"), NOW
        )
    assert applied.status == "refused"
    assert [(f.code, f.file) for f in applied.findings] == [("REG-DOC-NOT-PDF", "identity.pdf")]
    assert "not a PDF" in applied.reason


def test_an_agent_refuses_with_a_reason_and_no_code_is_given(fund: FundService) -> None:
    with transaction(fund.sessions) as session:
        applied = reg.apply(session, "Anna Neu", "Anna Neu", "physiotherapist", documents(*FOUR), NOW)
        with pytest.raises(RegistrationError, match="reason"):
            reg.decide(session, applied.registration_id, "agent Weber", False, NOW, reason=" ")
        why = "authorisation expired"
        refused = reg.decide(session, applied.registration_id, "agent Weber", False, NOW, reason=why)
    assert refused.status == "refused" and refused.provider_code is None
    with fund.sessions() as session:
        assert session.get(Provider, "70500001") is None
        rows = list(csv.DictReader(io.StringIO(reg.export_csv(session))))
    assert [(r["action"], r["actor"], r["status"]) for r in rows] == [
        ("applied", "Anna Neu", "refused"),
        ("refused", "agent Weber", "refused"),
    ]
    assert rows[1]["detail"] == "authorisation expired"


# --- joint-invoicing group ---


def test_a_group_declaration_in_advance_writes_the_membership(fund: FundService) -> None:
    code = granted_physio(fund)
    with transaction(fund.sessions) as session:
        joined = reg.declare_member(session, GROUP, code, "join", NOW.date(), "employee", "Cabinet Sample", NOW)
        left = reg.declare_member(session, GROUP, code, "leave", date(2024, 6, 1), "employee", "Cabinet Sample", NOW)
    assert (joined.status, left.status) == ("declared", "declared")
    assert memberships(fund, code) == [(GROUP, date(2024, 2, 20), date(2024, 5, 31), "registration")]


def test_a_group_declaration_after_the_date_is_refused(fund: FundService) -> None:
    code = granted_physio(fund)
    with transaction(fund.sessions) as session:
        late = reg.declare_member(session, GROUP, code, "join", date(2024, 2, 19), "freelance", "Cabinet Sample", NOW)
    assert late.status == "refused" and [f.code for f in late.findings] == ["REG-NOT-IN-ADVANCE"]
    assert memberships(fund, code) == []


def test_a_performer_without_a_code_cannot_be_declared(fund: FundService) -> None:
    with fund.sessions() as session, pytest.raises(RegistrationError, match="applies for a code first"):
        reg.declare_member(session, GROUP, "70599999", "join", NOW.date(), "employee", "Cabinet Sample", NOW)


def test_an_import_of_official_files_keeps_the_declared_members(fund: FundService) -> None:
    code = granted_physio(fund)
    with transaction(fund.sessions) as session:
        reg.declare_member(session, GROUP, code, "join", NOW.date(), "employee", "Cabinet Sample", NOW)
    fund.add_provider(GROUP, "Cabinet Sample", "group", [("70023456", date(2020, 1, 1), None)])
    assert memberships(fund, code) == [(GROUP, date(2024, 2, 20), date(9999, 12, 31), "registration")]


# --- liberal association ---


def association(fund: FundService) -> str:
    with transaction(fund.sessions) as session:
        applied = reg.apply(
            session, "Kiné Libre", "Kiné Libre", "association", documents("information_sheet", "bank_details"), NOW
        )
        return reg.decide(session, applied.registration_id, "agent Weber", True, NOW).provider_code or ""


def test_an_unconfirmed_association_member_is_not_a_member(fund: FundService) -> None:
    common, code = association(fund), granted_physio(fund)
    with transaction(fund.sessions) as session:
        declared = reg.declare_member(session, common, code, "join", date(2024, 1, 1), "freelance", "Kiné Libre", NOW)
        not_pdf = reg.confirm(session, declared.registration_id, Document("x", "signed.jpg", b"\xff\xd8"), code, NOW)
    assert declared.status == "declared" and not_pdf.status == "declared"
    assert [f.code for f in not_pdf.findings] == ["REG-DOC-NOT-PDF"]
    assert memberships(fund, code) == []


def test_a_confirmed_association_member_is_a_member_from_the_date(fund: FundService) -> None:
    common, code = association(fund), granted_physio(fund)
    with transaction(fund.sessions) as session:
        declared = reg.declare_member(
            session, common, code, "join", date(2024, 1, 1), "freelance", "Kiné Libre", NOW, signed=None
        )
        confirmed = reg.confirm(session, declared.registration_id, Document("x", "signed.pdf", pdf()), code, NOW)
    assert confirmed.status == "confirmed"  # a dated change of an association may be confirmed afterwards
    assert memberships(fund, code) == [(common, date(2024, 1, 1), date(9999, 12, 31), "registration")]


# --- end to end: the group's next FAC ---


def fac_with_performer(folder: Path, titres: dict[str, str], performer: str) -> Path:
    """The example FAC, the first patient's lines (11, 13, 15, 18 March 2024) performed by ``performer``."""
    fac = example_model("FAC")
    assert isinstance(fac, Fac)
    invoices = []
    for number, invoice in enumerate(fac.invoices):
        lines = [
            line.model_copy(
                update={"titre_id": titres[invoice.matricule]} | ({"performer_code": performer} if number == 0 else {})
            )
            for line in invoice.lines
        ]
        invoices.append(invoice.model_copy(update={"lines": lines}))
    path = folder / kin_name("FAC", "FA202403", date(2024, 4, 2))
    path.write_bytes(to_bytes(Fac.model_validate({"header": fac.header, "invoices": invoices})))
    return path


@pytest.mark.parametrize(("joined", "refused_days"), [(date(2024, 3, 12), [11]), (date(2024, 3, 11), [])])
def test_new_physiotherapist_is_paid_in_the_group_fac_only_from_the_declared_date(
    fund: FundService, tmp_path: Path, joined: date, refused_days: list[int]
) -> None:
    code = granted_physio(fund, "Anna Neu")
    with transaction(fund.sessions) as session:
        reg.declare_member(session, GROUP, code, "join", joined, "employee", "Cabinet Sample", NOW)
    demaut = fund.process(demaut_package(tmp_path), tmp_path / "out", datetime(2024, 3, 7, 9, 30))
    retaut = read_file(next(p for p in demaut.written if "_RETAUT_" in p.name))
    titres = {d.matricule: d.titre_id for d in retaut.decisions if d.titre_id}  # type: ignore[union-attr]
    outcome = fund.process(fac_with_performer(tmp_path, titres, code), tmp_path / "out", datetime(2024, 4, 2, 9, 30))
    retfac = read_file(next(p for p in outcome.written if "_RETFAC_" in p.name))
    assert isinstance(retfac, Retfac)
    day = {1: 11, 2: 13, 3: 15, 4: 18}  # the example FAC's first invoice: line number → service day in March 2024
    first = retfac.invoices[0]
    refused = [day[line.line_number] for line in first.lines if "K209" in [a.code for a in line.anomalies]]
    assert refused == refused_days
    paid = [day[line.line_number] for line in first.lines if line.amount_covered > 0]
    assert paid == [d for d in (11, 13, 15, 18) if d not in refused_days]
    assert json.loads(json.dumps(outcome.to_dict()))["status"] == "accepted"


# --- commands ---


def test_registration_commands_apply_decide_declare_and_export(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    db = ["--database-url", database_url]
    assert runner.invoke(app, ["fund", "init", *db]).exit_code == 0
    for role in FOUR:
        (tmp_path / f"{role}.pdf").write_bytes(pdf(role))
    (tmp_path / "identity.png").write_bytes(b"\x89PNG\r\n")
    apply = ["fund", "registration", "apply", "--name", "Anna Neu", "--applicant", "Anna Neu", "--json", *db]
    sheets = ["--document", f"information_sheet={tmp_path / 'information_sheet.pdf'}"]
    sheets += ["--document", f"authorisation={tmp_path / 'authorisation.pdf'}"]
    sheets += ["--document", f"bank_details={tmp_path / 'bank_details.pdf'}"]
    bad = runner.invoke(app, [*apply, *sheets, "--document", f"identity={tmp_path / 'identity.png'}"])
    assert bad.exit_code == 1 and json.loads(bad.stdout)["status"] == "refused"
    good = runner.invoke(app, [*apply, *sheets, "--document", f"identity={tmp_path / 'identity.pdf'}"])
    assert good.exit_code == 0, good.output
    pending = json.loads(good.stdout)
    assert pending["status"] == "pending"
    decided = runner.invoke(
        app, ["fund", "registration", "decide", str(pending["registration"]), "--agent", "agent Weber", "--grant", *db]
    )
    assert decided.exit_code == 0, decided.output
    assert "provider code 70500001" in decided.output
    declare = ["fund", "registration", "declare-member", GROUP, "70500001", "--by", "Cabinet Sample", *db]
    late = runner.invoke(app, [*declare, "--on", "2024-03-11", "--at", "2024-03-12T08:00:00"])
    assert late.exit_code == 1 and "in advance" in late.output
    ok = runner.invoke(app, [*declare, "--on", "2024-03-12", "--at", "2024-03-12T08:00:00"])
    assert ok.exit_code == 0, ok.output
    out = tmp_path / "registrations.csv"
    exported = runner.invoke(app, ["fund", "registration", "export", "--format", "csv", "--output", str(out), *db])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["registration"], r["action"]) for r in rows] == [
        ("1", "applied"),
        ("1", "refused"),
        ("2", "applied"),
        ("2", "granted"),
        ("3", "declared"),
        ("3", "refused"),
        ("4", "declared"),
    ]
    as_json = json.loads(runner.invoke(app, ["fund", "registration", "export", *db]).stdout)
    assert as_json[3]["member_change"] == {
        "member_code": "70500001",
        "change": "join",
        "on_date": "2024-03-12",
        "employment": "employee",
    }


# --- periods from changes ---


def test_leaving_when_not_a_member_is_refused_and_leaving_after_joining_is_not(fund: FundService) -> None:
    code = granted_physio(fund)

    def declare(change: str, on: date) -> reg.Result:
        return reg.declare_member(session, GROUP, code, change, on, "employee", "Cabinet Sample", NOW)

    with transaction(fund.sessions) as session:
        stray = declare("leave", date(2024, 3, 1))
        joined = declare("join", date(2024, 3, 1))
        twice = declare("join", date(2024, 4, 1))
        same_day = declare("leave", date(2024, 3, 1))
        next_day = declare("leave", date(2024, 3, 2))
    assert [f.code for f in stray.findings] == ["REG-NOT-MEMBER"]
    assert [f.code for f in twice.findings] == ["REG-ALREADY-MEMBER"]
    assert [f.code for f in same_day.findings] == ["REG-NOT-MEMBER"]  # leaving the day one joins: never in
    assert (joined.status, next_day.status) == ("declared", "declared")
    assert memberships(fund, code) == [(GROUP, date(2024, 3, 1), date(2024, 3, 1), "registration")]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=8, unique=True))
def test_periods_cover_exactly_the_days_after_an_odd_number_of_changes(offsets: list[int]) -> None:
    start = date(2024, 1, 1)
    days = sorted(start + timedelta(days=o) for o in offsets)
    changes = [
        MemberChange(group_code=GROUP, member_code="70500001", change="join" if i % 2 == 0 else "leave", on_date=d)
        for i, d in enumerate(days)
    ]
    periods, findings = reg._periods(changes, "test")
    assert findings == []
    for probe in range(-1, 403):
        day = start + timedelta(days=probe)
        member = sum(d <= day for d in days) % 2 == 1  # the oracle: in after a join, out after a leave
        assert any(a <= day <= b for a, b in periods) == member, day


# --- documents in a ZIP package, and their size ---


def package(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_documents_from_a_package_are_named_by_their_role(fund: FundService) -> None:
    sent = reg.documents_from_package(package({f"{role}.pdf": pdf(role) for role in FOUR}), "anna.zip")
    assert [(d.role, d.file_name) for d in sent] == [(role, f"{role}.pdf") for role in FOUR]
    with transaction(fund.sessions) as session:
        assert reg.apply(session, "Anna Neu", "Anna Neu", "physiotherapist", sent, NOW).status == "pending"


def test_a_package_escaping_its_folder_is_refused_before_anything_is_recorded() -> None:
    with pytest.raises(FindingsError) as refused:
        reg.documents_from_package(package({"../identity.pdf": pdf()}), "anna.zip")
    assert "ZIP-PATH-TRAVERSAL" in [f.code for f in refused.value.findings]


def test_a_document_over_the_size_limit_is_refused_unparsed() -> None:
    over = Document("identity", "identity.pdf", b"%PDF-1.4\n" + bytes(reg.MAX_DOCUMENT_BYTES))
    assert [f.code for f in reg.document_findings(over, "test")] == ["REG-DOC-TOO-LARGE"]
    assert reg.document_findings(Document("identity", "identity.pdf", pdf()), "test") == []


def test_a_code_already_given_cannot_be_granted_again(fund: FundService) -> None:
    with transaction(fund.sessions) as session:
        applied = reg.apply(session, "Anna Neu", "Anna Neu", "physiotherapist", documents(*FOUR), NOW)
        with pytest.raises(RegistrationError, match="already given"):
            reg.decide(session, applied.registration_id, "agent Weber", True, NOW, code="70023456")  # SAMPLE
    assert granted_physio(fund, code="70023457") == "70023457"
