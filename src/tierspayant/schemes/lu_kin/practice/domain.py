"""Closed vocabularies of the practice side (values as written in the KIN files and stored in the database).

``Fund`` and ``PathologyCategory`` are the KIN models' enums (``Fund``, ``Pathology``): one list, the XSD's."""

from __future__ import annotations

from enum import StrEnum

from tierspayant.schemes.lu_kin.formats.models import Fund
from tierspayant.schemes.lu_kin.formats.models import Pathology as PathologyCategory

__all__ = [
    "Fund",
    "InvoicingForm",
    "LineStatus",
    "MembershipKind",
    "PathologyCategory",
    "PrescriptionStatus",
    "TitreChannel",
]


class InvoicingForm(StrEnum):
    """How the practice bills the CNS (seed 002)."""

    SEPARATE = "separate"  # each physiotherapist bills under their own code
    ASSOCIATION = "association"  # liberal association: one common code, members with join/leave dates
    GROUP = "group"  # joint invoicing: one facturier names the declared performer of each session


class MembershipKind(StrEnum):
    ASSOCIATION = "association"
    GROUP = "group"


class PrescriptionStatus(StrEnum):
    PENDING = "pending"  # recorded, not yet sent in a DEMAUT
    REQUESTED = "requested"  # sent, no decision yet
    ACCEPTED = "accepted"
    REFUSED = "refused"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"  # refused or suspended, then given up by the practice


class LineStatus(StrEnum):
    BILLED = "billed"  # on a FAC, no RETFAC yet
    PAID = "paid"  # covered as asked
    REDUCED = "reduced"  # covered, less than asked
    REFUSED = "refused"  # nothing covered


class TitreChannel(StrEnum):
    """How the titre was obtained (seed 002): third-party payment only when the practice asked electronically."""

    ELECTRONIC = "electronic"  # the practice's DEMAUT, answered by a RETAUT
    POST = "post"  # the insured sent the prescription by post and brought the paper titre
