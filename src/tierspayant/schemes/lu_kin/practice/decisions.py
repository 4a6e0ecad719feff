"""What the fund's decision on a billed line means for the patient and for the practice — one reading shared by the
mémoire d'honoraires, the titre's count of sessions and the reconciliation, so that they never disagree.

A RETFAC line is paid, reduced or refused. A refusal either leaves the session to be corrected and presented again
by the practice (its own error: nothing is charged to the patient), or leaves the cost to the patient (the fund
will never cover that session, whoever corrects what), or means nothing is owed at all (the session was already
paid). Which anomaly codes leave the cost to the patient (docs/lu_kin-practice.md, "What a refusal costs whom"):

- K204 the session is outside the titre's validity, K207 beyond the sessions authorised — the titre and its limits
  were given to the patient (cahier des charges art. 13: the physiotherapist informs the insured of the decision);
  a session beyond them is a service outside the insurance, at the official tariff;
- K214 the patient was not insured on the day of the session — no fund owes it.
K211 (already paid) is a duplicate line: neither the fund nor the patient owes it again. Every other refusal code is
a correctable error of the practice (titre identifier, performer, place, date, act, cumulation…).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tierspayant.core.money import ZERO
from tierspayant.schemes.lu_kin.practice.domain import LineStatus

PATIENT_PAYS = frozenset({"K204", "K207", "K214"})
NOTHING_OWED = frozenset({"K211"})


class Outcome(StrEnum):
    AWAITING = "awaiting"  # on a FAC, no RETFAC yet
    PAID = "paid"
    REDUCED = "reduced"
    TO_CORRECT = "to_correct"  # refused: the practice corrects and presents it again; nothing for the patient
    PATIENT_PAYS = "patient_pays"  # refused for a reason that leaves the cost to the patient
    ALREADY_PAID = "already_paid"  # refused as a duplicate: nobody owes it


@dataclass(frozen=True)
class LineShares:
    outcome: Outcome
    patient_due: Decimal  # what the patient owes for this line
    fund_covered: Decimal  # what the fund covered (0 until the RETFAC)

    @property
    def counts_on_titre(self) -> bool:
        """A refused session did not use the titre — except a correctable one, which will be presented again."""
        return self.outcome not in (Outcome.PATIENT_PAYS, Outcome.ALREADY_PAID)


def refusal_outcome(codes: Iterable[str]) -> Outcome:
    found = set(codes)
    if found & NOTHING_OWED:
        return Outcome.ALREADY_PAID
    if found & PATIENT_PAYS:
        return Outcome.PATIENT_PAYS
    return Outcome.TO_CORRECT


def line_shares(
    status: str,
    tariff: Decimal,
    insured_share: Decimal,
    amount_covered: Decimal | None,
    returned_insured_share: Decimal | None,
    anomaly_codes: Iterable[str] = (),
) -> LineShares:
    """The patient's and the fund's part of one billed line, as the fund decided it."""
    share = returned_insured_share if returned_insured_share is not None else insured_share
    if status == LineStatus.BILLED.value:
        return LineShares(Outcome.AWAITING, insured_share, ZERO)
    if status == LineStatus.PAID.value:
        return LineShares(Outcome.PAID, share, amount_covered or ZERO)
    if status == LineStatus.REDUCED.value:
        # the reduction (a tariff above the official one…) is the practice's loss: the patient pays their share only
        return LineShares(Outcome.REDUCED, share, amount_covered or ZERO)
    outcome = refusal_outcome(anomaly_codes)
    return LineShares(outcome, tariff if outcome is Outcome.PATIENT_PAYS else ZERO, ZERO)
