"""Monthly billing: the FAC of a facturier for a month — every unbilled session up to the end of that month (no need
to wait for the end of a series) plus the corrected contested sessions; one FAC per facturier and month (art. 20)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from tierspayant.schemes.lu_kin.formats.models import BilledLine as LineModel
from tierspayant.schemes.lu_kin.formats.models import Fac, FileHeader, Invoice
from tierspayant.schemes.lu_kin.formats.writer import to_bytes
from tierspayant.schemes.lu_kin.practice import exchange
from tierspayant.schemes.lu_kin.practice.domain import LineStatus, TitreChannel
from tierspayant.schemes.lu_kin.practice.exchange import PendingFile
from tierspayant.schemes.lu_kin.practice.months import first_day, last_day, normalize_month, parse_month
from tierspayant.schemes.lu_kin.practice.reference import PracticeReference
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.practice.setup import practice_info
from tierspayant.schemes.lu_kin.store.practice.models import (
    BilledLine,
    BillingMonth,
    Patient,
    Titre,
    TreatmentSession,
)


def sessions_to_bill(db: Session, facturier: str | None, until: datetime | None = None) -> list[TreatmentSession]:
    """Sessions never billed, or corrected after a contested line — for third-party patients (and AAA cases), on a
    titre the practice obtained electronically (a paper titre the insured got by post is never third-party payment),
    not cancelled."""
    never_billed = ~exists().where(BilledLine.session_id == TreatmentSession.id)
    query = (
        select(TreatmentSession)
        .join(Patient, Patient.id == TreatmentSession.patient_id)
        .join(Titre, Titre.id == TreatmentSession.titre_id)
        .where(or_(never_billed, TreatmentSession.rebill.is_(True)))
        .where(TreatmentSession.cancelled_at.is_(None), Titre.channel == TitreChannel.ELECTRONIC.value)
        .where(or_(Patient.third_party.is_(True), Patient.fund == "AAA"))
        .options(selectinload(TreatmentSession.patient), selectinload(TreatmentSession.titre))
        .order_by(TreatmentSession.performed_on, TreatmentSession.id)
    )
    if facturier is not None:
        query = query.where(TreatmentSession.facturier_code == facturier)
    if until is not None:
        query = query.where(TreatmentSession.performed_on <= until.date())
    return list(db.scalars(query))


def build_fac(
    db: Session, month: str, facturier: str | None, now: datetime, outbox: Path, reference: PracticeReference
) -> PendingFile:
    month = normalize_month(month)
    year, number = parse_month(month)
    end = min(last_day(month), now.date())
    if end < first_day(month):
        refuse("PRA-FAC-FUTURE", f"month {month} has not started yet")
    candidates = sessions_to_bill(db, facturier, datetime.combine(end, datetime.min.time()))
    by_facturier: dict[str, list[TreatmentSession]] = defaultdict(list)
    for session in candidates:
        by_facturier[session.facturier_code].append(session)
    if facturier is None:
        common = practice_info(db).facturier_code  # an association or group bills everything under one code
        if common is not None:
            facturier = common
        elif len(by_facturier) > 1:
            refuse(
                "PRA-WHICH-FACTURIER",
                f"sessions are waiting for several facturiers ({', '.join(sorted(by_facturier))}): say which",
            )
        else:
            facturier = next(iter(by_facturier), None)
    if facturier is not None:
        used = db.scalar(
            select(BillingMonth).where(BillingMonth.facturier_code == facturier, BillingMonth.month == month)
        )
        if used is not None:
            refuse(
                "PRA-FAC-MONTH-USED",
                f"a FAC for {month} was already built for facturier {facturier}: one billing file per facturier "
                "and calendar month (art. 20); sessions not on it go on the next month's FAC",
            )
    sessions = by_facturier.get(facturier or "", [])
    if facturier is None or not sessions:
        refuse("PRA-NOTHING-TO-BILL", f"no unbilled session up to {end} for {facturier or 'this practice'}")
    today = now.date()
    ref = exchange.next_reference(db, "FAC", facturier, today)
    layout, software = reference.layout_on(today)  # the newest layout in force (art. 10 and 16)
    name = exchange.file_name("FAC", facturier, year, number, today, ref, layout).with_extension("xml")
    by_patient: dict[int, list[TreatmentSession]] = defaultdict(list)
    for session in sessions:
        by_patient[session.patient_id].append(session)
    patients = sorted(by_patient, key=lambda pid: (by_patient[pid][0].patient.last_name, pid))
    invoices: list[Invoice] = []
    rows: list[dict[str, object]] = []
    for position, patient_id in enumerate(patients, start=1):
        patient = by_patient[patient_id][0].patient
        invoice_number = f"{year:04d}{number:02d}-{position:04d}"
        lines: list[LineModel] = []
        for line_number, session in enumerate(by_patient[patient_id], start=1):
            price = reference.price(session.act_code, session.performed_on, session.titre.coverage_rate)
            lines.append(
                LineModel(
                    line_number=line_number,
                    titre_id=session.titre.identifier,
                    service_date=session.performed_on,
                    act_code=session.act_code,
                    performer_code=session.performer_code,
                    place_category=session.place_category,
                    tariff=price.tariff,
                    insured_share=price.insured_share,
                    amount_asked=price.fund_share,
                )
            )
            rows.append(
                {
                    "session_id": session.id,
                    "billing_month": month,
                    "invoice_number": invoice_number,
                    "line_number": line_number,
                    "tariff": price.tariff,
                    "insured_share": price.insured_share,
                    "amount_asked": price.fund_share,
                    "status": LineStatus.BILLED.value,
                }
            )
            session.rebill = False
        invoices.append(
            Invoice(invoice_number=invoice_number, matricule=patient.matricule, fund=patient.fund, lines=lines)
        )
    header = FileHeader.model_validate(
        {
            "file_type": "FAC",
            "layout": layout,
            "software": software,
            "sender": facturier,
            "billing_provider": facturier,
            "reference": ref,
            "send_date": today,
        }
    )
    xml = to_bytes(Fac(header=header, invoices=invoices))
    path = outbox / name.build()
    row = exchange.record(
        db,
        name=name.build(),
        file_type="FAC",
        direction="out",
        facturier=facturier,
        reference=ref,
        data=xml,
        path=path,
        now=now,
    )
    db.add(BillingMonth(facturier_code=facturier, month=month, exchange_file_id=row.id))
    db.flush()
    # one executemany for the lines (a big month has thousands: no per-object unit-of-work bookkeeping)
    db.execute(insert(BilledLine), [{**line, "fac_file_id": row.id} for line in rows])
    return PendingFile(path, xml)
