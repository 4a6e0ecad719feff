"""Small KIN batches for rule tests: a baseline that no rule objects to, and helpers to change one thing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import polars as pl

from tierspayant.schemes.lu_kin.fund.history import LEDGER_SCHEMA, TITRE_ACT_SCHEMA, TITRE_SCHEMA
from tierspayant.schemes.lu_kin.fund.registries import (
    AFFILIATION_SCHEMA,
    INSURED_SCHEMA,
    MEMBERSHIP_SCHEMA,
    PROVIDER_SCHEMA,
)
from tierspayant.schemes.lu_kin.reference import OPEN_END, ReferenceSet, load_sample_reference
from tierspayant.schemes.lu_kin.rules_tables import FILE_SCHEMA, LINE_SCHEMA, REQUEST_SCHEMA
from tierspayant.schemes.lu_kin.titre import make_titre_id

REFERENCE: ReferenceSet = load_sample_reference()
FACTURIER = "70012345"
MEMBER = "70023456"
PATIENT = "1956031401288"
OTHER_PATIENT = "1979122003208"
TITRE = make_titre_id(2024, 1)


def line(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "row_id": 0,
        "invoice_number": "MH1",
        "matricule": PATIENT,
        "fund": "CNS",
        "line_number": 1,
        "titre_id": TITRE,
        "service_date": date(2024, 3, 11),
        "act_code": "ZK11",
        "performer_code": MEMBER,
        "place_category": "01",
        "tariff_cents": 2987,
        "insured_cents": 896,
        "asked_cents": 2091,
        "facturier": FACTURIER,
    }
    row.update(changes)
    return row


def request(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "row_id": 0,
        "request_id": "DA1",
        "act_order": 1,
        "matricule": PATIENT,
        "fund": "CNS",
        "prescriber_code": "10123456",
        "prescription_date": date(2024, 3, 1),
        "pathology": "COMMON",
        "performer_code": MEMBER,
        "place_category": "01",
        "accident": False,
        "act_code": "ZK11",
        "sessions": 8,
        "document_name": "ORD-DA1.pdf",
        "document_problem": None,
        "facturier": FACTURIER,
        "received_on": date(2024, 3, 7),
    }
    row.update(changes)
    return row


def titre(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "titre_id": TITRE,
        "matricule": PATIENT,
        "facturier": FACTURIER,
        "pathology": "COMMON",
        "issued_on": date(2024, 3, 8),
        "valid_from": date(2024, 3, 1),
        "valid_to": date(2025, 3, 8),
        "rate_e2": 7000,
        "first_service_on": None,
        "channel": "electronic",
    }
    row.update(changes)
    return row


def frame(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([[row.get(c) for c in schema] for row in rows], schema=schema, orient="row")


@dataclass
class Batch:
    """A FAC or DEMAUT batch with its history, as lists of row dicts (easy to change in a test)."""

    lines: list[dict[str, Any]] = field(default_factory=lambda: [line()])
    requests: list[dict[str, Any]] = field(default_factory=lambda: [request()])
    titres: list[dict[str, Any]] = field(default_factory=lambda: [titre()])
    titre_acts: list[dict[str, Any]] = field(
        default_factory=lambda: [{"titre_id": TITRE, "act_code": "ZK11", "sessions": 8, "sessions_paid": 0}]
    )
    ledger: list[dict[str, Any]] = field(default_factory=list)
    insured: list[dict[str, Any]] = field(
        default_factory=lambda: [{"matricule": PATIENT, "birth_date": date(1956, 3, 14)}]
    )
    affiliations: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {"matricule": PATIENT, "fund": "CNS", "valid_from": date(2000, 1, 1), "valid_to": OPEN_END}
        ]
    )
    providers: list[dict[str, Any]] = field(
        default_factory=lambda: [{"code": FACTURIER, "name": "Cabinet", "kind": "group"}]
    )
    memberships: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {
                "group_code": FACTURIER,
                "member_code": MEMBER,
                "kind": "joint_invoicing",
                "valid_from": date(2020, 1, 1),
                "valid_to": OPEN_END,
            }
        ]
    )
    send_date: date = date(2024, 4, 2)
    received_on: date = date(2024, 4, 2)

    def but(self, **changes: Any) -> Batch:
        return replace(self, **changes)

    def file(self, file_type: str) -> pl.DataFrame:
        return frame(
            [
                {
                    "file_name": "F70012345202403_KIN_TEST",
                    "file_type": file_type,
                    "facturier": FACTURIER,
                    "sender": FACTURIER,
                    "reference": "REF1",
                    "send_date": self.send_date,
                    "received_on": self.received_on,
                }
            ],
            FILE_SCHEMA,
        )

    def history(self) -> dict[str, pl.DataFrame]:
        return {
            "titres": frame(self.titres, TITRE_SCHEMA),
            "titre_acts": frame(self.titre_acts, TITRE_ACT_SCHEMA),
            "ledger": frame(self.ledger, LEDGER_SCHEMA),
            "insured": frame(self.insured, INSURED_SCHEMA),
            "affiliations": frame(self.affiliations, AFFILIATION_SCHEMA),
            "providers": frame(self.providers, PROVIDER_SCHEMA),
            "memberships": frame(self.memberships, MEMBERSHIP_SCHEMA),
        }

    def lines_frame(self) -> pl.DataFrame:
        return frame(self.lines, LINE_SCHEMA)

    def requests_frame(self) -> pl.DataFrame:
        return frame(self.requests, REQUEST_SCHEMA)
