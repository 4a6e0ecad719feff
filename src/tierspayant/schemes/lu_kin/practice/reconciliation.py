"""Reconciliation of a billing month: billed vs covered vs contested, per patient and per performer, and the insured
share still to invoice to each patient. One query for the month's lines, aggregated set-at-a-time with Polars.

- *billed*: the amounts asked on the month's FAC (including corrected lines re-billed that month);
- *covered*: what the RETFAC granted; *contested*: asked − covered on returned lines; *awaiting*: no return yet;
- *insured share due*: what the patient owes, as the fund decided each line (:mod:`.decisions`: their share on lines
  paid, reduced or awaiting; the tariff on a refusal that leaves the cost to them; nothing on a refusal the practice
  corrects and presents again) — the same reading as the mémoire d'honoraires;
  *invoiced*: what printed mémoires d'honoraires already asked the patient; *to invoice* = due − invoiced.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.core.money import ZERO, format_euros, from_cents, to_cents
from tierspayant.schemes.lu_kin.practice.decisions import line_shares
from tierspayant.schemes.lu_kin.practice.domain import LineStatus
from tierspayant.schemes.lu_kin.practice.months import normalize_month
from tierspayant.schemes.lu_kin.practice.setup import physiotherapist_names
from tierspayant.schemes.lu_kin.store.practice.models import (
    BilledLine,
    LineAnomaly,
    Patient,
    PatientInvoice,
    TreatmentSession,
)


@dataclass(frozen=True)
class Balance:
    key: str  # matricule or performer code
    name: str
    lines: int
    billed: Decimal
    covered: Decimal
    contested: Decimal
    awaiting: Decimal
    insured_share_due: Decimal = ZERO
    invoiced: Decimal = ZERO

    @property
    def to_invoice(self) -> Decimal:
        return max(self.insured_share_due - self.invoiced, ZERO)


@dataclass(frozen=True)
class Reconciliation:
    month: str
    patients: list[Balance] = field(default_factory=list)
    performers: list[Balance] = field(default_factory=list)
    total: Balance = Balance("total", "", 0, ZERO, ZERO, ZERO, ZERO)

    COLUMNS = (
        "month",
        "section",
        "key",
        "name",
        "lines",
        "billed",
        "covered",
        "contested",
        "awaiting",
        "insured_share_due",
        "invoiced",
        "to_invoice",
    )

    def rows(self) -> list[tuple[str, Balance]]:
        return [
            *(("patient", b) for b in self.patients),
            *(("performer", b) for b in self.performers),
            ("total", self.total),
        ]

    def records(self) -> list[dict[str, str | int]]:
        """One dict per row (``COLUMNS``), amounts as wire text (``12.30``): what the CSV and ``--json`` carry."""
        return [
            {
                "month": self.month,
                "section": section,
                "key": b.key,
                "name": b.name,
                "lines": b.lines,
                **{column: format_euros(getattr(b, column)) for column in self.COLUMNS[5:]},
            }
            for section, b in self.rows()
        ]

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, self.COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.records())
        return out.getvalue()


_AMOUNTS = ("billed", "covered", "contested", "awaiting", "share_due")


def reconcile(db: Session, month: str) -> Reconciliation:
    month = normalize_month(month)
    query = (
        select(
            BilledLine.id,
            BilledLine.tariff,
            BilledLine.status,
            BilledLine.amount_asked,
            BilledLine.amount_covered,
            BilledLine.insured_share,
            BilledLine.returned_insured_share,
            TreatmentSession.performer_code,
            Patient.id,
            Patient.matricule,
            Patient.last_name,
            Patient.first_name,
        )
        .join(TreatmentSession, TreatmentSession.id == BilledLine.session_id)
        .join(Patient, Patient.id == TreatmentSession.patient_id)
        .where(BilledLine.billing_month == month)
    )
    rows = db.execute(query).all()
    codes = month_anomaly_codes(db, month)
    records = [
        {
            "status": status,
            "asked": to_cents(asked),
            "covered": None if covered is None else to_cents(covered),
            "share": to_cents(
                line_shares(status, tariff, share, covered, returned_share, codes.get(line_id, ())).patient_due
            ),
            "performer": performer,
            "patient_id": patient_id,
            "matricule": matricule,
            "patient_name": f"{last.upper()} {first}",
        }
        for line_id, tariff, status, asked, covered, share, returned_share, *who in rows
        for performer, patient_id, matricule, last, first in [who]
    ]
    if not records:
        return Reconciliation(month)
    schema = {
        "status": pl.Utf8,
        "asked": pl.Int64,
        "covered": pl.Int64,
        "share": pl.Int64,
        "performer": pl.Utf8,
        "patient_id": pl.Int64,
        "matricule": pl.Utf8,
        "patient_name": pl.Utf8,
    }
    returned = pl.col("status") != LineStatus.BILLED.value
    frame = pl.DataFrame(records, schema=schema).with_columns(
        pl.col("asked").alias("billed"),
        pl.when(returned).then(pl.col("covered")).otherwise(0).alias("covered"),
        pl.when(returned).then(pl.col("asked") - pl.col("covered")).otherwise(0).alias("contested"),
        pl.when(returned).then(0).otherwise(pl.col("asked")).alias("awaiting"),
        pl.col("share").alias("share_due"),
    )
    sums = [pl.len().alias("lines"), *(pl.col(c).sum() for c in _AMOUNTS)]
    invoiced = {
        patient_id: to_cents(amount)
        for patient_id, amount in db.execute(
            select(PatientInvoice.patient_id, PatientInvoice.amount).where(PatientInvoice.month == month)
        )
    }
    names = physiotherapist_names(db)
    patients = [
        _balance(row, row["matricule"], row["patient_name"], invoiced.get(row["patient_id"], 0))
        for row in frame.group_by("patient_id", "matricule", "patient_name")
        .agg(sums)
        .sort("patient_name")
        .iter_rows(named=True)
    ]
    performers = [
        _balance(row, row["performer"], names.get(row["performer"], ""), None)
        for row in frame.group_by("performer").agg(sums).sort("performer").iter_rows(named=True)
    ]
    total_row = frame.select(sums).row(0, named=True)
    total = _balance(total_row, "total", "", sum(invoiced.values()))
    return Reconciliation(month, patients, performers, total)


def _balance(row: dict[str, int], key: str, name: str, invoiced_cents: int | None) -> Balance:
    return Balance(
        key=key,
        name=name,
        lines=int(row["lines"]),
        billed=from_cents(row["billed"]),
        covered=from_cents(row["covered"]),
        contested=from_cents(row["contested"]),
        awaiting=from_cents(row["awaiting"]),
        insured_share_due=from_cents(row["share_due"]) if invoiced_cents is not None else ZERO,
        invoiced=from_cents(invoiced_cents or 0),
    )


def month_anomaly_codes(db: Session, month: str) -> dict[int, list[str]]:
    """The fund's anomaly codes of each line billed in ``month`` (one query)."""
    codes: dict[int, list[str]] = {}
    query = (
        select(LineAnomaly.billed_line_id, LineAnomaly.code)
        .join(BilledLine, BilledLine.id == LineAnomaly.billed_line_id)
        .where(BilledLine.billing_month == month)
    )
    for line_id, code in db.execute(query):
        codes.setdefault(line_id, []).append(code)
    return codes
