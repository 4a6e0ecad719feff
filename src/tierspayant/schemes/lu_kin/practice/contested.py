"""The lines the fund contested (refused or reduced), with what they mean and what to do — the Returns page's table,
each refused line with its "correct and re-bill" when the practice can correct it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tierspayant.schemes.lu_kin.practice.decisions import Outcome, line_shares
from tierspayant.schemes.lu_kin.practice.domain import LineStatus
from tierspayant.schemes.lu_kin.store.practice.models import BilledLine, TreatmentSession


@dataclass(frozen=True)
class ContestedLine:
    session_id: int
    matricule: str
    patient_name: str
    performed_on: date
    act_code: str
    performer_code: str
    billing_month: str
    status: str  # refused | reduced
    outcome: Outcome
    amount_asked: Decimal
    amount_covered: Decimal
    anomalies: list[tuple[str, str]]  # (code, label as the fund wrote it)
    session_state: str  # to correct | corrected, waiting for the next FAC | re-billed | cancelled | final

    @property
    def correctable(self) -> bool:
        return self.outcome is Outcome.TO_CORRECT and self.session_state == "to correct"


def contested_lines(db: Session, matricule: str | None = None) -> list[ContestedLine]:
    """Newest billing month first; a session re-billed later shows its earlier refusal as settled."""
    lines = list(
        db.scalars(
            select(BilledLine)
            .where(BilledLine.status.in_([LineStatus.REFUSED.value, LineStatus.REDUCED.value]))
            .options(
                selectinload(BilledLine.session).selectinload(TreatmentSession.patient),
                selectinload(BilledLine.anomalies),
            )
            .order_by(BilledLine.billing_month.desc(), BilledLine.invoice_number, BilledLine.line_number)
        )
    )
    latest = {
        session_id: line_id
        for session_id, line_id in db.execute(select(BilledLine.session_id, BilledLine.id).order_by(BilledLine.id))
    }
    found: list[ContestedLine] = []
    for line in lines:
        session = line.session
        if matricule is not None and session.patient.matricule != matricule:
            continue
        codes = [a.code for a in line.anomalies]
        shares = line_shares(
            line.status, line.tariff, line.insured_share, line.amount_covered, line.returned_insured_share, codes
        )
        if session.cancelled_at is not None:
            state = "cancelled"
        elif latest.get(session.id) != line.id:
            state = "re-billed"
        elif session.rebill:
            state = "corrected"
        elif shares.outcome is Outcome.TO_CORRECT:
            state = "to correct"
        else:
            state = "final"
        found.append(
            ContestedLine(
                session_id=session.id,
                matricule=session.patient.matricule,
                patient_name=f"{session.patient.last_name.upper()} {session.patient.first_name}",
                performed_on=session.performed_on,
                act_code=session.act_code,
                performer_code=session.performer_code,
                billing_month=line.billing_month,
                status=line.status,
                outcome=shares.outcome,
                amount_asked=line.amount_asked,
                amount_covered=line.amount_covered or Decimal("0.00"),
                anomalies=[(a.code, a.label) for a in line.anomalies],
                session_state=state,
            )
        )
    return found
