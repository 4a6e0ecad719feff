"""The sending-number controls, before any line is read (the header / 95 / 96 controls are in ``intake``).

- A sending number already accepted for this third party and invoiced year — even if that sending was cancelled
  since by a negative invoicing — cannot be used again → 920999 (E301040).
- The same sending sent again after it was accepted → 920098 saying it was already accepted: nothing to do.
- A sending number whose earlier file was rejected (920099) may be, and must be, used again for the corrected file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tierspayant.core.findings import Effect, Finding
from tierspayant.schemes.be_nursing.store.mutuality.registry import PriorSending

NUMBER_ALREADY_USED = "E301040"


class NumberStatus(StrEnum):
    FREE = "free"  # never accepted: process the file
    DUPLICATE = "duplicate"  # this very sending was accepted already → 920098
    TAKEN = "taken"  # another sending took this number → 920999


@dataclass(frozen=True)
class NumberCheck:
    status: NumberStatus
    accepted: PriorSending | None = None

    def finding(self, file: str, sending_number: int) -> Finding | None:
        if self.status is NumberStatus.FREE or self.accepted is None:
            return None
        when = self.accepted.received_at.strftime("%d/%m/%Y")
        cancelled = " (annulé depuis : le numéro reste pris)" if self.accepted.cancelled_at else ""
        if self.status is NumberStatus.DUPLICATE:  # in French: it is the comment of the mutuality's reply
            message = f"Envoi {sending_number:03d} déjà accepté le {when}{cancelled} : ne pas le réintroduire"
            return Finding(
                NUMBER_ALREADY_USED, message, file=file, location="segment 300 zone 301", effect=Effect.INFORM
            )
        message = (
            f"Numéro d'envoi {sending_number:03d} déjà utilisé par un envoi accepté le {when}{cancelled} ;"
            " utilisez un nouveau numéro d'envoi"
        )
        return Finding(NUMBER_ALREADY_USED, message, file=file, location="segment 300 zone 301", rule="sending_number")


def check_number(accepted: PriorSending | None, digest: str) -> NumberCheck:
    """``accepted``: the sending that took this number (if any); ``digest``: the fingerprint of the new file."""
    if accepted is None:
        return NumberCheck(NumberStatus.FREE)
    if accepted.digest == digest:
        return NumberCheck(NumberStatus.DUPLICATE, accepted)
    return NumberCheck(NumberStatus.TAKEN, accepted)
