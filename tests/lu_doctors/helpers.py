"""Small builders for the flat-rate tests: files written by the real writer, read by the real reader."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.schemes.lu_doctors.formats.messages import FlatRateFile, FlatRateInvoice, InvoiceLine, Statement
from tierspayant.schemes.lu_doctors.formats.reader import read_flat_rates_frame
from tierspayant.schemes.lu_doctors.formats.writer import flat_rates_bytes
from tierspayant.schemes.lu_doctors.fund.adjudication import (
    DEVICE_SCHEMA,
    PAID_SCHEMA,
    PATIENT_ACT_SCHEMA,
    USAGE_SCHEMA,
    USAGE_TOTAL_SCHEMA,
    Adjudication,
    FundContext,
    adjudicate,
)
from tierspayant.schemes.lu_doctors.reference import OPEN_END, ReferenceSet, load_sample_reference

REFERENCE = load_sample_reference()
DEVICE = "ECHO0000001"
DOCTOR = "10234567"
COLLEAGUE = "10345678"
BILLING = "20000001"
PATIENT = compute_matricule(date(1985, 4, 12), 123)
FULL, REDUCED = Decimal("36.00"), Decimal("12.00")  # DF21 / DF22 in the SAMPLE set


def device(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "device_id": DEVICE,
        "kind_code": "ECHO",
        "in_hospital": False,
        "in_use_from": date(2025, 1, 1),
        "closed_on": OPEN_END,
        "annual_threshold": 3,
        "amortisation_total": 10,
        "full_code": "DF21",
        "reduced_code": "DF22",
    }
    row.update(changes)
    return row


def patient_act(fee_note: str = "FN-1", day: date = date(2025, 3, 3), act: str = "6E21", doctor: str = DOCTOR,
                matricule: str = PATIENT) -> dict[str, Any]:  # fmt: skip
    return {
        "fee_note_id": fee_note,
        "doctor_code": doctor,
        "matricule": matricule,
        "service_date": day,
        "act_code": act,
    }


def context(
    devices: list[dict[str, Any]] | None = None,
    patient_acts: list[dict[str, Any]] | None = None,
    paid: list[dict[str, Any]] | None = None,
    usage: list[dict[str, Any]] | None = None,
    usage_total: list[dict[str, Any]] | None = None,
) -> FundContext:
    return FundContext(
        pl.DataFrame(devices if devices is not None else [device()], schema=DEVICE_SCHEMA),
        pl.DataFrame(patient_acts if patient_acts is not None else [patient_act()], schema=PATIENT_ACT_SCHEMA),
        pl.DataFrame(paid or [], schema=PAID_SCHEMA),
        pl.DataFrame(usage or [], schema=USAGE_SCHEMA),
        pl.DataFrame(usage_total or [], schema=USAGE_TOTAL_SCHEMA),
    )


def flat(day: date = date(2025, 3, 3), code: str = "DF21", amount: Decimal = FULL, line: int = 1,
         device_id: str | None = DEVICE, place: str = "CAB", act: str | None = "6E21",
         fee_note: str | None = "FN-1") -> InvoiceLine:  # fmt: skip
    return InvoiceLine(line, day, code, amount, place, device_id, act, fee_note)  # type: ignore[arg-type]


def act(code: str, day: date = date(2025, 3, 3), amount: Decimal | None = None, line: int = 1) -> InvoiceLine:
    price = amount if amount is not None else REFERENCE.tariff(code, day)
    return InvoiceLine(line, day, code, price, "CAB", None, None, None)


def invoice(*lines: InvoiceLine, number: str = "T1", mode: str = "tiers_payant", doctor: str = DOCTOR,
            matricule: str = PATIENT) -> FlatRateInvoice:  # fmt: skip
    return FlatRateInvoice(number, mode, doctor, matricule, "CNS", tuple(lines))  # type: ignore[arg-type]


def flat_file(*invoices: FlatRateInvoice, month: str = "2025-03", reference: str = "M1",
              statement: Statement | None = None) -> FlatRateFile:  # fmt: skip
    return FlatRateFile(BILLING, month, reference, date(2025, 4, 2), invoices,
                        statement or FlatRateFile.statement_of(invoices))  # fmt: skip


def run(*invoices: FlatRateInvoice, ctx: FundContext | None = None, month: str = "2025-03",
        statement: Statement | None = None, data: bytes | None = None,
        reference: ReferenceSet = REFERENCE) -> Adjudication:  # fmt: skip
    raw = data if data is not None else flat_rates_bytes(flat_file(*invoices, month=month, statement=statement))
    batch = read_flat_rates_frame(raw, "test.xml")
    return adjudicate(batch, reference, ctx or context())


def line_of(result: Adjudication, invoice_number: str = "T1", line: int = 1) -> dict[str, Any]:
    rows = result.lines.filter((pl.col("invoice_number") == invoice_number) & (pl.col("line") == line))
    assert rows.height == 1
    return rows.row(0, named=True)


def codes(result: Adjudication, invoice_number: str = "T1", line: int = 1) -> list[str]:
    return list(line_of(result, invoice_number, line)["anomaly_codes"])
