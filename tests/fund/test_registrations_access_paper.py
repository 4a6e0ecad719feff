"""Registrations at the fund, continued: access to electronic transmission (art. 3–4), the paper channel of the fund
(seed 002: the insured's postal request answered by a paper titre or a written refusal; the paper titre excludes
third-party payment when a practice bills on it, K218) and the liberal association's annual statement per member.
SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from tierspayant.schemes.lu_kin.formats.models import Retfac
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.fund import paper_requests as paper
from tierspayant.schemes.lu_kin.fund import registrations as reg
from tierspayant.schemes.lu_kin.fund import registrations_access as access
from tierspayant.schemes.lu_kin.fund import registrations_statement as statement
from tierspayant.schemes.lu_kin.fund.recording import add_deposit
from tierspayant.schemes.lu_kin.fund.registrations import Document, RegistrationError
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.store.fund.models import LedgerEntry, RegistrationEvent, Titre
from tierspayant.store.database import transaction

from .files import demaut_package, fac_on_titres
from .test_registrations import NOW, association, fund, granted_physio, pdf

__all__ = ["fund"]


def text_of(letter: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(letter)).pages)


# --- access to electronic transmission ---


def test_access_is_granted_and_its_credentials_issued_once(fund: FundService) -> None:
    code = granted_physio(fund)
    with transaction(fund.sessions) as session:
        asked = access.request_access(session, code, "Anna Neu", NOW)
        assert asked.status == "pending"
        granted = access.decide_access(session, asked.registration_id, "agent Weber", True, NOW)
        assert (granted.status, granted.provider_code) == ("granted", code)
    with transaction(fund.sessions) as session:
        assert access.issue_credentials(session, asked.registration_id, "agent Weber", NOW) == f"kin{code}"
    with transaction(fund.sessions) as session, pytest.raises(RegistrationError, match="never shown twice"):
        access.issue_credentials(session, asked.registration_id, "agent Weber", NOW)
    with fund.sessions() as session:
        actions = session.scalars(
            select(RegistrationEvent.action).where(RegistrationEvent.registration_id == asked.registration_id)
        ).all()
    assert actions == ["applied", "granted", "credentials_issued"]


def test_a_refusal_of_access_says_its_reasons_and_issues_nothing(fund: FundService) -> None:
    code = granted_physio(fund)
    with transaction(fund.sessions) as session:
        asked = access.request_access(session, code, "Anna Neu", NOW)
        with pytest.raises(RegistrationError, match="reasons"):
            access.decide_access(session, asked.registration_id, "agent Weber", False, NOW, reason="  ")
        refused = access.decide_access(session, asked.registration_id, "agent Weber", False, NOW, "no HealthNet")
        assert refused.status == "refused"
        with pytest.raises(RegistrationError, match="not granted"):
            access.issue_credentials(session, asked.registration_id, "agent Weber", NOW)
    with transaction(fund.sessions) as session:  # refused: the provider may ask again
        assert access.request_access(session, code, "Anna Neu", NOW).status == "pending"
        with pytest.raises(RegistrationError, match="already has an access request"):
            access.request_access(session, code, "Anna Neu", NOW)


def test_access_needs_a_provider_code_first(fund: FundService) -> None:
    with transaction(fund.sessions) as session, pytest.raises(RegistrationError, match="apply for a code first"):
        access.request_access(session, "70599999", "Nobody", NOW)


# --- the paper channel ---


def electronic_titres(fund: FundService, folder: Path) -> dict[str, str]:
    outcome = fund.process(demaut_package(folder), folder / "out", datetime(2024, 3, 7, 9, 30))
    retaut = read_file(next(p for p in outcome.written if "_RETAUT_" in p.name))
    return {d.matricule: d.titre_id for d in retaut.decisions if d.titre_id}  # type: ignore[union-attr]


def paper_titre_like(fund: FundService, electronic: str, facturier: str = "70012345") -> paper.PaperAnswer:
    """The insured of ``electronic``'s prescription asks by post instead; the agent grants a paper titre."""
    with transaction(fund.sessions) as session:
        titre = session.get(Titre, electronic)
        assert titre is not None
        acts = [(a.act_code, a.sessions) for a in session.scalars(select_acts(electronic))]
        number = paper.record_request(
            session, titre.matricule, date(2024, 3, 5), titre.prescriber_code, titre.prescription_date,
            titre.pathology, acts, "agent Weber", datetime(2024, 3, 6, 9, 0), facturier=facturier,
        )  # fmt: skip
        return paper.answer(session, number, "agent Weber", datetime(2024, 3, 6, 10, 0), True, rate_e2=titre.rate_e2)


def select_acts(titre_id: str):  # type: ignore[no-untyped-def]
    from tierspayant.schemes.lu_kin.store.fund.models import TitreAct

    return select(TitreAct).where(TitreAct.titre_id == titre_id).order_by(TitreAct.act_code)


def test_a_paper_titre_is_posted_and_excludes_third_party_payment(fund: FundService, tmp_path: Path) -> None:
    titres = electronic_titres(fund, tmp_path)
    first = next(iter(titres))
    answered = paper_titre_like(fund, titres[first])
    assert answered.status == "granted" and answered.titre_id is not None
    letter = text_of(answered.letter)
    assert "Titre de prise en charge" in letter and answered.titre_id in letter and "tiers payant est exclu" in letter
    with fund.sessions() as session:
        stored = session.get(Titre, answered.titre_id)
        assert stored is not None and stored.channel == "post" and stored.deposit_id is None
    # the practice bills the first patient's sessions on the paper titre: K218 refuses every one of them
    outcome = fund.process(
        fac_on_titres(tmp_path, {**titres, first: answered.titre_id}), tmp_path / "out", datetime(2024, 4, 2, 9, 30)
    )
    retfac = read_file(next(p for p in outcome.written if "_RETFAC_" in p.name))
    assert isinstance(retfac, Retfac)
    on_paper = [i for i in retfac.invoices if i.matricule == first]
    assert on_paper and all("K218" in [a.code for a in line.anomalies] for i in on_paper for line in i.lines)
    assert all(line.amount_covered == 0 for i in on_paper for line in i.lines)
    others = [line for i in retfac.invoices if i.matricule != first for line in i.lines]
    assert others and not any("K218" in [a.code for a in line.anomalies] for line in others)


def test_the_same_fac_on_the_electronic_titre_is_not_refused_by_k218(fund: FundService, tmp_path: Path) -> None:
    titres = electronic_titres(fund, tmp_path)
    paper_titre_like(fund, titres[next(iter(titres))])  # a paper titre exists, but the practice bills the other one
    outcome = fund.process(fac_on_titres(tmp_path, titres), tmp_path / "out", datetime(2024, 4, 2, 9, 30))
    retfac = read_file(next(p for p in outcome.written if "_RETFAC_" in p.name))
    assert isinstance(retfac, Retfac)
    assert not any("K218" in [a.code for a in line.anomalies] for i in retfac.invoices for line in i.lines)


def test_a_written_refusal_states_its_reasons_on_paper(fund: FundService) -> None:
    with transaction(fund.sessions) as session:
        number = paper.record_request(
            session, "1956031401288", date(2024, 3, 5), "90001234", date(2024, 3, 1), "COMMON", [("ZK11", 8)],
            "agent Weber", NOW,
        )  # fmt: skip
        with pytest.raises(RegistrationError, match="reasons"):
            paper.answer(session, number, "agent Weber", NOW, False)
        refused = paper.answer(session, number, "agent Weber", NOW, False, reason="ordonnance non signée")
        with pytest.raises(RegistrationError, match="already refused"):
            paper.answer(session, number, "agent Weber", NOW, True, rate_e2=8800)
    assert (refused.status, refused.titre_id) == ("refused", None)
    letter = text_of(refused.letter)
    assert "Refus de prise en charge" in letter and "ordonnance non signée" in letter and "ZK11" in letter
    with fund.sessions() as session:
        assert paper.letter_of(session, number) == refused.letter
        [exported] = paper.export_json(session)
    assert (exported["recorded_by"], exported["decided_by"], exported["status"]) == ("agent Weber",) * 2 + ("refused",)
    assert exported["acts"] == [["ZK11", 8]] and exported["letter_sha256"] == hashlib.sha256(refused.letter).hexdigest()
    with fund.sessions() as session:
        assert session.scalars(select(Titre).where(Titre.channel == "post")).all() == []


def test_a_postal_request_with_a_bad_matricule_or_no_act_is_not_recorded(fund: FundService) -> None:
    with transaction(fund.sessions) as session:
        with pytest.raises(RegistrationError, match="matricule"):
            paper.record_request(
                session, "1956031401289", date(2024, 3, 5), "90001234", date(2024, 3, 1), "COMMON", [("ZK11", 8)],
                "agent Weber", NOW,
            )  # fmt: skip
        with pytest.raises(RegistrationError, match="at least one act"):
            paper.record_request(
                session, "1956031401288", date(2024, 3, 5), "90001234", date(2024, 3, 1), "COMMON", [],
                "agent Weber", NOW,
            )  # fmt: skip
    with fund.sessions() as session:
        assert paper.requests(session) == []


# --- the liberal association's annual statement ---


def paid(
    fund: FundService, association_code: str, days: list[tuple[date, int]], matricule: str = "1956031401288"
) -> None:
    """What the fund paid the association for services on ``days`` (as an accepted FAC's ledger records it)."""
    with transaction(fund.sessions) as session:
        deposit = add_deposit(
            session, file_name="FAC.xml", sha256=(association_code * 8)[:64], provider_code=association_code,
            file_type="FAC", reference="FA2024", period_year=2024, period_month=1, received_at=NOW,
            reference_version="sample", item_count=len(days), accepted_count=len(days), outcome_json="{}",
        )  # fmt: skip
        session.add_all(
            LedgerEntry(
                matricule=matricule,
                service_date=day,
                act_code="ZK11",
                deposit_id=deposit.id,
                titre_id="T",
                performer_code="70023456",
                invoice_number="1",
                line_number=n,
                covered_cents=cents,
            )
            for n, (day, cents) in enumerate(days, 1)
        )


def signed() -> Document:
    return Document("signed_confirmation", "signed.pdf", pdf("I confirm"))


def test_each_member_s_statement_follows_the_confirmed_dates(fund: FundService) -> None:
    common = association(fund)
    anna, ben, cleo = granted_physio(fund, "Anna"), granted_physio(fund, "Ben"), granted_physio(fund, "Cleo")
    with transaction(fund.sessions) as session:
        reg.declare_member(session, common, anna, "join", date(2023, 6, 1), "freelance", "Kiné Libre", NOW, signed())
        reg.declare_member(session, common, anna, "leave", date(2024, 7, 1), "freelance", "Kiné Libre", NOW, signed())
        reg.declare_member(session, common, ben, "join", date(2024, 3, 1), "freelance", "Kiné Libre", NOW, signed())
        # Cleo's joining is declared but she never confirmed it by a signed document: no statement for her
        reg.declare_member(session, common, cleo, "join", date(2024, 1, 1), "freelance", "Kiné Libre", NOW)
    paid(fund, common, [(date(2024, 2, 1), 1000), (date(2024, 6, 30), 2000), (date(2024, 7, 1), 4000)])
    with fund.sessions() as session:
        statements = statement.annual_statement(session, common, 2024)
    assert [(s.member_code, s.periods, s.services, s.covered_cents) for s in statements] == [
        (anna, ((date(2024, 1, 1), date(2024, 6, 30)),), 2, 3000),
        (ben, ((date(2024, 3, 1), date(2024, 12, 31)),), 2, 6000),
    ]
    csv_text = statement.statement_csv(statements)
    assert csv_text.splitlines()[1] == f"{anna},Anna,2024-01-01/2024-06-30,2,30.00"
    with fund.sessions() as session, pytest.raises(RegistrationError, match="not a registered liberal association"):
        statement.annual_statement(session, "70012345", 2024)
    assert json.dumps([s.member_code for s in statements])


_SERVICE: list[FundService] = []


def shared_fund() -> FundService:
    """One SQLite fund for every example (a fresh association and patient per example keep them apart)."""
    if not _SERVICE:
        folder = Path(tempfile.mkdtemp(prefix="statement-"))
        service = FundService(f"sqlite:///{folder / 'fund.sqlite'}")
        service.init()
        _SERVICE.append(service)
    return _SERVICE[0]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(min_value=0, max_value=800), min_size=1, max_size=6, unique=True),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=800), st.integers(1, 9999)), max_size=12, unique_by=lambda t: t[0]
    ),
)
def test_a_statement_sums_exactly_the_services_inside_the_member_s_periods(
    offsets: list[int], services: list[tuple[int, int]]
) -> None:
    fund, start = shared_fund(), date(2023, 6, 1)
    common, member = association(fund), granted_physio(fund, "Member")
    changes = sorted(start + timedelta(days=o) for o in offsets)
    with transaction(fund.sessions) as session:
        for i, day in enumerate(changes):
            change = "join" if i % 2 == 0 else "leave"
            reg.declare_member(session, common, member, change, day, "freelance", "Kiné Libre", NOW, signed())
    patient = f"P{common}"  # one patient per association: the ledger's key stays unique across examples
    paid(fund, common, [(start + timedelta(days=o), cents) for o, cents in services], matricule=patient)
    with fund.sessions() as session:
        statements = statement.annual_statement(session, common, 2024)

    def inside(day: date) -> bool:  # the oracle: a member after an odd number of changes up to that day
        return sum(d <= day for d in changes) % 2 == 1

    counted = [(start + timedelta(days=o), c) for o, c in services]
    counted = [(d, c) for d, c in counted if d.year == 2024 and inside(d)]
    member_in_2024 = any(inside(date(2024, 1, 1) + timedelta(days=n)) for n in range(366))
    if not member_in_2024:
        assert statements == []
        return
    (one,) = statements
    assert (one.member_code, one.services, one.covered_cents) == (member, len(counted), sum(c for _, c in counted))
