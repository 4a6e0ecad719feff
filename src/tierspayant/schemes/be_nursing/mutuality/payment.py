"""Payment date of an accepted sending: once, two weeks after the reception of the accepted file, in the order of
reception — a file is never scheduled before one received earlier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

PAYMENT_DELAY = timedelta(days=14)


@dataclass(frozen=True)
class PaymentSlot:
    order: int  # rank among accepted sendings, in order of reception
    payment_date: date


def schedule_payment(received_at: datetime, last_order: int, last_payment_date: date | None) -> PaymentSlot:
    due = received_at.date() + PAYMENT_DELAY
    if last_payment_date is not None and due < last_payment_date:
        due = last_payment_date  # processed after a file received later: paid with it, never before it
    return PaymentSlot(order=last_order + 1, payment_date=due)
