"""Return files as a fund would deposit them, built with the real KIN models, writer and reader — for testing the
practice's import step by step. (The end-to-end test uses the real fund engine instead.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from tierspayant.schemes.lu_kin.formats.models import (
    Anomaly,
    AuthorisationDecision,
    DecisionOutcome,
    Demaut,
    Fac,
    FileHeader,
    PrescribedAct,
    Retaut,
    Retfac,
    ReturnedInvoice,
    ReturnedLine,
)
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.formats.package import read_package
from tierspayant.schemes.lu_kin.formats.reader import read_file
from tierspayant.schemes.lu_kin.formats.writer import write_file


@dataclass(frozen=True)
class Accord:
    titre_id: str
    valid_days: int = 90
    rate: Decimal = Decimal("70.00")
    sessions: int | None = None  # default: as prescribed


@dataclass(frozen=True)
class Refus:
    code: str = "K102"
    label: str = "Médecin prescripteur inconnu"
    remark: str | None = None


@dataclass(frozen=True)
class Suspens:
    motivation: str = "Bilan kinésithérapeutique demandé"


@dataclass(frozen=True)
class LineOutcome:
    covered: Decimal | None = None  # default: as asked
    anomalies: list[Anomaly] = field(default_factory=list)


def read_demaut(package: Path) -> Demaut:
    content = read_package(package.read_bytes(), package.name)
    model = read_file(content.xml, content.xml_name)
    assert isinstance(model, Demaut)
    return model


def retaut_for(package: Path, decisions: dict[str, Accord | Refus | Suspens], inbox: Path, day: date) -> Path:
    demaut = read_demaut(package)
    out = []
    for request in demaut.requests:
        decision = decisions[request.request_id]
        if isinstance(decision, Accord):
            out.append(
                AuthorisationDecision(
                    request_id=request.request_id,
                    matricule=request.matricule,
                    decision_date=day,
                    outcome=DecisionOutcome.ACCORD,
                    titre_id=decision.titre_id,
                    issue_date=day,
                    valid_from=day,
                    valid_to=day + timedelta(days=decision.valid_days),
                    covered_acts=[
                        PrescribedAct(act_code=a.act_code, sessions=decision.sessions or a.sessions)
                        for a in request.acts
                    ],
                    coverage_rate=decision.rate,
                )
            )
        elif isinstance(decision, Refus):
            out.append(
                AuthorisationDecision(
                    request_id=request.request_id,
                    matricule=request.matricule,
                    decision_date=day,
                    outcome=DecisionOutcome.REFUS,
                    anomalies=[Anomaly(code=decision.code, label=decision.label, remark=decision.remark)],
                )
            )
        else:
            out.append(
                AuthorisationDecision(
                    request_id=request.request_id,
                    matricule=request.matricule,
                    decision_date=day,
                    outcome=DecisionOutcome.SUSPENS,
                    motivation=decision.motivation,
                )
            )
    return _write_return(
        Retaut, "RETAUT", demaut.header, {"decisions": out}, inbox, day, f"RA-{demaut.header.reference}"
    )


def retfac_for(fac_path: Path, outcomes: dict[tuple[str, int], LineOutcome], inbox: Path, day: date) -> Path:
    fac = read_file(fac_path)
    assert isinstance(fac, Fac)
    invoices = []
    for invoice in fac.invoices:
        lines = []
        for line in invoice.lines:
            outcome = outcomes.get((invoice.invoice_number, line.line_number), LineOutcome())
            covered = line.amount_asked if outcome.covered is None else outcome.covered
            lines.append(
                ReturnedLine(
                    line_number=line.line_number,
                    amount_asked=line.amount_asked,
                    amount_covered=covered,
                    insured_share=line.insured_share,
                    anomalies=outcome.anomalies,
                )
            )
        invoices.append(
            ReturnedInvoice(invoice_number=invoice.invoice_number, matricule=invoice.matricule, lines=lines)
        )
    return _write_return(
        Retfac,
        "RETFAC",
        fac.header,
        {"invoices": invoices},
        inbox,
        day,
        f"RF-{fac.header.reference}",
        deposit_date=day,
        payment_due_date=day + timedelta(days=30),
    )


def untreated_retfac_for(fac_path: Path, inbox: Path, day: date) -> Path:
    fac = read_file(fac_path)
    assert isinstance(fac, Fac)
    anomalies = [Anomaly(code="K002", label="Fichier non exploitable (structure ou format)")]
    return _write_return(
        Retfac,
        "RETFAC",
        fac.header,
        {"anomalies": anomalies},
        inbox,
        day,
        f"RF-{fac.header.reference}",
        deposit_date=day,
        payment_due_date=day + timedelta(days=30),
    )


def _write_return(
    model: type[Retaut] | type[Retfac],
    file_type: str,
    answered: FileHeader,
    content: dict[str, object],
    inbox: Path,
    day: date,
    reference: str,
    **header_extra: date,
) -> Path:
    header = FileHeader(
        file_type=file_type,  # type: ignore[arg-type]
        sender="CNS",
        billing_provider=answered.billing_provider,
        reference=reference[:30],
        send_date=day,
        original_reference=answered.reference,
        **header_extra,
    )
    name = KinFileName(
        provider_code=answered.billing_provider,
        year=day.year,
        month=day.month,
        file_type=file_type,
        send_date=day,
        reference=reference[:30],
        extension="xml",
    )
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / name.build()
    write_file(model(header=header, **content), path)  # type: ignore[arg-type]
    return path
