"""Fill the printed documents from the practice database and render them (``documents_dir/pdf``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tierspayant.schemes.lu_kin.practice.association import association_statement
from tierspayant.schemes.lu_kin.practice.decisions import Outcome, line_shares
from tierspayant.schemes.lu_kin.practice.documents.content import (
    ActRow,
    ItFormContent,
    MemoireContent,
    MemoireLine,
    PatientBlock,
    ProviderBlock,
    TitreContent,
)
from tierspayant.schemes.lu_kin.practice.documents.it_form import render_it_form
from tierspayant.schemes.lu_kin.practice.documents.language import document_language
from tierspayant.schemes.lu_kin.practice.documents.memoire import render_memoire
from tierspayant.schemes.lu_kin.practice.documents.statement import render_statement
from tierspayant.schemes.lu_kin.practice.documents.titre import render_titre
from tierspayant.schemes.lu_kin.practice.domain import TitreChannel
from tierspayant.schemes.lu_kin.practice.it_flat_rate import it_flat_rate
from tierspayant.schemes.lu_kin.practice.months import first_day, last_day, normalize_month
from tierspayant.schemes.lu_kin.practice.patients import patient_by_matricule
from tierspayant.schemes.lu_kin.practice.reference import PracticeReference
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.practice.setup import facturier_for, physiotherapist_names, practice_info
from tierspayant.schemes.lu_kin.practice.titres import titre_by_identifier
from tierspayant.schemes.lu_kin.reference import ReferenceSet
from tierspayant.schemes.lu_kin.store.practice.models import (
    BilledLine,
    Patient,
    PatientInvoice,
    Titre,
    TreatmentSession,
)


def _patient_block(patient: Patient) -> PatientBlock:
    address = [line for line in (patient.street, f"{patient.postal_code or ''} {patient.city or ''}".strip()) if line]
    return PatientBlock(
        full_name=f"{patient.last_name.upper()} {patient.first_name}",
        matricule=patient.matricule,
        birth_date=patient.birth_date,
        fund=patient.fund,
        address_lines=address,
    )


def _provider_block(db: Session, facturier: str | None = None) -> ProviderBlock:
    info = practice_info(db)
    return ProviderBlock(info.name, info.address_lines, facturier or info.facturier_code)


def _memoire_line(
    session: TreatmentSession,
    tariff: Decimal,
    insured_share: Decimal,
    fund_share: Decimal,
    outcome: str,
    patient_due: Decimal,
) -> tuple[MemoireLine, str]:
    line = MemoireLine(
        session.performed_on,
        session.act_code,
        session.performer_code,
        session.titre.identifier,
        tariff,
        insured_share,
        fund_share,
        outcome,
        patient_due,
    )
    return line, session.facturier_code


def print_titre(
    db: Session, identifier: str, folder: Path, reference: PracticeReference, language: str | None = None
) -> Path:
    """The titre's printed form, in the patient's language if recorded, else ``language`` (the user's), else French."""
    titre = titre_by_identifier(db, identifier)
    prescription = titre.prescription
    content = TitreContent(
        identifier=titre.identifier,
        issued_on=titre.issued_on,
        valid_from=titre.valid_from,
        valid_to=titre.valid_to,
        coverage_rate=titre.coverage_rate,
        patient=_patient_block(titre.patient),
        prescriber_code=prescription.prescriber_code,
        prescribed_on=prescription.prescribed_on,
        pathology_category=prescription.pathology_category,
        acts=[ActRow(a.act_code, a.sessions, reference.act_label(a.act_code, titre.valid_from)) for a in titre.acts],
        provider=_provider_block(db, facturier_for(db, prescription.performer_code)),
        performer_code=prescription.performer_code,
        fund=titre.patient.fund,
        by_post=titre.channel == TitreChannel.POST.value,
    )
    printed_in = document_language(titre.patient.language, language)
    return render_titre(content, folder / f"titre-{titre.identifier}.pdf", printed_in)


def print_memoire(
    db: Session,
    matricule: str,
    month: str,
    folder: Path,
    now: datetime,
    reference: PracticeReference,
    language: str | None = None,
) -> Path:
    """The patient's mémoire for ``month``: under third-party payment, the lines of that month's FAC invoice(s)
    (as billed); otherwise the month's sessions at the official tariff, the whole amount to pay by the patient.
    Printed in the patient's language if recorded, else ``language`` (the user's), else French."""
    month = normalize_month(month)
    patient = patient_by_matricule(db, matricule)
    third_party = patient.third_party or patient.fund == "AAA"
    lines: list[tuple[MemoireLine, str]] = []  # with the session's facturier
    numbers: list[str] = []
    if third_party:
        billed = db.execute(
            select(BilledLine, TreatmentSession)
            .join(TreatmentSession, TreatmentSession.id == BilledLine.session_id)
            .where(TreatmentSession.patient_id == patient.id, BilledLine.billing_month == month)
            .options(selectinload(TreatmentSession.titre), selectinload(BilledLine.anomalies))
            .order_by(BilledLine.invoice_number, BilledLine.line_number)
        )
        for line, session in billed:
            numbers.append(line.invoice_number)
            decided = line_shares(
                line.status,
                line.tariff,
                line.insured_share,
                line.amount_covered,
                line.returned_insured_share,
                [a.code for a in line.anomalies],
            )
            fund_share = line.amount_asked if decided.outcome is Outcome.AWAITING else decided.fund_covered
            share = line.returned_insured_share if line.returned_insured_share is not None else line.insured_share
            lines.append(
                _memoire_line(session, line.tariff, share, fund_share, decided.outcome.value, decided.patient_due)
            )
        for session in _month_sessions(db, patient.id, month, paper_titres_only=True):
            price = reference.price(session.act_code, session.performed_on, session.titre.coverage_rate)
            lines.append(
                _memoire_line(session, price.tariff, price.insured_share, price.fund_share, "patient", price.tariff)
            )
        if not lines:
            refuse("PRA-NOTHING-TO-PRINT", f"nothing billed for {patient.matricule} on the FAC of {month}: bill first")
    else:
        for session in _month_sessions(db, patient.id, month, paper_titres_only=False):
            price = reference.price(session.act_code, session.performed_on, session.titre.coverage_rate)
            lines.append(
                _memoire_line(session, price.tariff, price.insured_share, price.fund_share, "patient", price.tariff)
            )
        if not lines:
            refuse("PRA-NOTHING-TO-PRINT", f"no session for {patient.matricule} in {month}")
    facturiers = {facturier for _, facturier in lines}
    performer_codes = sorted({line.performer_code for line, _ in lines})
    names = physiotherapist_names(db)
    number = sorted(set(numbers))[0] if numbers else f"{month.replace('-', '')}-P{patient.id}"
    content = MemoireContent(
        number=number,
        issued_on=now.date(),
        month=month,
        provider=_provider_block(db, sorted(facturiers)[0] if len(facturiers) == 1 else None),
        performers=[(code, names.get(code, "")) for code in performer_codes],
        patient=_patient_block(patient),
        third_party=third_party,
        lines=[line for line, _ in lines],
    )
    printed_in = document_language(patient.language, language)
    path = render_memoire(content, folder / f"memoire-{month}-{patient.matricule}.pdf", printed_in)
    due = content.total_due
    invoice = db.scalar(
        select(PatientInvoice).where(PatientInvoice.patient_id == patient.id, PatientInvoice.month == month)
    )
    if invoice is None:
        db.add(PatientInvoice(patient_id=patient.id, month=month, amount=due, path=str(path), printed_at=now))
    else:  # a reprint replaces the earlier one
        invoice.amount, invoice.path, invoice.printed_at = due, str(path), now
    return path


def _month_sessions(db: Session, patient_id: int, month: str, *, paper_titres_only: bool) -> list[TreatmentSession]:
    """The patient's sessions of ``month`` (not cancelled); only those on a paper titre (never third-party)."""
    query = (
        select(TreatmentSession)
        .join(Titre, Titre.id == TreatmentSession.titre_id)
        .where(
            TreatmentSession.patient_id == patient_id,
            TreatmentSession.performed_on >= first_day(month),
            TreatmentSession.performed_on <= last_day(month),
            TreatmentSession.cancelled_at.is_(None),
        )
        .options(selectinload(TreatmentSession.titre))
        .order_by(TreatmentSession.performed_on, TreatmentSession.id)
    )
    if paper_titres_only:
        query = query.where(Titre.channel == TitreChannel.POST.value)
    return list(db.scalars(query))


def print_statement(db: Session, member: str, year: int, folder: Path, today: date) -> Path:
    content = association_statement(db, member, year, today)
    return render_statement(content, folder / f"statement-{year}-{content.member_code}.pdf")


def print_it_form(db: Session, year: int, folder: Path, today: date, reference: ReferenceSet) -> Path:
    result = it_flat_rate(db, year, today, reference)
    info = practice_info(db)
    codes = sorted(physiotherapist_names(db).items())
    content = ItFormContent(
        year=year,
        requested_on=result.requested_on,
        practice=ProviderBlock(info.name, info.address_lines, info.facturier_code),
        provider_codes=[(code, name) for code, name in codes],
        active_from=result.active_from,
        active_to=result.active_to,
        days_active=result.days_active,
        days_in_year=result.days_in_year,
        services_counted=result.services_counted,
        threshold=result.threshold,
        amount=result.amount,
        eligible=result.eligible,
    )
    return render_it_form(content, folder / f"it-flat-rate-{year}.pdf")
