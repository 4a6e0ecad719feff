"""The CNS's compensation of the extra cost of digital sending: per doctor, the fee notes deposited in eDocuments
in a period (first versions: a correction is not a new document) × the amount per document valid on the deposit
day (reference data with validity dates; a period across a change of amount is split). One statement per doctor
and period, then its payment."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.schemes.lu_doctors.fund.digital_store import FundDigitalStore, transfer_id
from tierspayant.schemes.lu_doctors.fund.reimbursement import VaultAccess
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference
from tierspayant.schemes.lu_doctors.store.reimbursement.models import CompensationStatement

RULE = "compensation of digital sending (CNS-AMMD agreement)"


@dataclass(frozen=True)
class StatementLine:
    doctor_code: str
    period_start: date
    period_end: date
    documents: int
    amount: Decimal
    paid_on: date | None
    transfer_id: str | None


def _line(row: CompensationStatement) -> StatementLine:
    return StatementLine(
        row.doctor_code, row.period_start, row.period_end, row.documents, row.amount, row.paid_on, row.transfer_id
    )


class DigitalCompensation:
    def __init__(self, store: FundDigitalStore, vault: VaultAccess, reference: DigitalReference) -> None:
        self.store = store
        self.vault = vault
        self.reference = reference

    def _pieces(self, start: date, end: date) -> list[tuple[date, date, Decimal]]:
        """The period cut where the amount per document changes; a day without an amount is an error."""
        pieces = []
        day = start
        while day <= end:
            try:
                amount = self.reference.compensation(day)
            except KeyError:
                raise FindingsError(
                    [Finding("DFN-COMP-NO-AMOUNT", f"no amount per document on {day}", rule=RULE)]
                ) from None
            valid = next(c for c in self.reference.compensations if c.valid_from <= day <= c.valid_to)
            last = min(end, valid.valid_to)
            pieces.append((day, last, amount))
            day = last + timedelta(days=1)
        return pieces

    def make_statements(self, start: date, end: date) -> list[StatementLine]:
        """One statement per doctor who deposited in the period; making the same period twice is refused."""
        totals: dict[str, tuple[int, Decimal, list[str]]] = {}
        for piece_start, piece_end, amount in self._pieces(start, end):
            for doctor, count in self.vault.counts(piece_start, piece_end).items():
                documents, money, detail = totals.get(doctor, (0, Decimal("0.00"), []))
                detail = [*detail, f"{piece_start}..{piece_end}: {count} × {amount}"]
                totals[doctor] = (documents + count, money + count * amount, detail)
        try:
            with self.store.unit() as session:
                rows = [
                    CompensationStatement(
                        doctor_code=doctor,
                        period_start=start,
                        period_end=end,
                        documents=count,
                        amount=money,
                        detail=json.dumps(detail),
                        created_at=self.store.now(),
                    )
                    for doctor, (count, money, detail) in sorted(totals.items())
                ]
                session.add_all(rows)
        except IntegrityError:
            message = f"statements for the period from {start} already exist"
            raise FindingsError([Finding("DFN-COMP-DUPLICATE", message, rule=RULE)]) from None
        return [_line(row) for row in rows]

    def statements(self, doctor_code: str | None = None) -> list[StatementLine]:
        query = select(CompensationStatement).order_by(CompensationStatement.period_start, CompensationStatement.id)
        if doctor_code:
            query = query.where(CompensationStatement.doctor_code == doctor_code)
        with self.store.sessions() as session:
            return [_line(row) for row in session.scalars(query)]

    def pay(self, doctor_code: str, period_start: date, paid_on: date) -> StatementLine:
        with self.store.unit() as session:
            row = session.scalars(
                select(CompensationStatement).where(
                    CompensationStatement.doctor_code == doctor_code, CompensationStatement.period_start == period_start
                )
            ).one()
            if row.paid_on is not None:
                message = f"the statement of {doctor_code} from {period_start} was paid on {row.paid_on}"
                raise FindingsError([Finding("DFN-COMP-PAID", message, rule=RULE)])
            row.paid_on = paid_on
            row.transfer_id = transfer_id("COMP")
            return _line(row)

    def csv(self, doctor_code: str | None = None) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["doctor_code", "period_start", "period_end", "documents", "amount", "paid_on", "transfer_id"])
        for line in self.statements(doctor_code):
            writer.writerow(
                [
                    line.doctor_code,
                    line.period_start,
                    line.period_end,
                    line.documents,
                    f"{line.amount:.2f}",
                    line.paid_on or "",
                    line.transfer_id or "",
                ]
            )
        return out.getvalue()
