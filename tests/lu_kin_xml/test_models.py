"""Cross-field checks of the KIN models: declared totals and counts must match the content."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tierspayant.schemes.lu_kin.formats.models import (
    AuthorisationDecision,
    BilledLine,
    DecisionOutcome,
    Fac,
    FileHeader,
    Fund,
    Invoice,
    ReturnedInvoice,
    ReturnedLine,
)

HEADER = FileHeader(
    file_type="FAC", sender="12345678", billing_provider="12345678", reference="REF-1", send_date=date(2024, 4, 2)
)


def line(number: int, tariff: str = "30.00", share: str = "9.00") -> BilledLine:
    return BilledLine(
        line_number=number,
        titre_id="T2024000000017",
        service_date=date(2024, 3, number),
        act_code="ZK11",
        performer_code="12345678",
        place_category="01",
        tariff=Decimal(tariff),
        insured_share=Decimal(share),
        amount_asked=Decimal(tariff) - Decimal(share),
    )


def test_totals_are_computed_when_left_out() -> None:
    invoice = Invoice(invoice_number="F1", matricule="1990093012358", fund=Fund.CNS, lines=[line(1), line(2)])
    assert invoice.total_asked == Decimal("42.00")
    fac = Fac(header=HEADER, invoices=[invoice])
    assert (fac.invoice_count, fac.line_count, fac.total_asked) == (1, 2, Decimal("42.00"))


def test_wrong_declared_total_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"total_asked is 40\.00 but the content gives 42\.00"):
        Invoice(
            invoice_number="F1",
            matricule="1990093012358",
            fund=Fund.CNS,
            lines=[line(1), line(2)],
            total_asked=Decimal("40.00"),
        )


def test_wrong_file_count_is_refused() -> None:
    invoice = Invoice(invoice_number="F1", matricule="1990093012358", fund=Fund.CNS, lines=[line(1)])
    with pytest.raises(ValidationError, match="line_count is 5"):
        Fac(header=HEADER, invoices=[invoice], line_count=5)


def test_duplicate_line_numbers_are_refused() -> None:
    with pytest.raises(ValidationError, match="line_number not unique"):
        Invoice(invoice_number="F1", matricule="1990093012358", fund=Fund.CNS, lines=[line(1), line(1)])


def test_floats_are_refused() -> None:
    with pytest.raises(ValidationError, match="never float"):
        ReturnedLine(line_number=1, amount_asked=1.5, amount_covered=Decimal(1), insured_share=Decimal(0))


def test_refus_needs_an_anomaly_and_accord_a_titre() -> None:
    with pytest.raises(ValidationError, match="a refus needs at least one anomaly"):
        AuthorisationDecision(
            request_id="R1", matricule="1990093012358", decision_date=date(2024, 1, 2), outcome=DecisionOutcome.REFUS
        )
    with pytest.raises(ValidationError, match="an accord needs titre_id"):
        AuthorisationDecision(
            request_id="R1", matricule="1990093012358", decision_date=date(2024, 1, 2), outcome=DecisionOutcome.ACCORD
        )


def test_returned_invoice_contested_total() -> None:
    invoice = ReturnedInvoice(
        invoice_number="F1",
        matricule="1990093012358",
        lines=[
            ReturnedLine(
                line_number=1, amount_asked=Decimal("21"), amount_covered=Decimal("10.50"), insured_share=Decimal(9)
            )
        ],
    )
    assert invoice.total_contested == Decimal("10.50")
    with pytest.raises(ValidationError, match="exceeds amount_asked"):
        ReturnedLine(line_number=1, amount_asked=Decimal(1), amount_covered=Decimal(2), insured_share=Decimal(0))


def test_return_header_needs_original_reference() -> None:
    with pytest.raises(ValidationError, match="original_reference"):
        FileHeader(file_type="RETAUT", sender="CNS", billing_provider="12345678", reference="R", send_date=date.today())


def test_negative_zero_becomes_zero() -> None:
    line = ReturnedLine(
        line_number=1, amount_asked=Decimal("-0.00"), amount_covered=Decimal(0), insured_share=Decimal(0)
    )
    assert str(line.amount_asked) == "0.00"


@pytest.mark.parametrize(
    ("text", "words"), [("1.234", "more than 2 decimals"), ("1E+30", "is over"), ("-1", "greater")]
)
def test_amounts_are_never_rounded_silently(text: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        ReturnedLine(line_number=1, amount_asked=Decimal(text), amount_covered=Decimal(0), insured_share=Decimal(0))


def test_an_amount_gets_two_decimals() -> None:
    line = ReturnedLine(line_number=1, amount_asked="12.3", amount_covered=Decimal(0), insured_share=Decimal(0))
    assert str(line.amount_asked) == "12.30"
