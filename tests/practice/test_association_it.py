"""Association member statements, the IT flat rate, and printing through the facade."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from tierspayant.core.findings import FindingsError
from tierspayant.core.money import from_cents
from tierspayant.schemes.lu_kin.fund.it_flat_rate import prorated as fund_prorated
from tierspayant.schemes.lu_kin.it_flat_rate import prorated
from tierspayant.schemes.lu_kin.practice.domain import InvoicingForm
from tierspayant.schemes.lu_kin.practice.it_flat_rate import address_key
from tierspayant.schemes.lu_kin.practice.service import PracticeService
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput
from tierspayant.schemes.lu_kin.practice.setup import PracticeInfo
from tierspayant.schemes.lu_kin.reference import load_reference_dir, load_sample_reference
from tierspayant.schemes.lu_kin.reference.loader import sample_files

from .conftest import PHYSIO_A, PHYSIO_B
from .fund_files import retfac_for
from .helpers import Clock
from .workflow import DUPONT, TITRE_DUPONT, TITRE_MARTIN, authorised_practice

ASSOCIATION = "44440001"


def codes(error: pytest.ExceptionInfo[FindingsError]) -> list[str]:
    return [f.code for f in error.value.findings]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def association(service: PracticeService, clock: Clock, tmp_path: Path) -> PracticeService:
    """A liberal association opened 2024-03-01; A member since then, B joins 2024-03-15; a month billed and paid."""
    service.setup_practice(
        PracticeInfo(
            "Association Kiné Nord",
            "5, Grand-Rue",
            "9050",
            "Ettelbruck",
            InvoicingForm.ASSOCIATION,
            ASSOCIATION,
            opened_on=date(2024, 3, 1),
        )
    )
    service.add_physiotherapist(PHYSIO_A, "Paul Weber")
    service.add_physiotherapist(PHYSIO_B, "Marie Schmit")
    service.add_member(PHYSIO_A, date(2024, 3, 1))
    service.add_member(PHYSIO_B, date(2024, 3, 15))
    authorised_practice(service, clock, tmp_path / "inbox")
    clock.set(date(2024, 3, 31))
    for day in (4, 6, 18, 20):  # A
        service.add_session(SessionInput(TITRE_DUPONT, date(2024, 3, day), performer_code=PHYSIO_A))
    for day in (5, 19, 21):  # B: the 5th is before B joined (warned, billed by the association anyway)
        service.add_session(SessionInput(TITRE_MARTIN, date(2024, 3, day), performer_code=PHYSIO_B))
    fac = service.bill("2024-03")
    clock.set(date(2024, 4, 10))
    service.import_return(retfac_for(fac, {}, tmp_path / "inbox", date(2024, 4, 10)))
    return service


def test_member_statement_covers_the_membership_only(association: PracticeService) -> None:
    statement = association.association_statement(PHYSIO_B, 2024)
    [march] = statement.months
    assert (march.sessions, march.own_sessions) == (4, 2)  # from the 15th: A on 18, 20 and B on 19, 21
    whole = association.association_statement(PHYSIO_A, 2024).months[0]
    assert whole.sessions == 7 and whole.own_sessions == 4
    assert march.billed == march.covered > 0
    assert statement.periods == [(date(2024, 3, 15), None)]
    pdf = association.print_statement(PHYSIO_B, 2024)
    text = pdf_text(pdf)
    assert ASSOCIATION in text and PHYSIO_B in text and f"{march.billed:.2f}" in text
    with pytest.raises(FindingsError) as error:
        association.association_statement(PHYSIO_B, 2023)
    assert codes(error) == ["PRA-NOT-MEMBER"]
    with pytest.raises(FindingsError) as error:
        association.association_statement(PHYSIO_B, 10000)  # date(10000, 1, 1) would crash
    assert codes(error) == ["PRA-YEAR"]


@pytest.mark.parametrize("year", [0, 999, 9999, 10000])
def test_it_flat_rate_year_out_of_range_is_a_finding(service: PracticeService, year: int) -> None:
    with pytest.raises(FindingsError) as error:
        service.it_flat_rate(year, date(2025, 1, 15))
    assert codes(error) == ["PRA-YEAR"]


def test_statement_only_for_an_association(group_practice: PracticeService) -> None:
    with pytest.raises(FindingsError) as error:
        group_practice.association_statement(PHYSIO_A, 2024)
    assert codes(error) == ["PRA-NOT-ASSOCIATION"]


def test_it_flat_rate_prorated_for_a_practice_opened_in_march(association: PracticeService) -> None:
    result = association.it_flat_rate(2024, date(2025, 1, 15))
    assert (result.days_active, result.days_in_year) == (306, 366)  # 2024-03-01 … 2024-12-31, leap year
    assert result.amount == Decimal("1337.70")  # 1600 × 306 / 366 = 1337.7049…
    assert result.threshold == 1672  # 2000 × 306 / 366 = 1672.13…
    assert result.services_counted == 7 and not result.eligible
    again = association.it_flat_rate(2024, date(2025, 2, 1))
    assert again == result  # recorded once; asking again returns the request as recorded
    pdf = association.print_it_form(2024, date(2025, 2, 1))
    text = pdf_text(pdf)
    assert "1337.70 EUR" in text and "1672" in text and "306 / 366" in text and "non" in text


@pytest.mark.parametrize("today", [date(2024, 12, 31), date(2025, 4, 1), date(2026, 1, 10)])
def test_it_flat_rate_refused_outside_its_period(association: PracticeService, today: date) -> None:
    with pytest.raises(FindingsError) as error:
        association.it_flat_rate(2024, today)
    assert codes(error) == ["PRA-IT-PERIOD"]


def test_it_flat_rate_one_per_postal_address(association: PracticeService) -> None:
    association.it_flat_rate(2024, date(2025, 1, 15))
    info = association.practice()
    moved = PracticeInfo(
        "Association Kiné Nord",
        "7, route d'Arlon",
        "8008",
        "Strassen",
        info.invoicing_form,
        info.facturier_code,
        info.opened_on,
    )
    association.setup_practice(moved)
    with pytest.raises(FindingsError) as error:
        association.it_flat_rate(2024, date(2025, 1, 20))
    assert codes(error) == ["PRA-IT-ONE-PER-ADDRESS"]


def test_it_flat_rate_full_year_and_closed_practice(service: PracticeService) -> None:
    service.setup_practice(
        PracticeInfo(
            "Solo",
            "1, rue Neuve",
            "1234",
            "Luxembourg",
            InvoicingForm.SEPARATE,
            None,
            opened_on=date(2010, 1, 1),
            closed_on=date(2023, 6, 30),
        )
    )
    full = service.it_flat_rate(2022, date(2023, 3, 31))
    assert (full.amount, full.threshold, full.days_active) == (Decimal("1600.00"), 2000, 365)
    half = service.it_flat_rate(2023, date(2024, 1, 1))
    assert (half.days_active, half.amount, half.threshold) == (181, Decimal("793.42"), 992)
    with pytest.raises(FindingsError) as error:
        service.it_flat_rate(2024, date(2025, 1, 2))
    assert codes(error) == ["PRA-IT-INACTIVE"]


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=365))
def test_prorate_never_exceeds_the_full_year(days: int) -> None:
    reference = load_sample_reference()
    start = date(2023, 1, 1)
    cents, threshold = prorated(reference, start, start + timedelta(days=days - 1))
    assert 0 < cents <= 160_000 and 0 <= threshold <= 2000  # the SAMPLE table: EUR 1,600 and 2,000 services a year
    if days < 365:
        bigger, _ = prorated(reference, start, start + timedelta(days=days))
        assert bigger >= cents


def test_the_practice_prorates_from_the_reference_table_as_the_fund_does(
    database_url: str, tmp_path: Path, clock: Clock
) -> None:
    # a reference set whose annual amount is EUR 2,400 and threshold 1,500 services from 2023 on
    folder = tmp_path / "reference"
    folder.mkdir()
    for name, text in sample_files().items():
        (folder / name).write_text(text)
    (folder / "it_flat_rate.csv").write_text(
        "amount,threshold,valid_from,valid_to\n1600.00,2000,2017-01-01,2022-12-31\n2400.00,1500,2023-01-01,\n"
    )
    practice = PracticeService(database_url, tmp_path / "documents", reference_dir=folder, clock=clock)
    practice.init()
    try:
        practice.setup_practice(
            PracticeInfo("Solo", "1, rue Neuve", "1234", "Luxembourg", InvoicingForm.SEPARATE, None,
                         opened_on=date(2023, 7, 3))
        )  # fmt: skip
        asked = practice.it_flat_rate(2023, date(2024, 1, 15))
    finally:
        practice.close()
    reference = load_reference_dir(folder)
    cents, threshold = fund_prorated(reference, date(2023, 7, 3), date(2023, 12, 31))  # what the fund will decide
    assert (asked.amount, asked.threshold) == (from_cents(cents), threshold)
    assert (asked.amount, asked.threshold) == (Decimal("1196.71"), 748)  # 182 / 365 of 2,400 and of 1,500


def test_address_key_ignores_spelling() -> None:
    assert address_key("12, Rue de Strasbourg", " 2560", "LUXEMBOURG") == address_key(
        "12 rue de  strasbourg", "2560", "Luxembourg"
    )


def test_print_titre_and_memoire(association: PracticeService) -> None:
    titre = pdf_text(association.print_titre(TITRE_DUPONT))
    assert TITRE_DUPONT in titre and DUPONT in titre
    memoire = pdf_text(association.print_memoire(DUPONT, "2024-03"))
    assert DUPONT in memoire and TITRE_DUPONT in memoire and "4 séance(s)" in memoire
    with pytest.raises(FindingsError) as error:
        association.print_memoire(DUPONT, "2024-05")
    assert codes(error) == ["PRA-NOTHING-TO-PRINT"]
