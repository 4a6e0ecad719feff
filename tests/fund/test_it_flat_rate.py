"""The fund's side of the annual IT flat rate (seed 002): window, ledger count, prorated threshold and amount, one
payment per postal address, the June payment file. Each rule has a test that triggers it and one that does not.

The ledger is filled through the ledger's own bulk insert (``fund.ledger.add_ledger``) on a deposit of the facturier,
as an accepted FAC leaves it; one end-to-end test counts the services of a real FAC processed by the fund.
Expected amounts are literals computed by hand: 1600 × days / days-in-year, half-up to the cent.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfgen import canvas
from typer.testing import CliRunner

from tierspayant.cli import app
from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.formats.models import Retaut
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.fund import it_payment_file
from tierspayant.schemes.lu_kin.fund.it_flat_rate import ItFlatRateError, ItRequest, prorated
from tierspayant.schemes.lu_kin.fund.ledger import add_ledger
from tierspayant.schemes.lu_kin.fund.registrations import Document
from tierspayant.schemes.lu_kin.fund.service import FundService
from tierspayant.schemes.lu_kin.reference import load_sample_reference, sample_files
from tierspayant.schemes.lu_kin.store.fund.models import Deposit
from tierspayant.store.database import transaction

from .files import demaut_package, fac_on_titres

GROUP = "70012345"  # SAMPLE registry: a joint-invoicing group
JULIE = "70023456"  # SAMPLE registry: a physiotherapist billing on her own
PAUL = "70034567"


@pytest.fixture
def fund(database_url: str) -> FundService:
    service = FundService(database_url)
    service.init()
    return service


def paid_services(fund: FundService, facturier: str, days: list[date], serial: int = 0) -> None:
    """Ledger rows for services paid to ``facturier`` on ``days`` (one patient per service: keys never clash)."""
    with transaction(fund.sessions) as session:
        deposit = Deposit(
            file_name=f"F{facturier}_FAC_{serial}",
            sha256=f"{facturier}{serial}".ljust(64, "0"),
            provider_code=facturier,
            file_type="FAC",
            reference=f"IT-{serial}",
            period_year=days[0].year if days else 2025,
            period_month=1,
            received_at=datetime(2026, 1, 1),
            reference_version="test",
            item_count=len(days),
            accepted_count=len(days),
            outcome_json="{}",
        )
        session.add(deposit)
        session.flush()
        n = len(days)
        add_ledger(
            session,
            deposit.id,
            pl.DataFrame(
                {
                    "matricule": [f"1980{serial:04d}{i:05d}" for i in range(n)],
                    "service_date": days,
                    "act_code": ["K1"] * n,
                    "titre_id": ["T1"] * n,
                    "performer_code": [facturier] * n,
                    "invoice_number": ["F1"] * n,
                    "line_number": list(range(1, n + 1)),
                    "covered_cents": [2091] * n,
                },
                schema_overrides={"service_date": pl.Date},
            ),
        )


def spread(first: date, last: date, count: int) -> list[date]:
    """``count`` service days from ``first`` to ``last`` (repeating days when there are more services than days)."""
    span = (last - first).days + 1
    return [first + timedelta(days=i % span) for i in range(count)]


def request(facturiers: tuple[str, ...] = (GROUP,), **changes: object) -> ItRequest:
    fields: dict[str, object] = {
        "year": 2025,
        "practice_name": "Cabinet Sample",
        "street": "12, rue de la Gare",
        "postal_code": "L-1611",
        "city": "Luxembourg",
        "facturiers": facturiers,
    }
    fields.update(changes)
    return ItRequest(**fields)  # type: ignore[arg-type]


def codes(decision: object) -> list[str]:
    return [f.code for f in decision.findings]  # type: ignore[attr-defined]


def pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Bail: cabinet au 2e étage, lot B")
    page.showPage()
    page.save()
    return buffer.getvalue()


# --- the window: 1 January to 31 March of the following year ---


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2026, 3, 31)])
def test_a_request_on_the_first_or_last_day_of_the_window_is_decided(fund: FundService, day: date) -> None:
    paid_services(fund, GROUP, spread(date(2025, 1, 1), date(2025, 12, 31), 2000))
    decision = fund.request_it_flat_rate(request(), day)
    assert (decision.status, decision.amount, decision.services_counted, decision.threshold) == (
        "accepted",
        Decimal("1600.00"),
        2000,
        2000,
    )


@pytest.mark.parametrize("day", [date(2025, 12, 31), date(2026, 4, 1)])
def test_a_request_outside_the_window_is_refused(fund: FundService, day: date) -> None:
    paid_services(fund, GROUP, spread(date(2025, 1, 1), date(2025, 12, 31), 2000))
    decision = fund.request_it_flat_rate(request(), day)
    assert decision.status == "refused" and codes(decision) == ["IT-WINDOW"]
    assert "from 01/01/2026 to 31/03/2026" in decision.reason and f"{day:%d/%m/%Y}" in decision.reason


# --- the threshold, counted from the fund's ledger ---


def test_exactly_the_threshold_is_enough(fund: FundService) -> None:
    paid_services(fund, GROUP, spread(date(2025, 1, 1), date(2025, 12, 31), 2000))
    paid_services(fund, GROUP, spread(date(2024, 1, 1), date(2024, 12, 31), 50), serial=1)  # another year
    paid_services(fund, JULIE, spread(date(2025, 1, 1), date(2025, 12, 31), 50), serial=2)  # another facturier
    decision = fund.request_it_flat_rate(request(services_claimed=2600), date(2026, 2, 1))
    assert decision.status == "accepted"
    assert (decision.services_counted, decision.services_claimed) == (2000, 2600)  # the ledger decides


def test_one_service_under_the_threshold_is_refused(fund: FundService) -> None:
    paid_services(fund, GROUP, spread(date(2025, 1, 1), date(2025, 12, 31), 1999))
    decision = fund.request_it_flat_rate(request(services_claimed=2400), date(2026, 2, 1))
    assert decision.status == "refused" and codes(decision) == ["IT-THRESHOLD"]
    assert (
        "counts 1999 covered services" in decision.reason and "threshold for these 365 days is 2000" in decision.reason
    )


# --- prorata at an opening or closing date ---


def test_opening_on_1_july_prorates_amount_and_threshold(fund: FundService) -> None:
    # 184 days of 365: 1600 × 184 / 365 = 806.575… → 806.58; 2000 × 184 / 365 = 1008.21… → 1008
    paid_services(fund, GROUP, spread(date(2025, 7, 1), date(2025, 12, 31), 1008))
    decision = fund.request_it_flat_rate(request(opened_on=date(2025, 7, 1)), date(2026, 1, 15))
    assert (decision.status, decision.days_active, decision.threshold, decision.amount) == (
        "accepted",
        184,
        1008,
        Decimal("806.58"),
    )


def test_opening_on_1_july_one_service_under_the_prorated_threshold(fund: FundService) -> None:
    paid_services(fund, GROUP, spread(date(2025, 7, 1), date(2025, 12, 31), 1007))
    decision = fund.request_it_flat_rate(request(opened_on=date(2025, 7, 1)), date(2026, 1, 15))
    assert decision.status == "refused" and codes(decision) == ["IT-THRESHOLD"]
    assert (decision.threshold, decision.amount) == (1008, Decimal("806.58"))


def test_closing_in_a_leap_year_prorates_by_366_days(fund: FundService) -> None:
    # 1 January – 31 March 2024: 91 days of 366: 1600 × 91 / 366 = 397.81…; 2000 × 91 / 366 = 497.26… → 497
    paid_services(fund, GROUP, spread(date(2024, 1, 1), date(2024, 3, 31), 497))
    decision = fund.request_it_flat_rate(request(year=2024, closed_on=date(2024, 3, 31)), date(2025, 3, 31))
    assert (decision.status, decision.days_active, decision.threshold, decision.amount) == (
        "accepted",
        91,
        497,
        Decimal("397.81"),
    )


def test_services_paid_before_the_declared_opening_contradict_it(fund: FundService) -> None:
    paid_services(fund, GROUP, spread(date(2025, 7, 1), date(2025, 12, 31), 1008))
    paid_services(fund, GROUP, [date(2025, 6, 30)], serial=1)  # the day before the declared opening
    decision = fund.request_it_flat_rate(request(opened_on=date(2025, 7, 1)), date(2026, 1, 15))
    assert decision.status == "refused" and codes(decision) == ["IT-PERIOD"]
    assert "before the declared opening 01/07/2025 (the first on 30/06/2025)" in decision.reason


def test_an_amount_changed_during_the_year_counts_each_day_at_its_value(fund: FundService, tmp_path: Path) -> None:
    # 181 days at 1600 and 184 days at 1800: (1600 × 181 + 1800 × 184) / 365 = 1700.821… → 1700.82
    folder = tmp_path / "reference"
    folder.mkdir()
    for name, text in sample_files().items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "it_flat_rate.csv").write_text(
        "amount,threshold,valid_from,valid_to\n1600.00,2000,2017-01-01,2025-06-30\n1800.00,2000,2025-07-01,\n"
    )
    fund.load_reference(folder)
    paid_services(fund, GROUP, spread(date(2025, 1, 1), date(2025, 12, 31), 2000))
    decision = fund.request_it_flat_rate(request(), date(2026, 1, 15))
    assert (decision.status, decision.amount) == ("accepted", Decimal("1700.82"))


# --- one payment per postal address, once per facturier ---


def test_a_second_practice_at_the_same_address_is_refused(fund: FundService) -> None:
    paid_services(fund, GROUP, spread(date(2025, 1, 1), date(2025, 12, 31), 2000))
    paid_services(fund, JULIE, spread(date(2025, 1, 1), date(2025, 12, 31), 2000), serial=1)
    assert fund.request_it_flat_rate(request(), date(2026, 1, 10)).status == "accepted"
    # the same address, written differently
    second = request((JULIE,), street="12 Rue de la gare", postal_code="l-1611", city="LUXEMBOURG")
    decision = fund.request_it_flat_rate(second, date(2026, 1, 11))
    assert decision.status == "refused" and codes(decision) == ["IT-ADDRESS"]
    assert "one IT flat rate per postal address" in decision.reason


def test_a_separate_practice_shown_at_the_same_address_is_paid(fund: FundService) -> None:
    paid_services(fund, GROUP, spread(date(2025, 1, 1), date(2025, 12, 31), 2000))
    paid_services(fund, JULIE, spread(date(2025, 1, 1), date(2025, 12, 31), 2000), serial=1)
    fund.request_it_flat_rate(request(), date(2026, 1, 10))
    evidence = Document("separate_practice", "bail.pdf", pdf())
    separate = request((JULIE,), practice_name="Cabinet Julie", unit="2e étage, lot B", evidence=evidence)
    decision = fund.request_it_flat_rate(separate, date(2026, 1, 11))
    assert (decision.status, decision.amount) == ("accepted", Decimal("1600.00"))


def test_a_separate_practice_needs_a_readable_document(fund: FundService) -> None:
    paid_services(fund, GROUP, spread(date(2025, 1, 1), date(2025, 12, 31), 2000))
    paid_services(fund, JULIE, spread(date(2025, 1, 1), date(2025, 12, 31), 2000), serial=1)
    fund.request_it_flat_rate(request(), date(2026, 1, 10))
    evidence = Document("separate_practice", "bail.pdf", b"not a pdf at all")
    decision = fund.request_it_flat_rate(request((JULIE,), unit="2e étage", evidence=evidence), date(2026, 1, 11))
    assert decision.status == "refused" and codes(decision) == ["IT-EVIDENCE"]


def test_a_facturier_is_paid_once_a_year(fund: FundService) -> None:
    paid_services(fund, GROUP, spread(date(2025, 1, 1), date(2025, 12, 31), 2000))
    first = fund.request_it_flat_rate(request(), date(2026, 1, 10))
    again = fund.request_it_flat_rate(request(street="1, avenue Monterey"), date(2026, 1, 12))
    assert first.status == "accepted"
    assert again.status == "refused" and codes(again) == ["IT-DUPLICATE"]
    assert f"request {first.request_id}" in again.reason


def test_an_unknown_code_is_refused_and_a_bad_one_is_not_handled(fund: FundService) -> None:
    decision = fund.request_it_flat_rate(request(("70099999",)), date(2026, 1, 10))
    assert "IT-PROVIDER" in codes(decision)
    with pytest.raises(ItFlatRateError, match="provider code"):
        fund.request_it_flat_rate(request(("12ab",)), date(2026, 1, 10))
    assert [d.request_id for d in fund.it_flat_rate_decisions(2025)] == [decision.request_id]


# --- the ledger of real files ---


def test_the_services_of_a_processed_fac_are_counted(fund: FundService, tmp_path: Path) -> None:
    granted = fund.process(demaut_package(tmp_path), tmp_path / "out", datetime(2024, 3, 7, 9, 30))
    retaut = read_file(next(p for p in granted.written if "_RETAUT_" in p.name))
    assert isinstance(retaut, Retaut)
    titres = {d.matricule: d.titre_id for d in retaut.decisions if d.titre_id is not None}
    outcome = fund.process(fac_on_titres(tmp_path, titres), tmp_path / "out", datetime(2024, 4, 2, 9, 30))
    assert outcome.status == "accepted" and outcome.accepted > 0
    decision = fund.request_it_flat_rate(request(year=2024), date(2025, 2, 1))
    assert decision.services_counted == outcome.accepted
    assert decision.status == "refused" and codes(decision) == ["IT-THRESHOLD"]


# --- the June payment and its file ---


def test_the_payment_run_is_in_june_and_pays_each_accepted_request_once(fund: FundService, tmp_path: Path) -> None:
    paid_services(fund, GROUP, spread(date(2025, 7, 1), date(2025, 12, 31), 1008))
    paid_services(fund, PAUL, spread(date(2025, 1, 1), date(2025, 12, 31), 2000), serial=1)
    paid_services(fund, JULIE, spread(date(2025, 1, 1), date(2025, 12, 31), 10), serial=2)
    fund.request_it_flat_rate(request(opened_on=date(2025, 7, 1)), date(2026, 1, 15))
    fund.request_it_flat_rate(request((PAUL,), street="3, Grand-Rue", postal_code="L-9051"), date(2026, 3, 2))
    fund.request_it_flat_rate(request((JULIE,), street="5, rue Haute", postal_code="L-9050"), date(2026, 3, 3))
    outbox = tmp_path / "outbox"
    with pytest.raises(ItFlatRateError, match="paid in June 2026"):
        fund.pay_it_flat_rates(2025, outbox, date(2026, 5, 31))
    with pytest.raises(ItFlatRateError, match="paid in June 2026"):
        fund.pay_it_flat_rates(2025, outbox, date(2026, 7, 1))
    assert not any(outbox.glob("*.csv"))
    run = fund.pay_it_flat_rates(2025, outbox, date(2026, 6, 1))
    assert (run.count, run.total) == (2, Decimal("2406.58"))
    assert run.path == outbox / "CNS_KIN_ITFLAT_2025_01_20260601.csv"
    content = it_payment_file.read(run.path)
    assert (content.layout, content.year, content.paid_on) == ("01", 2025, date(2026, 6, 1))
    assert [(p.facturiers, p.amount) for p in content.payments] == [
        ((GROUP,), Decimal("806.58")),
        ((PAUL,), Decimal("1600.00")),
    ]
    assert run.path.read_text(encoding="utf-8").splitlines()[0] == "H;KIN-ITFLAT;01;2025;2026-06-01"
    assert run.path.read_text(encoding="utf-8").splitlines()[-1] == "T;2;2406.58"
    again = fund.pay_it_flat_rates(2025, outbox, date(2026, 6, 30))
    assert (again.count, again.path) == (0, None)
    assert {d.paid_on for d in fund.it_flat_rate_decisions(2025) if d.status == "accepted"} == {date(2026, 6, 1)}


def test_a_payment_file_whose_total_is_wrong_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CNS_KIN_ITFLAT_2025_01_20260601.csv"
    path.write_text("H;KIN-ITFLAT;01;2025;2026-06-01\nD;1;70012345;Cabinet;Rue;365;2000;2000;1600.00\nT;1;1600.01\n")
    with pytest.raises(FindingsError) as error:
        it_payment_file.read(path)
    assert error.value.findings[0].line == 3 and "1600.01" in error.value.findings[0].message
    path.write_text("H;KIN-ITFLAT;02;2025;2026-06-01\nT;0;0.00\n")
    with pytest.raises(FindingsError, match="layout '02' is not known"):
        it_payment_file.read(path)


# --- the commands ---


def test_the_commands_request_list_and_pay(fund: FundService, tmp_path: Path) -> None:
    paid_services(fund, GROUP, spread(date(2025, 1, 1), date(2025, 12, 31), 2000))
    url = ["--database-url", fund.database_url]
    runner = CliRunner()
    asked = runner.invoke(
        app,
        [
            "fund", "it-flat-rate", "request", "--year", "2025", "--facturier", GROUP, "--practice", "Cabinet Sample",
            "--street", "12, rue de la Gare", "--postal-code", "L-1611", "--city", "Luxembourg",
            "--received-on", "2026-01-05", *url,
        ],
    )  # fmt: skip
    assert asked.exit_code == 0, asked.output
    assert "accepted" in asked.output and "1600.00" in asked.output
    late = runner.invoke(
        app,
        [
            "fund", "it-flat-rate", "request", "--year", "2025", "--facturier", JULIE, "--practice", "Julie",
            "--street", "5, rue Haute", "--postal-code", "L-9050", "--city", "Wiltz", "--received-on", "2026-04-01",
            *url,
        ],
    )  # fmt: skip
    assert late.exit_code == 1 and "IT-WINDOW" in late.output
    listed = runner.invoke(app, ["fund", "it-flat-rate", "list", "--year", "2025", *url])
    assert listed.exit_code == 0 and "refused" in listed.output and "accepted" in listed.output
    paid = runner.invoke(
        app, ["fund", "it-flat-rate", "pay", "--year", "2025", "--on", "2026-06-15", "--outbox", str(tmp_path), *url]
    )
    assert paid.exit_code == 0, paid.output
    assert (tmp_path / "CNS_KIN_ITFLAT_2025_01_20260615.csv").is_file()


# --- the prorata against an independent computation ---


@settings(max_examples=200, deadline=None)
@given(year=st.integers(2017, 2040), first=st.integers(0, 365), length=st.integers(1, 366))
def test_the_prorata_is_the_share_of_days_rounded_half_up(year: int, first: int, length: int) -> None:
    days_in_year = 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365
    start = date(year, 1, 1) + timedelta(days=min(first, days_in_year - 1))
    end = min(start + timedelta(days=length - 1), date(year, 12, 31))
    days = (end - start).days + 1
    cents, threshold = prorated(load_sample_reference(), start, end)
    share = Decimal(days) / Decimal(days_in_year)
    assert cents == int((Decimal(160000) * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    assert threshold == int((Decimal(2000) * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if days == days_in_year:
        assert (cents, threshold) == (160000, 2000)
