"""Closed vocabularies of the practice side (values as written in the KIN files and stored in the database)."""

from __future__ import annotations

from enum import StrEnum


class InvoicingForm(StrEnum):
    """How the practice bills the CNS (seed 002)."""

    SEPARATE = "separate"  # each physiotherapist bills under their own code
    ASSOCIATION = "association"  # liberal association: one common code, members with join/leave dates
    GROUP = "group"  # joint invoicing: one facturier names the declared performer of each session


class MembershipKind(StrEnum):
    ASSOCIATION = "association"
    GROUP = "group"


class Fund(StrEnum):
    CNS = "CNS"
    CMFEP = "CMFEP"
    CMFEC = "CMFEC"
    EMCFL = "EMCFL"
    AAA = "AAA"  # Association d'assurance accident: work accidents


class PathologyCategory(StrEnum):
    COMMON = "COMMON"
    SERIOUS = "SERIOUS"
    POST_SURGICAL = "POST_SURGICAL"
    LYMPHATIC_DRAINAGE = "LYMPHATIC_DRAINAGE"


class PrescriptionStatus(StrEnum):
    PENDING = "pending"  # recorded, not yet sent in a DEMAUT
    REQUESTED = "requested"  # sent, no decision yet
    ACCEPTED = "accepted"
    REFUSED = "refused"
    SUSPENDED = "suspended"


class LineStatus(StrEnum):
    BILLED = "billed"  # on a FAC, no RETFAC yet
    PAID = "paid"  # covered as asked
    REDUCED = "reduced"  # covered, less than asked
    REFUSED = "refused"  # nothing covered
