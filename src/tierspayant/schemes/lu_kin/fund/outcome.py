"""What processing one file gave (``ProcessOutcome``), and the findings of the rules as people read them."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import polars as pl

from tierspayant.core.findings import Effect, Finding
from tierspayant.core.money import ZERO
from tierspayant.schemes.lu_kin.fund.intake import anomaly_code

Status = Literal["accepted", "refused", "duplicate"]
Timer = Callable[[str], AbstractContextManager[None]]  # times a phase of the processing (``FundService._timed``)


class Refused(Exception):
    """Raised inside a file's transaction to return the file untreated (the transaction rolls back)."""

    def __init__(self, findings: list[Finding], codes: list[str] | None = None) -> None:
        super().__init__(f"{len(findings)} refusal finding(s)")
        self.findings = findings
        self.codes = codes or [anomaly_code(f) for f in findings]


@dataclass(frozen=True)
class ProcessOutcome:
    """What processing one deposited file gave."""

    status: Status
    file_type: str | None
    file_name: str
    received_at: datetime
    written: list[Path] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)  # findings made outside the rules (intake, package)
    rule_findings: pl.DataFrame | None = field(default=None, repr=False)  # the rules' findings, labelled, located
    items: int = 0  # requests (DEMAUT) or billed lines (FAC)
    accepted: int = 0  # accords, or lines paid (in full or reduced)
    refused: int = 0  # refus, or lines refused
    suspended: int = 0  # suspens (DEMAUT)
    reduced: int = 0  # lines paid less than asked (FAC)
    asked: Decimal = ZERO
    covered: Decimal = ZERO
    acknowledged_on: date | None = None
    payment_due_on: date | None = None
    deposit_id: int | None = None
    reference_version: str | None = None

    @property
    def contested(self) -> Decimal:
        return self.asked - self.covered

    @property
    def finding_count(self) -> int:
        return len(self.notes) + (0 if self.rule_findings is None else self.rule_findings.height)

    @property
    def findings(self) -> list[Finding]:
        """Every finding: ``notes`` then the rules' findings (built on first access: a national file has many)."""
        cached: list[Finding] | None = self.__dict__.get("_findings")
        if cached is None:
            rules = [] if self.rule_findings is None else as_findings(self.rule_findings, self.file_name)
            cached = [*self.notes, *rules]
            object.__setattr__(self, "_findings", cached)
        return cached

    def summary(self) -> dict[str, Any]:
        """The outcome without its findings, as JSON-ready values."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("notes", "rule_findings")}
        data["written"] = [str(path) for path in self.written]
        data["finding_count"] = self.finding_count
        data["contested"] = self.contested
        return json.loads(json.dumps(data, default=str))  # type: ignore[no-any-return]

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "findings": [finding.to_dict() for finding in self.findings]}


def locate(findings: pl.DataFrame, lines: pl.DataFrame | None, block: str) -> pl.DataFrame:
    """Add ``where``: "invoice MH-1, line 3" (the FAC's own references), "invoice MH-1" / "request DA-1", or null."""
    if lines is None or findings.height == 0:
        where = pl.when(pl.col("level") == "file").then(None).otherwise(pl.lit(f"{block} ") + pl.col("key"))
        return findings.with_columns(where.cast(pl.Utf8).alias("where"))
    # Line keys are row positions: join on integers (the positions are the lines' row ids, 0…n-1, in order).
    row = pl.when(pl.col("level") == "line").then(pl.col("key")).cast(pl.Int64, strict=False)
    line_keys = lines.select("row_id", "invoice_number", "line_number")
    joined = findings.with_columns(row.alias("row_id")).join(line_keys, on="row_id", how="left", maintain_order="left")
    where = (
        pl.when(pl.col("level") == "file")
        .then(None)
        .when(pl.col("level") == "line")
        .then(pl.concat_str([pl.lit("invoice "), "invoice_number", pl.lit(", line "), "line_number"]))
        .otherwise(pl.lit(f"{block} ") + pl.col("key"))
    )
    return joined.with_columns(where.cast(pl.Utf8).alias("where")).drop("row_id", "invoice_number", "line_number")


def as_findings(located: pl.DataFrame, file_name: str) -> list[Finding]:
    """Findings frame (labelled, located) → ``Finding`` objects: "label: detail", where, rule, effect."""
    findings = []
    for row in located.iter_rows(named=True):
        message = f"{row['label']}: {row['detail']}" if row["detail"] else str(row["label"])
        findings.append(
            Finding(
                row["code"],
                message,
                file=file_name,
                location=row["where"],
                rule=row["rule"],
                effect=Effect(row["effect"]),
            )
        )
    return findings


def stored_outcome(outcome: ProcessOutcome, returns: list[str]) -> str:
    """The outcome kept with the deposit (returned again for a duplicate), with the names of its return files."""
    summary = outcome.summary()
    summary["returns"] = returns
    return json.dumps(summary)
