"""Build real 920000 files for the end-to-end REFAC tests, through the format layer's writer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tierspayant.schemes.be_nursing.formats.messages import write_920000
from tierspayant.schemes.be_nursing.formats.models import EidReading, Invoice, SendingModel, ServiceLine

from .helpers import DAY, FIRST_VISIT, NURSE

THIRD_PARTY = "30012345001"


def service(
    code: int = 424255,
    day: date = DAY,
    provider: str = NURSE,
    amount: str = "10.00",
    eid: bool = True,
    **extra: Any,
) -> ServiceLine:
    reading = EidReading(reading_date=day, reading_time=830) if eid else None
    return ServiceLine(
        nomenclature_code=code,
        service_date=day,
        care_provider=provider,
        insurance_amount=Decimal(amount),
        eid=reading,
        **extra,
    )


def invoice(niss: str, *lines: ServiceLine, number: int = 1, mutuality: int = 319, **extra: Any) -> Invoice:
    return Invoice(
        niss=niss,
        sex=1,
        affiliation_mutuality=mutuality,
        destination_mutuality=mutuality,
        invoice_number=number,
        ct1_ct2=110110,
        lines=list(lines),
        **extra,
    )


def days_of_visits(niss: str, count: int, number: int = 1, start: date = DAY) -> Invoice:
    """``count`` clean lines (first basic visit + injection on successive days), for the percentage tests."""
    lines = []
    for i in range(count):
        day = start + timedelta(days=i // 2)
        lines.append(service(FIRST_VISIT if i % 2 == 0 else 424255, day=day))
    return invoice(niss, *lines, number=number)


def sending(
    *invoices: Invoice, number: int = 7, period: int = 202503, created: date = date(2025, 4, 1)
) -> SendingModel:
    return SendingModel(
        message_type=92,
        provider_reference="GRP-REFAC",
        invoiced_period=period,
        sending_number=number,
        creation_date=created,
        invoice_reference="FACT-TEST",
        third_party_number=THIRD_PARTY,
        iban="BE68539007547034",
        bic="BBRUBEBB",
        invoices=list(invoices),
    )


def write(model: SendingModel, directory: Path, name: str = "920000.txt") -> Path:
    return write_920000(model, directory / name)
