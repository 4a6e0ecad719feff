"""Authorisation decisions on a DEMAUT: the rules over all requests at once, then one decision per request.

A request with a refusing finding is refused (refus, with its anomaly codes); otherwise one with a suspending
finding is suspended (suspens, the findings' remarks as motivation); otherwise it is granted (accord): the titre
covers the requested acts (old acts converted), sessions up to the category's limit, at the category's coverage
rate — 100 % for a minor on the prescription date. Titre identifiers are given by the service, which owns the
sequence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from tierspayant.core.findings import Effect
from tierspayant.core.rules.duckdb_session import arrow_of
from tierspayant.core.rules.engine import evaluate
from tierspayant.schemes.lu_kin.formats.models import DecisionOutcome
from tierspayant.schemes.lu_kin.fund.adjudication import label
from tierspayant.schemes.lu_kin.pricing import RATE_SCALE
from tierspayant.schemes.lu_kin.reference import ReferenceSet
from tierspayant.schemes.lu_kin.rules_tables import authorisation_rules, connect, reference_tables

HISTORY_TABLES = ("insured", "affiliations", "providers", "memberships")
REFUSING = (Effect.REJECT_BLOCK.value, Effect.REJECT_LINE.value)


@dataclass(frozen=True)
class RequestDecision:
    """The fund's decision on one request, before a titre identifier is given to an accord."""

    request_id: str
    matricule: str
    outcome: DecisionOutcome
    anomalies: list[tuple[str, str, str | None]] = field(default_factory=list)  # (code, label, remark)
    covered_acts: list[tuple[str, int]] = field(default_factory=list)  # (act code, sessions)
    rate_e2: int | None = None  # coverage rate in 1/100 %
    motivation: str | None = None
    pathology: str = ""
    prescription_date: date | None = None
    prescriber_code: str = ""

    @property
    def coverage_rate(self) -> Decimal | None:
        return None if self.rate_e2 is None else Decimal(self.rate_e2) / RATE_SCALE


@dataclass(frozen=True)
class Decisions:
    findings: pl.DataFrame
    requests: list[RequestDecision]

    @property
    def file_rejected(self) -> bool:
        return self.findings.filter(pl.col("effect") == Effect.REJECT_FILE.value).height > 0


def decide(
    requests: pl.DataFrame, file: pl.DataFrame, history: Mapping[str, pl.DataFrame], reference: ReferenceSet
) -> Decisions:
    """``requests`` as built by ``rules_tables.requests_frame`` + ``with_effective_acts``."""
    missing = [name for name in HISTORY_TABLES if name not in history]
    if missing:
        raise ValueError(f"history table(s) not given: {', '.join(missing)}")
    tables = {**reference_tables(reference), **history, "requests": requests, "file": file}
    con = connect()
    try:
        arrow = {name: arrow_of(frame) for name, frame in tables.items()}
        findings = label(evaluate(authorisation_rules(), arrow, con), reference)
    finally:
        con.close()
    by_request: dict[str, list[dict[str, object]]] = {}
    for row in findings.filter(pl.col("level") == "invoice").iter_rows(named=True):
        by_request.setdefault(str(row["key"]), []).append(row)
    births = dict(history["insured"].select("matricule", "birth_date").iter_rows())
    decisions = []
    for request_id, acts in requests.sort("row_id").group_by("request_id", maintain_order=True):
        decisions.append(
            _decide_one(str(request_id[0]), acts, by_request.get(str(request_id[0]), []), births, reference)
        )
    return Decisions(findings=findings, requests=decisions)


def _decide_one(
    request_id: str,
    acts: pl.DataFrame,
    found: list[dict[str, object]],
    births: Mapping[str, date],
    reference: ReferenceSet,
) -> RequestDecision:
    first = acts.row(0, named=True)
    anomalies = [(str(f["code"]), str(f["label"]), _remark(f["detail"])) for f in found]
    common = {
        "request_id": request_id,
        "matricule": first["matricule"],
        "anomalies": anomalies,
        "pathology": first["pathology"],
        "prescription_date": first["prescription_date"],
        "prescriber_code": first["prescriber_code"],
    }
    if any(f["effect"] in REFUSING for f in found):
        return RequestDecision(outcome=DecisionOutcome.REFUS, **common)  # type: ignore[arg-type]
    suspending = [f for f in found if f["effect"] == Effect.SUSPEND.value]
    covered, rate = _coverage(acts, first, births, reference)
    if suspending:
        # what an accord would cover is kept with the suspension: a later decision (after the Contrôle médical's
        # advice, or the missing prescription) grants it without the request being sent again
        motivation = "; ".join(_remark(f["detail"]) or str(f["label"]) for f in suspending)[:1000]
        return RequestDecision(
            outcome=DecisionOutcome.SUSPENS,
            motivation=motivation,
            covered_acts=covered,
            rate_e2=rate,
            **common,  # type: ignore[arg-type]
        )
    return RequestDecision(outcome=DecisionOutcome.ACCORD, covered_acts=covered, rate_e2=rate, **common)  # type: ignore[arg-type]


def _coverage(
    acts: pl.DataFrame, first: dict[str, Any], births: Mapping[str, date], reference: ReferenceSet
) -> tuple[list[tuple[str, int]], int]:
    """The acts an accord covers (up to the category's limit) and the coverage rate."""
    on = first["prescription_date"]
    limit = _valid_on(reference["session_limits"], "category", first["pathology"], on)["max_sessions"]
    covered: list[tuple[str, int]] = []
    left = int(limit)
    for act in acts.iter_rows(named=True):  # acts in request order share the limit
        sessions = min(int(act["sessions"]), left)
        if sessions > 0:
            covered.append((act["effective_act_code"], sessions))
        left -= sessions
    rate = int(_valid_on(reference["rates"], "category", first["pathology"], on)["rate_percent_e2"])
    birth = births.get(first["matricule"])
    minor_age = reference.int_parameter("minor_age_years", on)
    if birth is not None and _age(birth, on) < minor_age:
        rate = max(rate, int(_valid_on(reference["rates"], "category", "UNDER_18", on)["rate_percent_e2"]))
    return _merge(covered), rate


def _merge(acts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Two prescribed acts converted to the same new act become one covered act."""
    merged: dict[str, int] = {}
    for code, sessions in acts:
        merged[code] = merged.get(code, 0) + sessions
    return list(merged.items())


def _valid_on(table: pl.DataFrame, column: str, value: str, on: date) -> dict[str, Any]:
    rows = table.filter((pl.col(column) == value) & (pl.col("valid_from") <= on) & (pl.col("valid_to") >= on))
    if rows.height != 1:
        raise LookupError(f"reference data: no single {column} = {value} valid on {on}")
    return rows.row(0, named=True)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _remark(detail: object) -> str | None:
    return None if detail is None else str(detail)[:1000]
