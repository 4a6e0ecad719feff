"""The fund's answers, derived from decisions, findings and pricing (never assembled by hand): RETAUT, RETFAC,
the deposit notification (art. 7) and the acknowledgement of an exploitable FAC (art. 21–22)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from tierspayant import __version__
from tierspayant.core.findings import Finding
from tierspayant.core.outbox import safe_name, write_json
from tierspayant.schemes.lu_kin.formats.models import (
    Anomaly,
    AuthorisationDecision,
    DecisionOutcome,
    FileHeader,
    PrescribedAct,
    Retaut,
)
from tierspayant.schemes.lu_kin.formats.naming import KinFileName, split_extension
from tierspayant.schemes.lu_kin.formats.writer import write_file
from tierspayant.schemes.lu_kin.fund.decisions import RequestDecision
from tierspayant.schemes.lu_kin.fund.retfac_writer import RetfacTotals, anomaly_xml, write_retfac
from tierspayant.schemes.lu_kin.reference import ReferenceSet

FUND_SOFTWARE = f"tierspayant {__version__} (fund)"
FUND_SENDER = "CNS"  # the CNS decides and pays physiotherapy for every Luxembourg fund (lu-kin.md)


def return_name(original: KinFileName, file_type: str, sent_on: date) -> str:
    """The return file's name: same provider, period and reference as the file it answers."""
    return KinFileName(
        provider_code=original.provider_code,
        year=original.year,
        month=original.month,
        file_type=file_type,
        layout=original.layout,  # an answer is written in the layout of the file it answers
        send_date=sent_on,
        reference=original.reference,
        extension="xml",
    ).build()


def software_for(layout: str) -> str | None:
    """What the fund writes in ``Logiciel`` (layout 02 on; layout 01 has no such element)."""
    return None if layout == "01" else FUND_SOFTWARE


def return_header(original: FileHeader, file_type: str, sent_on: date, **dates: date) -> FileHeader:
    return FileHeader.model_validate(
        {
            "file_type": file_type,
            "sender": FUND_SENDER,
            "billing_provider": original.billing_provider,
            "reference": original.reference,
            "send_date": sent_on,
            "original_reference": original.reference,
            "layout": original.layout,
            "software": software_for(original.layout),
            **dates,
        }
    )


@dataclass(frozen=True)
class GrantedTitre:
    titre_id: str
    issued_on: date
    valid_from: date
    valid_to: date


def _anomaly(code: str, label: str, remark: str | None) -> Anomaly:
    return Anomaly(code=code, label=label[:200] or code, remark=(remark or None) and remark[:1000])


def retaut(
    original: FileHeader, decided_on: date, decisions: Sequence[tuple[RequestDecision, GrantedTitre | None]]
) -> Retaut:
    items = []
    for decision, titre in decisions:
        fields: dict[str, Any] = {
            "request_id": decision.request_id,
            "matricule": decision.matricule,
            "decision_date": decided_on,
            "outcome": decision.outcome,
            "anomalies": [_anomaly(*a) for a in decision.anomalies[:50]],
        }
        if decision.outcome is DecisionOutcome.ACCORD:
            assert titre is not None
            fields |= {
                "titre_id": titre.titre_id,
                "issue_date": titre.issued_on,
                "valid_from": titre.valid_from,
                "valid_to": titre.valid_to,
                "covered_acts": [PrescribedAct(act_code=a, sessions=s) for a, s in decision.covered_acts],
                "coverage_rate": decision.coverage_rate,
            }
        elif decision.outcome is DecisionOutcome.SUSPENS:
            fields["motivation"] = decision.motivation or "information awaited"
        items.append(AuthorisationDecision.model_validate(fields))
    return Retaut.model_validate({"header": return_header(original, "RETAUT", decided_on), "decisions": items})


def write_retaut(path: Path, model: Retaut) -> None:
    write_file(model, path)


def file_anomalies(findings: Sequence[Finding], codes: Sequence[str], reference: ReferenceSet) -> list[Anomaly]:
    """File-level anomalies of a refused file: the fund's code and label, the finding itself as the remark."""
    labels = dict(reference["anomalies"].select("code", "label").iter_rows())
    return [_anomaly(code, labels.get(code, code), str(finding)) for finding, code in zip(findings, codes, strict=True)]


def write_returned_retfac(
    path: Path,
    header: FileHeader,
    lines: pl.DataFrame,
    findings: pl.DataFrame,
) -> RetfacTotals:
    """RETFAC of an adjudicated FAC: ``lines`` from ``Adjudication.lines``, ``findings`` labelled."""
    line_findings = (
        findings.filter(pl.col("level") == "line")
        .select(pl.col("key").cast(pl.Int64).alias("row_id"), "code", "label", pl.col("detail").alias("remark"))
        .sort("row_id", maintain_order=True)
    )
    invoice_findings = findings.filter(pl.col("level") == "invoice").select(
        pl.col("key").alias("invoice_number"), "code", "label", pl.col("detail").alias("remark")
    )
    out = lines.select(
        "row_id",
        "invoice_number",
        "matricule",
        "line_number",
        "asked_cents",
        "covered_cents",
        pl.col("returned_insured_cents").alias("insured_cents"),
    )
    return write_retfac(
        path,
        header,
        out,
        None,  # made slice by slice from the findings
        anomaly_xml(invoice_findings, "invoice_number", 2),
        line_findings=line_findings,
    )


def write_untreated_retfac(path: Path, header: FileHeader, anomalies: Sequence[Anomaly]) -> None:
    empty = pl.DataFrame(
        schema={
            "row_id": pl.Int64,
            "invoice_number": pl.Utf8,
            "matricule": pl.Utf8,
            "line_number": pl.Int64,
            "asked_cents": pl.Int64,
            "covered_cents": pl.Int64,
            "insured_cents": pl.Int64,
        }
    )
    no_anomalies = anomaly_xml(
        pl.DataFrame(schema={"row_id": pl.Int64, "code": pl.Utf8, "label": pl.Utf8, "remark": pl.Utf8}), "row_id", 3
    )
    write_retfac(
        path,
        header,
        empty,
        no_anomalies,
        no_anomalies.rename({"row_id": "invoice_number"}).cast({"invoice_number": pl.Utf8}),
        anomalies,
    )


def notification_name(deposit_name: str) -> str:
    return f"{safe_name(split_extension(deposit_name)[0])}.deposit.json"


def acknowledgement_name(deposit_name: str) -> str:
    return f"{safe_name(split_extension(deposit_name)[0])}.acknowledgement.json"


def write_notification(
    path: Path,
    deposit_name: str,
    received_at: datetime,
    sha256: str,
    status: str,
    reasons: Sequence[Finding],
    returns: Sequence[str],
) -> Path:
    """Deposit notification (art. 7): the file was received; no legal value. Says what happens next."""
    return write_json(
        path,
        {
            "notification": "deposit",
            "file": deposit_name,
            "received_at": received_at.isoformat(),
            "sha256": sha256,
            "status": status,
            "reasons": [finding.to_dict() for finding in reasons],
            "returns": list(returns),
        },
    )


def write_acknowledgement(path: Path, deposit_name: str, acknowledged_on: date, due_on: date, days: int) -> Path:
    """Acknowledgement of an exploitable FAC (art. 21–22): its date starts the payment delay."""
    return write_json(
        path,
        {
            "acknowledgement": deposit_name,
            "acknowledged_on": acknowledged_on.isoformat(),
            "payment_delay_days": days,
            "payment_due_on": due_on.isoformat(),
        },
    )
