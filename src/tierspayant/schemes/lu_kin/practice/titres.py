"""Titres de prise en charge as the practice keeps them: created from RETAUT accords, or recorded from the paper
titre the insured brought (:func:`record_paper_titre`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from tierspayant.schemes.lu_kin.practice.domain import LineStatus, PrescriptionStatus, TitreChannel
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.store.practice.models import BilledLine, Patient, Prescription, Titre, TreatmentSession
from tierspayant.schemes.lu_kin.store.practice.models import TitreAct as TitreActRow
from tierspayant.schemes.lu_kin.titre import check_titre_id


@dataclass(frozen=True)
class TitreAct:
    act_code: str
    sessions: int
    sessions_done: int

    @property
    def sessions_left(self) -> int:
        return max(self.sessions - self.sessions_done, 0)


@dataclass(frozen=True)
class TitreRecord:
    identifier: str
    matricule: str
    patient_name: str
    prescriber_code: str
    prescribed_on: date
    issued_on: date
    valid_from: date
    valid_to: date
    coverage_rate: Decimal
    acts: list[TitreAct]
    by_post: bool = False  # obtained by the insured by post: never billed in third-party payment


def titre_by_identifier(db: Session, identifier: str) -> Titre:
    """The titre with its acts, prescription and patient (loaded with it: every caller reads them)."""
    titre = db.scalar(
        select(Titre)
        .where(Titre.identifier == identifier.strip().upper())
        .options(joinedload(Titre.prescription), joinedload(Titre.patient), selectinload(Titre.acts))
    )
    if titre is None:
        refuse("PRA-UNKNOWN-TITRE", f"no titre {identifier!r}: import the RETAUT that granted it first")
    return titre


def sessions_done(db: Session, titre_id: int) -> dict[str, int]:
    """Sessions that use the titre, per act (see :func:`titre_usage`)."""
    return titre_usage(db, [titre_id]).get(titre_id, {})


def titre_usage(db: Session, titre_ids: list[int]) -> dict[int, dict[str, int]]:
    """Sessions that use each titre, per act, as the fund sees them: every session recorded, except a cancelled one
    and one whose latest line the fund refused and that was not corrected for re-billing (the fund counted it not;
    once corrected it counts again). Two queries whatever the number of titres."""
    if not titre_ids:
        return {}
    sessions = db.execute(
        select(
            TreatmentSession.id, TreatmentSession.titre_id, TreatmentSession.act_code, TreatmentSession.rebill
        ).where(TreatmentSession.titre_id.in_(titre_ids), TreatmentSession.cancelled_at.is_(None))
    ).all()
    latest: dict[int, str] = {
        session_id: status
        for session_id, status in db.execute(
            select(BilledLine.session_id, BilledLine.status)
            .join(TreatmentSession, TreatmentSession.id == BilledLine.session_id)
            .where(TreatmentSession.titre_id.in_(titre_ids))
            .order_by(BilledLine.id)
        )
    }
    usage: dict[int, dict[str, int]] = {}
    for session_id, titre_id, act, rebill in sessions:
        if latest.get(session_id) == LineStatus.REFUSED.value and not rebill:
            continue
        acts = usage.setdefault(titre_id, {})
        acts[act] = acts.get(act, 0) + 1
    return usage


def to_record(db: Session, titre: Titre, done: dict[str, int] | None = None) -> TitreRecord:
    done = sessions_done(db, titre.id) if done is None else done
    return TitreRecord(
        identifier=titre.identifier,
        matricule=titre.patient.matricule,
        patient_name=f"{titre.patient.last_name.upper()} {titre.patient.first_name}",
        prescriber_code=titre.prescription.prescriber_code,
        prescribed_on=titre.prescription.prescribed_on,
        issued_on=titre.issued_on,
        valid_from=titre.valid_from,
        valid_to=titre.valid_to,
        coverage_rate=titre.coverage_rate,
        acts=[TitreAct(a.act_code, a.sessions, done.get(a.act_code, 0)) for a in titre.acts],
        by_post=titre.channel == TitreChannel.POST.value,
    )


def list_titres(db: Session, matricule: str | None = None) -> list[TitreRecord]:
    query = (
        select(Titre)
        .join(Patient, Patient.id == Titre.patient_id)
        .options(selectinload(Titre.patient), selectinload(Titre.prescription), selectinload(Titre.acts))
        .order_by(Titre.id)
    )
    if matricule is not None:
        query = query.where(Patient.matricule == matricule)
    titres = list(db.scalars(query))
    done = titre_usage(db, [t.id for t in titres])
    return [to_record(db, t, done.get(t.id, {})) for t in titres]


@dataclass(frozen=True)
class PaperTitre:
    """A titre the practice records from the paper the insured brought (seed 002). ``obtained_by_insured``: the
    insured sent the prescription to the CNS by post himself — no third-party payment on it (the fund's rule K218
    refuses such a titre on a FAC); otherwise it is the paper form of a titre granted on the practice's DEMAUT."""

    identifier: str
    prescription_id: int
    issued_on: date
    valid_from: date
    valid_to: date
    coverage_rate: Decimal
    sessions: dict[str, int]  # act code → sessions authorised
    obtained_by_insured: bool = True


def record_paper_titre(db: Session, paper: PaperTitre) -> TitreRecord:
    """Record a paper titre for one of the practice's prescriptions; refused with the field named when it cannot be
    a CNS titre (identifier, dates, rate, acts) or is already known. The prescription is then decided (accepted): it
    is not sent in a DEMAUT."""
    identifier = paper.identifier.strip().upper()
    checked = check_titre_id(identifier)
    if not checked.valid:
        refuse("PRA-PAPER-TITRE", f"titre number {identifier!r}: {checked.reason}", location="identifier")
    if db.scalar(select(Titre.id).where(Titre.identifier == identifier)) is not None:
        refuse("PRA-PAPER-TITRE", f"titre {identifier} is already recorded", location="identifier")
    prescription = db.get(Prescription, paper.prescription_id)
    if prescription is None:
        refuse("PRA-PAPER-TITRE", f"no prescription {paper.prescription_id}", location="prescription")
    if not paper.issued_on <= paper.valid_from <= paper.valid_to:
        refuse(
            "PRA-PAPER-TITRE",
            f"dates: issued {paper.issued_on}, valid {paper.valid_from} – {paper.valid_to} (issued ≤ from ≤ to)",
            location="valid_from",
        )
    if not Decimal(0) < paper.coverage_rate <= Decimal(100):
        refuse("PRA-PAPER-TITRE", f"coverage rate {paper.coverage_rate} %: between 0 and 100", location="coverage_rate")
    prescribed = {a.act_code for a in prescription.acts}
    acts = {code.strip().upper(): n for code, n in paper.sessions.items() if code.strip()}
    if not acts or any(n < 1 for n in acts.values()):
        refuse("PRA-PAPER-TITRE", "a titre authorises at least one session of one act", location="sessions")
    unknown = sorted(set(acts) - prescribed)
    if unknown:
        refuse(
            "PRA-PAPER-TITRE",
            f"acts {', '.join(unknown)} are not on prescription {prescription.id} ({', '.join(sorted(prescribed))})",
            location="sessions",
        )
    channel = TitreChannel.POST if paper.obtained_by_insured else TitreChannel.ELECTRONIC
    titre = Titre(
        identifier=identifier,
        authorisation_request_id=None,
        prescription_id=prescription.id,
        patient_id=prescription.patient_id,
        issued_on=paper.issued_on,
        valid_from=paper.valid_from,
        valid_to=paper.valid_to,
        coverage_rate=paper.coverage_rate,
        channel=channel.value,
        acts=[TitreActRow(act_code=code, sessions=n) for code, n in sorted(acts.items())],
    )
    db.add(titre)
    prescription.status = PrescriptionStatus.ACCEPTED.value
    db.flush()
    return to_record(db, titre_by_identifier(db, identifier), {})
