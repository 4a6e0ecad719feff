"""Titres de prise en charge as the practice keeps them (created from RETAUT accords)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.store.practice.models import Patient, Titre, TreatmentSession


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
    """Sessions recorded per act on a titre (one grouped query)."""
    rows = db.execute(
        select(TreatmentSession.act_code, func.count())
        .where(TreatmentSession.titre_id == titre_id)
        .group_by(TreatmentSession.act_code)
    )
    return {act: int(count) for act, count in rows}


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
    done: dict[int, dict[str, int]] = {}
    counts = (
        select(TreatmentSession.titre_id, TreatmentSession.act_code, func.count())
        .where(TreatmentSession.titre_id.in_([t.id for t in titres]))
        .group_by(TreatmentSession.titre_id, TreatmentSession.act_code)
    )
    for titre_id, act, count in db.execute(counts):
        done.setdefault(titre_id, {})[act] = int(count)
    return [to_record(db, t, done.get(t.id, {})) for t in titres]
