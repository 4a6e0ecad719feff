"""Titres de prise en charge as the practice keeps them (created from RETAUT accords)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from tierspayant.schemes.lu_kin.practice.domain import LineStatus
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.store.practice.models import BilledLine, Patient, Titre, TreatmentSession


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
