"""A titre the insured obtained himself by post (seed 002): the practice records it from the paper, never bills it in
third-party payment, and a FAC line on it is refused by the real fund engine with K218 — while a titre granted on the
practice's DEMAUT is paid. Also the printed documents of such a titre, in French, German and English."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.formats.models import BilledLine, Fac, Invoice
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.formats.writer import write_file
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.practice.domain import PrescriptionStatus
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput
from tierspayant.schemes.lu_kin.practice.titres import PaperTitre
from tierspayant.schemes.lu_kin.store.fund.models import Titre as FundTitre
from tierspayant.schemes.lu_kin.store.fund.models import TitreAct as FundTitreAct
from tierspayant.schemes.lu_kin.titre import make_titre_id
from tierspayant.store.database import transaction

from .conftest import GROUP_FACTURIER, PHYSIO_A, PHYSIO_B
from .helpers import Clock
from .test_month_end_to_end import deposit, fund  # noqa: F401  (the real fund engine, its fixture)
from .workflow import ACT, DUPONT, KNOWN_PRESCRIBER, MARTIN, add_patients, expected_price, prescription

PAPER = make_titre_id(2024, 7777)  # a number the fund gave the insured on paper
RATE = Decimal("70.00")


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def paper(prescription_id: int, by_insured: bool = True, **changes: object) -> PaperTitre:
    values: dict[str, object] = {
        "identifier": PAPER,
        "prescription_id": prescription_id,
        "issued_on": date(2024, 2, 28),
        "valid_from": date(2024, 3, 1),
        "valid_to": date(2024, 5, 31),
        "coverage_rate": RATE,
        "sessions": {ACT: 6},
        "obtained_by_insured": by_insured,
        **changes,
    }
    return PaperTitre(**values)  # type: ignore[arg-type]


def the_fund_issued_it_by_post(fund_service: FundService) -> None:
    """The fund's own record of the titre it sent the insured on paper (no DEMAUT: nothing to deposit for it)."""
    with transaction(fund_service.sessions) as db:
        db.add(
            FundTitre(
                titre_id=PAPER,
                request_id="POST-7777",
                matricule=MARTIN,
                facturier=GROUP_FACTURIER,
                prescriber_code=KNOWN_PRESCRIBER,
                prescription_date=date(2024, 2, 26),
                pathology="COMMON",
                issued_on=date(2024, 2, 28),
                valid_from=date(2024, 3, 1),
                valid_to=date(2024, 5, 31),
                rate_e2=7000,
                channel="post",
            )
        )
        db.add(FundTitreAct(titre_id=PAPER, act_code=ACT, sessions=6, sessions_paid=0))


def codes(error: pytest.ExceptionInfo[FindingsError]) -> list[str]:
    return [f.code for f in error.value.findings]


def test_a_paper_titre_is_recorded_and_checked(service: PracticeService, clock: Clock) -> None:
    add_patients(service)
    clock.set(date(2024, 2, 27))
    martin = service.add_prescription(prescription(MARTIN, PHYSIO_B))
    with pytest.raises(FindingsError) as error:
        service.record_paper_titre(paper(martin.id, identifier=PAPER[:-1] + str((int(PAPER[-1]) + 1) % 10)))
    assert codes(error) == ["PRA-PAPER-TITRE"] and "check" in str(error.value.findings[0].message).lower()
    with pytest.raises(FindingsError) as error:
        service.record_paper_titre(paper(martin.id, valid_to=date(2024, 2, 1)))
    assert error.value.findings[0].location == "valid_from"
    with pytest.raises(FindingsError) as error:
        service.record_paper_titre(paper(martin.id, sessions={"ZZ99": 3}))
    assert "ZZ99" in error.value.findings[0].message
    record = service.record_paper_titre(paper(martin.id))
    assert (record.identifier, record.matricule, record.by_post) == (PAPER, MARTIN, True)
    assert [(a.act_code, a.sessions) for a in record.acts] == [(ACT, 6)]
    assert {p.matricule: p.status for p in service.prescriptions()}[MARTIN] is PrescriptionStatus.ACCEPTED
    with pytest.raises(FindingsError) as error:
        service.record_paper_titre(paper(martin.id))
    assert "already recorded" in error.value.findings[0].message


def test_a_fac_line_on_a_titre_the_insured_got_by_post_is_refused_k218_and_a_demaut_titre_s_is_not(
    group_practice: PracticeService,
    fund: FundService,  # noqa: F811
    clock: Clock,
    tmp_path: Path,
) -> None:
    practice, outbox = group_practice, tmp_path / "fund-outbox"
    add_patients(practice)
    clock.set(date(2024, 2, 26))
    martin = practice.add_prescription(prescription(MARTIN, PHYSIO_B))
    practice.record_paper_titre(paper(martin.id))  # Martin brought the paper titre: no request for him
    practice.add_prescription(prescription(DUPONT, PHYSIO_A))
    clock.set(date(2024, 2, 27))
    outcome, retaut = deposit(fund, practice.build_request(), outbox, date(2024, 2, 27))
    assert (outcome.items, outcome.accepted) == (1, 1)  # only Dupont's prescription went to the fund
    practice.import_return(retaut)
    the_fund_issued_it_by_post(fund)
    titres = {t.matricule: t for t in practice.titres()}
    demaut_titre = titres[DUPONT].identifier
    assert titres[MARTIN].by_post and not titres[DUPONT].by_post

    clock.set(date(2024, 3, 29))
    for day in (4, 6, 8):
        practice.add_session(SessionInput(demaut_titre, date(2024, 3, day)))
        practice.add_session(SessionInput(PAPER, date(2024, 3, day), performer_code=PHYSIO_B))
    clock.set(date(2024, 4, 2))
    fac_path = practice.bill("2024-03")
    fac = read_file(fac_path)
    assert isinstance(fac, Fac)
    assert {line.titre_id for i in fac.invoices for line in i.lines} == {demaut_titre}  # the practice leaves it out

    # Another program bills the paper titre anyway: the same FAC with Martin's sessions added.
    tariff, insured, asked = expected_price(ACT, date(2024, 3, 4), RATE)
    martin_lines = [
        BilledLine(
            line_number=n,
            titre_id=PAPER,
            service_date=date(2024, 3, day),
            act_code=ACT,
            performer_code=PHYSIO_B,
            place_category=fac.invoices[0].lines[0].place_category,
            tariff=tariff,
            insured_share=insured,
            amount_asked=asked,
        )
        for n, day in enumerate((4, 6, 8), start=1)
    ]
    both = Fac(
        header=fac.header,
        invoices=[*fac.invoices, Invoice(invoice_number="PAPER-1", matricule=MARTIN, fund="CMFEP", lines=martin_lines)],
    )
    name = KinFileName.parse(fac_path.name)
    both_path = tmp_path / fac_path.name
    write_file(both, both_path)
    assert KinFileName.parse(both_path.name) == name
    outcome, _retfac = deposit(fund, both_path, outbox, date(2024, 4, 2))
    assert (outcome.items, outcome.accepted, outcome.refused) == (6, 3, 3)
    found = [f for f in outcome.findings if f.code == "K218"]
    assert len(found) == 3, outcome.findings
    assert all(PAPER in f.message for f in found)
    assert not [f for f in outcome.findings if demaut_titre in f.message]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["Mémoire d'honoraires", "Montant à payer par la personne protégée", "04/03/2024", "3 séance(s)"]),
        ("de", ["Honorarnote", "Von der geschützten Person zu zahlender Betrag", "04.03.2024", "3 Sitzung(en)"]),
        ("en", ["Fee note", "Amount payable by the protected person", "04/03/2024", "3 session(s)"]),
    ],
)
def test_the_memoire_of_a_paper_titre_in_each_language(
    group_practice: PracticeService, clock: Clock, language: str, words: list[str]
) -> None:
    service = group_practice
    add_patients(service)
    clock.set(date(2024, 2, 27))
    martin = service.add_prescription(prescription(MARTIN, PHYSIO_B))
    service.record_paper_titre(paper(martin.id))
    clock.set(date(2024, 3, 29))
    for day in (4, 6, 8):
        service.add_session(SessionInput(PAPER, date(2024, 3, day), performer_code=PHYSIO_B))
    clock.set(datetime(2024, 4, 2, 10))
    text = pdf_text(service.print_memoire(MARTIN, "2024-03", language))
    tariff, _insured, _asked = expected_price(ACT, date(2024, 3, 4), RATE)
    for word in [*words, PAPER, MARTIN, f"{3 * tariff:.2f}"]:
        assert word in text, (language, word)
    others = {"fr": "Montant à payer", "de": "Honorarnote", "en": "Fee note"}
    assert all(others[o] not in text for o in others if o != language)
    titre = pdf_text(service.print_titre(PAPER, language))
    validity = {"fr": "du 01/03/2024 au 31/05/2024", "de": "vom 01.03.2024 bis 31.05.2024",
                "en": "from 01/03/2024 to 31/05/2024"}[language]  # fmt: skip
    post = {"fr": "obtenu par l'assuré par voie postale", "de": "auf dem Postweg erhalten",
            "en": "obtained by the insured by post"}[language]  # fmt: skip
    assert validity in titre.replace("\n", " ")
    assert post in titre.replace("\n", " ")


def test_the_patient_s_language_wins_over_the_user_s(group_practice: PracticeService, clock: Clock) -> None:
    service = group_practice
    add_patients(service)
    clock.set(date(2024, 2, 27))
    martin = service.add_prescription(prescription(MARTIN, PHYSIO_B))
    service.record_paper_titre(paper(martin.id))
    service.set_patient_language(MARTIN, "de")
    assert "Kennung des Titre" in pdf_text(service.print_titre(PAPER, "en"))
    service.set_patient_language(MARTIN, None)
    assert "Titre identifier" in pdf_text(service.print_titre(PAPER, "en"))
    assert "Identifiant du titre" in pdf_text(service.print_titre(PAPER))  # nobody said: French
    with pytest.raises(FindingsError) as error:
        service.set_patient_language(MARTIN, "nl")
    assert codes(error) == ["PRA-LANGUAGE"]
