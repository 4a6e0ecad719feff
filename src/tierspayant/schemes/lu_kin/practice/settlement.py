"""Import a RETFAC: each billed line gets its status (paid, reduced, refused), the amount covered, the insured share
the fund computed and the anomalies with their labels. A FAC returned untreated frees its month for a corrected FAC
and puts its sessions back to be billed."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from tierspayant.schemes.lu_kin.formats.models import Retfac
from tierspayant.schemes.lu_kin.practice import exchange
from tierspayant.schemes.lu_kin.practice.domain import LineStatus
from tierspayant.schemes.lu_kin.practice.refusals import refuse, warning
from tierspayant.schemes.lu_kin.practice.returns_summary import ImportSummary, anomaly_labels
from tierspayant.schemes.lu_kin.store.practice.models import (
    BilledLine,
    BillingMonth,
    ExchangeFile,
    LineAnomaly,
    TreatmentSession,
)


def import_retfac(db: Session, retfac: Retfac, file: ExchangeFile, summary: ImportSummary) -> None:
    fac = exchange.sent_file(db, "FAC", retfac.header.billing_provider, retfac.header.original_reference or "")
    if fac is None:
        refuse(
            "PRA-RETURN-UNKNOWN-FILE",
            f"this RETFAC answers FAC reference {retfac.header.original_reference!r} of facturier "
            f"{retfac.header.billing_provider}, which this practice never sent",
            file=file.name,
            location="/RETFAC/Entete/ReferenceOrigine",
        )
    file.answers_file_id = fac.id
    file.deposit_date = retfac.header.deposit_date
    file.payment_due_date = retfac.header.payment_due_date
    lines = {
        (line.invoice_number, line.line_number): line
        for line in db.scalars(
            select(BilledLine)
            .where(BilledLine.fac_file_id == fac.id)
            .options(
                selectinload(BilledLine.session).selectinload(TreatmentSession.patient),
                selectinload(BilledLine.anomalies),
            )
        )
    }
    if not retfac.invoices:
        _returned_untreated(db, retfac, file, fac, list(lines.values()), summary)
        return
    for invoice_position, invoice in enumerate(retfac.invoices, start=1):
        if invoice.anomalies:
            summary.notices.append(
                warning("PRA-N-INVOICE", f"invoice {invoice.invoice_number}: {anomaly_labels(invoice.anomalies)}")
            )
        for line_position, returned in enumerate(invoice.lines, start=1):
            where = f"/RETFAC/Facture[{invoice_position}]/Ligne[{line_position}]"
            line = lines.get((invoice.invoice_number, returned.line_number))
            if line is None:
                refuse(
                    "PRA-RETURN-UNKNOWN-LINE",
                    f"invoice {invoice.invoice_number} line {returned.line_number} is not a line of {fac.name}",
                    file=file.name,
                    location=where,
                )
            if line.session.patient.matricule != invoice.matricule:
                refuse(
                    "PRA-RETURN-MISMATCH",
                    f"invoice {invoice.invoice_number} names matricule {invoice.matricule}, it was billed for "
                    f"{line.session.patient.matricule}",
                    file=file.name,
                    location=where,
                )
            if returned.amount_asked != line.amount_asked:
                refuse(
                    "PRA-RETURN-MISMATCH",
                    f"invoice {invoice.invoice_number} line {returned.line_number}: the return says "
                    f"{returned.amount_asked} was asked, the FAC asked {line.amount_asked}",
                    file=file.name,
                    location=where + "/MontantDemande",
                )
            if line.status != LineStatus.BILLED.value:
                summary.notices.append(
                    warning(
                        "PRA-W-ALREADY-RETURNED",
                        f"invoice {invoice.invoice_number} line {returned.line_number} already has its return "
                        f"({line.status}); not changed",
                    )
                )
                continue
            anomalies = [*returned.anomalies, *invoice.anomalies]
            if returned.amount_covered == returned.amount_asked:
                status = LineStatus.PAID
            elif returned.amount_covered == 0:
                status = LineStatus.REFUSED
            else:
                status = LineStatus.REDUCED
            line.status = status.value
            line.amount_covered = returned.amount_covered
            line.returned_insured_share = returned.insured_share
            line.retfac_file_id = file.id
            line.anomalies = [LineAnomaly(code=a.code, label=a.label, remark=a.remark) for a in anomalies]
            summary.amount_asked += returned.amount_asked
            summary.amount_covered += returned.amount_covered
            if status is LineStatus.PAID:
                summary.lines_paid += 1
                continue
            if status is LineStatus.REDUCED:
                summary.lines_reduced += 1
            else:
                summary.lines_refused += 1
            session = line.session
            summary.notices.append(
                warning(
                    "PRA-N-LINE",
                    f"{session.patient.last_name.upper()} {session.performed_on} {session.act_code} (session "
                    f"{session.id}, invoice {invoice.invoice_number} line {returned.line_number}): {status.value}, "
                    f"{returned.amount_covered} of {returned.amount_asked} covered — "
                    f"{anomaly_labels(anomalies) or 'no reason given'}"
                    + (". Correct the session and it goes on the next FAC" if status is LineStatus.REFUSED else ""),
                )
            )


def _returned_untreated(
    db: Session, retfac: Retfac, file: ExchangeFile, fac: ExchangeFile, lines: list[BilledLine], summary: ImportSummary
) -> None:
    """Art. 21: the file was not exploitable; nothing of it counts — its month is free again, its sessions unbilled."""
    file.returned_untreated = True
    fac.returned_untreated = True
    summary.status = "returned untreated"
    # a corrected session re-billed on this FAC still has its earlier contested line: it is billed again
    billed_elsewhere = set(
        db.scalars(
            select(BilledLine.session_id)
            .where(BilledLine.session_id.in_([line.session_id for line in lines]), BilledLine.fac_file_id != fac.id)
            .distinct()
        )
    )
    for line in lines:
        line.session.rebill = line.session_id in billed_elsewhere
        db.delete(line)  # with its anomalies (cascade)
    db.flush()
    db.execute(delete(BillingMonth).where(BillingMonth.exchange_file_id == fac.id))
    summary.notices.append(
        warning(
            "PRA-N-UNTREATED",
            f"{fac.name} was returned untreated: {anomaly_labels(retfac.anomalies)}. Its {len(lines)} line(s) are "
            "unbilled again; correct the cause and build the FAC again",
        )
    )
