"""The doctor's reconciliation of digital fee notes for accounting: each fee note with what the fund paid the
doctor by PID (its transfer), what the patient paid, what the patient was reimbursed (not the doctor's money, shown
for information) and what is still due from the patient; a summary per month; a CSV for accounting software.

Run :meth:`DigitalDesk.refresh` first so the eDocuments statuses are current.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from tierspayant.schemes.lu_doctors.practice.service import DoctorsPractice
from tierspayant.schemes.lu_doctors.store.practice.digital_models import DigitalFeeNote
from tierspayant.schemes.lu_doctors.store.practice.models import FeeNoteRow

ZERO = Decimal("0.00")
COLUMNS = (
    "fee_note", "issued_on", "mode", "total", "fund_share", "patient_share", "patient_paid_on", "received_from_patient",
    "pid_transfer_id", "received_from_fund", "due_from_patient", "edocuments_status", "receipt",
)  # fmt: skip


@dataclass(frozen=True)
class ReconciliationLine:
    fee_note: str
    issued_on: date
    mode: str
    total: Decimal
    fund_share: Decimal
    patient_share: Decimal
    patient_paid_on: date | None
    received_from_patient: Decimal
    pid_transfer_id: str | None
    received_from_fund: Decimal
    due_from_patient: Decimal
    status: str
    receipt: str | None


@dataclass(frozen=True)
class MonthSummary:
    month: str  # YYYY-MM
    fee_notes: int
    invoiced: Decimal
    received_from_fund: Decimal
    received_from_patients: Decimal
    due_from_patients: Decimal


def reconcile(practice: DoctorsPractice, doctor_code: str) -> list[ReconciliationLine]:
    query = (
        select(FeeNoteRow, DigitalFeeNote)
        .join(DigitalFeeNote, DigitalFeeNote.fee_note_id == FeeNoteRow.fee_note_id)
        .where(FeeNoteRow.doctor_code == doctor_code)
        .order_by(FeeNoteRow.issued_on, FeeNoteRow.fee_note_id)
    )
    lines = []
    with practice.sessions() as session:
        for note, digital in session.execute(query):
            pid_paid = digital.pid_state == "paid"
            from_fund = digital.pid_amount or ZERO if pid_paid else ZERO
            # with PID the patient owes only their share; otherwise the whole fee note
            owed = digital.patient_share if pid_paid else note.total
            from_patient = owed if note.paid_on else ZERO
            lines.append(
                ReconciliationLine(
                    fee_note=note.fee_note_id,
                    issued_on=note.issued_on,
                    mode=note.mode,
                    total=note.total,
                    fund_share=digital.fund_share,
                    patient_share=digital.patient_share,
                    patient_paid_on=note.paid_on,
                    received_from_patient=from_patient,
                    pid_transfer_id=digital.pid_transfer_id,
                    received_from_fund=from_fund,
                    due_from_patient=owed - from_patient,
                    status=digital.status,
                    receipt=digital.receipt,
                )
            )
    return lines


def by_month(lines: list[ReconciliationLine]) -> list[MonthSummary]:
    months: dict[str, list[ReconciliationLine]] = {}
    for line in lines:
        months.setdefault(f"{line.issued_on:%Y-%m}", []).append(line)
    return [
        MonthSummary(
            month,
            len(group),
            sum((g.total for g in group), ZERO),
            sum((g.received_from_fund for g in group), ZERO),
            sum((g.received_from_patient for g in group), ZERO),
            sum((g.due_from_patient for g in group), ZERO),
        )
        for month, group in sorted(months.items())
    ]


def to_csv(lines: list[ReconciliationLine]) -> str:
    """Semicolon-separated, amounts with a dot and two decimals (what accounting imports expect in LU)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow(
            [
                line.fee_note, line.issued_on.isoformat(), line.mode, f"{line.total:.2f}", f"{line.fund_share:.2f}",
                f"{line.patient_share:.2f}", line.patient_paid_on.isoformat() if line.patient_paid_on else "",
                f"{line.received_from_patient:.2f}", line.pid_transfer_id or "", f"{line.received_from_fund:.2f}",
                f"{line.due_from_patient:.2f}", line.status, line.receipt or "",
            ]
        )  # fmt: skip
    return out.getvalue()


def month_chart_svg(summaries: list[MonthSummary], width: int = 480, bar_height: int = 18) -> str:
    """A small bar chart per month (received from the fund, from patients, still due), for the doctor's page."""
    peak = max((s.invoiced for s in summaries), default=Decimal(1)) or Decimal(1)
    height = (len(summaries) or 1) * (bar_height + 8) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for index, summary in enumerate(summaries):
        y = 8 + index * (bar_height + 8)
        x = 70.0
        parts.append(f'<text x="0" y="{y + bar_height - 4}" font-size="12">{summary.month}</text>')
        for value, colour, label in (
            (summary.received_from_fund, "#2b6cb0", "fund"),
            (summary.received_from_patients, "#38a169", "patients"),
            (summary.due_from_patients, "#dd6b20", "due"),
        ):
            span = float(value / peak) * (width - 80)
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{span:.1f}" height="{bar_height}" fill="{colour}">'
                f"<title>{label}: {value:.2f} EUR</title></rect>"
            )
            x += span
    parts.append("</svg>")
    return "".join(parts)
