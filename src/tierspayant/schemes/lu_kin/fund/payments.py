"""Payments: what the fund owes a facturier for each accepted FAC, due 30 days after the acknowledgement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.core.money import from_cents
from tierspayant.schemes.lu_kin.store.fund.models import Deposit, Payment


@dataclass(frozen=True)
class PaymentDue:
    deposit_id: int
    facturier: str
    file_name: str
    amount: Decimal
    due_on: date
    paid_on: date | None


def add_payment(session: Session, deposit_id: int, facturier: str, amount_cents: int, due_on: date) -> None:
    session.add(Payment(deposit_id=deposit_id, facturier=facturier, amount_cents=amount_cents, due_on=due_on))


def payments_due(session: Session, on: date | None = None, include_paid: bool = False) -> list[PaymentDue]:
    query = select(Payment, Deposit.file_name).join(Deposit, Deposit.id == Payment.deposit_id)
    if not include_paid:
        query = query.where(Payment.paid_on.is_(None))
    if on is not None:
        query = query.where(Payment.due_on <= on)
    rows = session.execute(query.order_by(Payment.due_on, Payment.deposit_id)).all()
    return [
        PaymentDue(p.deposit_id, p.facturier, name, from_cents(p.amount_cents), p.due_on, p.paid_on) for p, name in rows
    ]


def mark_paid(session: Session, deposit_id: int, paid_on: date) -> None:
    payment = session.get(Payment, deposit_id)
    if payment is None:
        raise LookupError(f"no payment for deposit {deposit_id}")
    payment.paid_on = paid_on
