"""Authorisation: build a DEMAUT (in its ZIP package with the prescription scans) from the pending prescriptions,
and import a RETAUT — accords become titres, refusals and suspensions are shown with the fund's labels."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tierspayant.schemes.lu_kin.formats.models import (
    AuthorisationDecision,
    DecisionOutcome,
    Demaut,
    FileHeader,
    PrescribedAct,
    PrescriptionDocument,
    Retaut,
)
from tierspayant.schemes.lu_kin.formats.models import (
    AuthorisationRequest as RequestModel,
)
from tierspayant.schemes.lu_kin.formats.package import build_package
from tierspayant.schemes.lu_kin.formats.writer import to_bytes
from tierspayant.schemes.lu_kin.practice import exchange
from tierspayant.schemes.lu_kin.practice.domain import PrescriptionStatus
from tierspayant.schemes.lu_kin.practice.exchange import PendingFile
from tierspayant.schemes.lu_kin.practice.prescriptions import pending_prescriptions
from tierspayant.schemes.lu_kin.practice.reference import PracticeReference
from tierspayant.schemes.lu_kin.practice.refusals import refuse, warning
from tierspayant.schemes.lu_kin.practice.returns_summary import ImportSummary, anomaly_labels
from tierspayant.schemes.lu_kin.practice.setup import facturier_of, practice_info
from tierspayant.schemes.lu_kin.store.practice.models import (
    AuthorisationRequest,
    ExchangeFile,
    Prescription,
    RequestAnomaly,
    Titre,
    TitreAct,
)


def facturiers_with_pending(db: Session) -> dict[str, list[Prescription]]:
    info = practice_info(db)
    grouped: dict[str, list[Prescription]] = defaultdict(list)
    for prescription in pending_prescriptions(db):
        grouped[facturier_of(info, prescription.performer_code)].append(prescription)
    return dict(grouped)


def _attempts_and_scans(db: Session, prescriptions: list[Prescription]) -> tuple[dict[int, int], dict[int, bytes]]:
    """(requests already sent, scan) per prescription: two queries for the whole DEMAUT, not two per request."""
    ids = [p.id for p in prescriptions]
    attempts = db.execute(
        select(AuthorisationRequest.prescription_id, func.count())
        .where(AuthorisationRequest.prescription_id.in_(ids))
        .group_by(AuthorisationRequest.prescription_id)
    )
    scans = db.execute(select(Prescription.id, Prescription.scan).where(Prescription.id.in_(ids)))
    return {pid: int(count) for pid, count in attempts}, {pid: bytes(scan) for pid, scan in scans}


def build_demaut(
    db: Session, facturier: str | None, now: datetime, outbox: Path, reference: PracticeReference | None = None
) -> PendingFile:
    """The DEMAUT package of every pending prescription billed by ``facturier`` (the only one when None)."""
    grouped = facturiers_with_pending(db)
    if not grouped:
        refuse("PRA-NOTHING-TO-REQUEST", "no prescription is waiting for an authorisation request")
    if facturier is None:
        if len(grouped) > 1:
            refuse(
                "PRA-WHICH-FACTURIER",
                f"prescriptions are pending for several facturiers ({', '.join(sorted(grouped))}): say which",
            )
        facturier = next(iter(grouped))
    if facturier not in grouped:
        refuse("PRA-NOTHING-TO-REQUEST", f"no prescription is waiting for facturier {facturier}")
    today = now.date()
    # the newest layout in force (art. 10 and 16); without the reference lists, layout 01
    layout, software = reference.layout_on(today) if reference is not None else ("01", None)
    own_reference = exchange.next_reference(db, "DEMAUT", facturier, today)
    name = exchange.file_name("DEMAUT", facturier, today.year, today.month, today, own_reference, layout)
    requests: list[RequestModel] = []
    documents: dict[str, bytes] = {}
    rows: list[AuthorisationRequest] = []
    sent_before, scans = _attempts_and_scans(db, grouped[facturier])
    for prescription in grouped[facturier]:
        request_id = f"P{prescription.id}-{sent_before.get(prescription.id, 0) + 1}"
        document_name = f"ORD-{request_id}.pdf"
        documents[document_name] = scans[prescription.id]
        requests.append(
            RequestModel(
                request_id=request_id,
                matricule=prescription.patient.matricule,
                fund=prescription.patient.fund,
                prescriber_code=prescription.prescriber_code,
                prescription_date=prescription.prescribed_on,
                acts=[PrescribedAct(act_code=a.act_code, sessions=a.sessions) for a in prescription.acts],
                pathology=prescription.pathology_category,
                performer_code=prescription.performer_code,
                place_category=prescription.place_category,
                accident=prescription.accident,
                accident_date=prescription.accident_date,
                prescription=PrescriptionDocument(file_name=document_name, sha256=prescription.scan_sha256),
            )
        )
        rows.append(AuthorisationRequest(request_id=request_id, prescription_id=prescription.id))
        prescription.status = PrescriptionStatus.REQUESTED.value
    header = FileHeader.model_validate(
        {
            "file_type": "DEMAUT",
            "layout": layout,
            "software": software,
            "sender": facturier,
            "billing_provider": facturier,
            "reference": own_reference,
            "send_date": today,
        }
    )
    xml = to_bytes(Demaut(header=header, requests=requests))
    package = build_package(name.with_extension("xml").build(), xml, documents)
    zip_name = name.with_extension("zip").build()
    path = outbox / zip_name
    row = exchange.record(
        db,
        name=zip_name,
        file_type="DEMAUT",
        direction="out",
        facturier=facturier,
        reference=own_reference,
        data=package,
        path=path,
        now=now,
    )
    for request in rows:
        request.demaut_file_id = row.id
        db.add(request)
    db.flush()
    return PendingFile(path, package)


def import_retaut(db: Session, retaut: Retaut, file: ExchangeFile, summary: ImportSummary) -> None:
    """Apply the decisions of a RETAUT; the whole file is refused (nothing applied) if any decision does not fit."""
    demaut = exchange.sent_file(db, "DEMAUT", retaut.header.billing_provider, retaut.header.original_reference or "")
    if demaut is None:
        refuse(
            "PRA-RETURN-UNKNOWN-FILE",
            f"this RETAUT answers DEMAUT reference {retaut.header.original_reference!r} of facturier "
            f"{retaut.header.billing_provider}, which this practice never sent",
            file=file.name,
            location="/RETAUT/Entete/ReferenceOrigine",
        )
    file.answers_file_id = demaut.id
    requests = {
        r.request_id: r
        for r in db.scalars(
            select(AuthorisationRequest)
            .where(AuthorisationRequest.demaut_file_id == demaut.id)
            .options(
                selectinload(AuthorisationRequest.prescription).selectinload(Prescription.patient),
                selectinload(AuthorisationRequest.anomalies),
            )
        )
    }
    for position, decision in enumerate(retaut.decisions, start=1):
        request = requests.get(decision.request_id)
        where = f"/RETAUT/Decision[{position}]"
        if request is None:
            refuse(
                "PRA-RETURN-UNKNOWN-REQUEST",
                f"decision for request {decision.request_id}, which is not in DEMAUT {demaut.name}",
                file=file.name,
                location=where + "/IdDemande",
            )
        if request.prescription.patient.matricule != decision.matricule:
            refuse(
                "PRA-RETURN-MISMATCH",
                f"decision for request {decision.request_id} names matricule {decision.matricule}, the request was "
                f"for {request.prescription.patient.matricule}",
                file=file.name,
                location=where + "/Matricule",
            )
        _apply(db, request, decision, file, summary)


def _apply(
    db: Session,
    request: AuthorisationRequest,
    decision: AuthorisationDecision,
    file: ExchangeFile,
    summary: ImportSummary,
) -> None:
    outcome = decision.outcome
    if request.decision in ("accord", "refus"):
        summary.notices.append(
            warning(
                "PRA-W-ALREADY-DECIDED",
                f"request {request.request_id} was already decided ({request.decision}); the decision in "
                f"{file.name} ({outcome.value.lower()}) is not applied — ask the CNS if it differs",
            )
        )
        return
    prescription = request.prescription
    patient = prescription.patient.last_name.upper() + " " + prescription.patient.first_name
    request.retaut_file_id = file.id
    request.decision = outcome.value.lower()
    request.anomalies = [RequestAnomaly(code=a.code, label=a.label, remark=a.remark) for a in decision.anomalies]
    labels = anomaly_labels(decision.anomalies)
    if outcome is DecisionOutcome.ACCORD:
        assert decision.titre_id and decision.issue_date and decision.valid_from and decision.valid_to
        assert decision.coverage_rate is not None
        if db.scalar(select(Titre).where(Titre.identifier == decision.titre_id)) is not None:
            refuse(
                "PRA-RETURN-DUPLICATE-TITRE",
                f"titre {decision.titre_id} already exists for another request",
                file=file.name,
            )
        db.add(
            Titre(
                identifier=decision.titre_id,
                authorisation_request_id=request.id,
                prescription_id=prescription.id,
                patient_id=prescription.patient_id,
                issued_on=decision.issue_date,
                valid_from=decision.valid_from,
                valid_to=decision.valid_to,
                coverage_rate=decision.coverage_rate,
                acts=[TitreAct(act_code=a.act_code, sessions=a.sessions) for a in decision.covered_acts],
            )
        )
        prescription.status = PrescriptionStatus.ACCEPTED.value
        summary.accords += 1
        summary.titres.append(decision.titre_id)
        if decision.anomalies:
            summary.notices.append(
                warning("PRA-N-ACCORD", f"{patient}: titre {decision.titre_id} granted with remarks: {labels}")
            )
    elif outcome is DecisionOutcome.REFUS:
        prescription.status = PrescriptionStatus.REFUSED.value
        summary.refusals += 1
        summary.notices.append(
            warning(
                "PRA-N-REFUS",
                f"{patient}: request {request.request_id} refused — {labels}. Inform the patient; correct the cause "
                "(a new prescription if needed) and send a new request, or invoice the patient without third-party "
                "payment",
            )
        )
    else:
        request.motivation = decision.motivation
        prescription.status = PrescriptionStatus.SUSPENDED.value
        summary.suspensions += 1
        summary.notices.append(
            warning(
                "PRA-N-SUSPENS",
                f"{patient}: request {request.request_id} suspended — {decision.motivation}"
                + (f" ({labels})" if labels else "")
                + ". Send the CNS what it asks; the final decision will come in a later RETAUT",
            )
        )


def suspended_requests(db: Session) -> list[tuple[str, str, str, date]]:
    """Requests on hold: (request id, patient, motivation, prescription date) — to follow up."""
    rows = db.scalars(
        select(AuthorisationRequest)
        .where(AuthorisationRequest.decision == "suspens")
        .options(selectinload(AuthorisationRequest.prescription).selectinload(Prescription.patient))
        .order_by(AuthorisationRequest.id)
    )
    return [
        (
            r.request_id,
            f"{r.prescription.patient.last_name.upper()} {r.prescription.patient.first_name}",
            r.motivation or "",
            r.prescription.prescribed_on,
        )
        for r in rows
    ]
