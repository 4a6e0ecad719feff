"""Recorded visits → the month's 920000 (records 52 when the eID was read, 51 and record 20 zones 42-45 / 53-58
from the patient's stored insurability answer)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date

from tierspayant.schemes.be_nursing.formats.models import (
    EidReading,
    Invoice,
    PaymentCommitment,
    SendingModel,
    ServiceLine,
)
from tierspayant.schemes.be_nursing.nurse.visits import GroupSettings, PatientRecord, Visit

EID_MANDATORY_FROM = date(2017, 10, 1)


def service_line(visit: Visit, reference: str, patient: PatientRecord) -> ServiceLine:
    eid = None
    if visit.eid_read_at is not None:
        eid = EidReading(
            reading_date=visit.eid_read_at.date(),
            reading_time=visit.eid_read_at.hour * 100 + visit.eid_read_at.minute,
            card_serial_number=visit.eid_serial,
        )
    commitment = None
    answer = patient.insurability
    if answer is not None and answer.part_a == 2 and answer.commitment_number and answer.valid_on(visit.date):
        commitment = PaymentCommitment(
            commitment_number=answer.commitment_number,
            communication_date=answer.communication_date or visit.date,
        )
    return ServiceLine(
        nomenclature_code=visit.code,
        service_date=visit.date,
        care_provider=visit.nurse,
        insurance_amount=visit.amount,
        patient_share=visit.patient_share,
        night_weekend_code=visit.night_weekend_code,
        same_day_repetition=visit.same_day_repetition,
        prescription_date=visit.prescription_date,
        prescriber=visit.prescriber,
        service_time=visit.time,
        institution_reference=reference,
        eid=eid,
        payment_commitment=commitment,
    )


def build_sending(
    group: GroupSettings,
    patients: Mapping[str, PatientRecord],
    visits: Sequence[tuple[str, Visit]],
    period: int,
    sending_number: int,
    creation_date: date,
) -> SendingModel:
    """One invoice per patient (lines in date and time order); ``visits`` are ``(reference, visit)`` pairs."""
    per_patient: dict[str, list[tuple[str, Visit]]] = defaultdict(list)
    for reference, visit in visits:
        if visit.patient not in patients:
            raise ValueError(f"visit {reference}: unknown patient {visit.patient}")
        per_patient[visit.patient].append((reference, visit))
    if not per_patient:
        raise ValueError("no visit to invoice")
    invoices = []
    for number, niss in enumerate(sorted(per_patient), start=1):
        patient = patients[niss]
        ordered = sorted(per_patient[niss], key=lambda rv: (rv[1].date, rv[1].time, rv[0]))
        answer = patient.insurability
        invoices.append(
            Invoice(
                niss=niss,
                sex=patient.sex,
                affiliation_mutuality=patient.affiliation_mutuality,
                destination_mutuality=patient.destination_mutuality,
                invoice_number=period * 10**6 + number,
                ct1_ct2=patient.ct1_ct2,
                insurability=answer if answer is not None and answer.part_a in (1, 2) else None,
                institution_reference=f"P{niss}",
                lines=[service_line(visit, reference, patient) for reference, visit in ordered],
            )
        )
    return SendingModel(
        message_type=12 if group.production else 92,
        provider_reference=f"{period}-{sending_number:03d}",
        invoiced_period=period,
        sending_number=sending_number,
        creation_date=creation_date,
        invoice_reference=f"{period}{sending_number:03d}",
        instructions_version=1999 if group.production else 9991999,
        contact_last_name=group.contact_last_name,
        contact_first_name=group.contact_first_name,
        contact_phone=group.contact_phone or "0",
        third_party_number=group.third_party_number,
        company_number=group.company_number or "0",
        third_party_reference=group.name,
        iban=group.iban,
        bic=group.bic,
        invoices=invoices,
    )


def eid_missing(visits: Sequence[Visit]) -> list[Visit]:
    """Visits from 2017-10-01 without an eID reading: REFAC rejects them (500112); warn before sending."""
    return [v for v in visits if v.date >= EID_MANDATORY_FROM and v.eid_read_at is None]
