"""Payment date of an accepted sending: once, two weeks after the reception of the accepted file, in the order of
reception ("2 semaines après la date de réception du fichier accepté … sur base de la chronologie de réception").

A file received earlier but processed later (a queue, a slow batch) is still paid at its own reception + 14 days and
ranks before the files received after it: the date and the rank follow the reception, never the processing order.
The amount paid is the accepted amount minus the M38 regularisations compensated on it (the registry's
``payments``); the payment letter shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

PAYMENT_DELAY = timedelta(days=14)


@dataclass(frozen=True)
class PaymentSlot:
    order: int  # rank among accepted sendings in order of reception, as known when this one was processed
    payment_date: date


def schedule_payment(received_at: datetime, rank: int) -> PaymentSlot:
    """``rank``: 1 + the accepted sendings received before this one (``RefacRegistry.payment_rank``)."""
    return PaymentSlot(order=rank, payment_date=received_at.date() + PAYMENT_DELAY)
