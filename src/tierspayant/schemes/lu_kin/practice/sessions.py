"""Sessions recorded against a titre. Doubtful sessions are recorded AND warned about, never silently accepted:
outside the titre's validity, beyond the authorised sessions, a second act the same day, an act the titre does not
cover, a performer not declared in the association / group on that day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from tierspayant.core.findings import Finding
from tierspayant.schemes.lu_kin.practice.domain import InvoicingForm, LineStatus
from tierspayant.schemes.lu_kin.practice.identifiers import provider_code
from tierspayant.schemes.lu_kin.practice.refusals import refuse, warning
from tierspayant.schemes.lu_kin.practice.setup import PracticeInfo, facturier_of, is_member_on, practice_info
from tierspayant.schemes.lu_kin.practice.titres import titre_by_identifier
from tierspayant.schemes.lu_kin.store.practice.models import BilledLine, Patient, Titre, TreatmentSession


@dataclass(frozen=True)
class SessionInput:
    titre: str
    performed_on: date
    act_code: str | None = None  # default: the titre's act when it has only one
    performer_code: str | None = None  # default: the performer named on the prescription
    place_category: str | None = None  # default: the place named on the prescription


@dataclass(frozen=True)
class SessionRecord:
    id: int
    titre: str
    matricule: str
    performed_on: date
    act_code: str
    performer_code: str
    facturier_code: str
    place_category: str
    status: str  # unbilled | billed | paid | reduced | refused | to rebill


@dataclass(frozen=True)
class _History:
    """What the patient's earlier sessions say about a new one (read in one grouped query)."""

    done: dict[str, int]  # sessions per act on this titre
    first: date | None  # first session on this titre
    same_day: int  # sessions of the patient, any titre, on the new session's day


def _history(db: Session, titre: Titre, day: date) -> _History:
    on_day = func.sum(case((TreatmentSession.performed_on == day, 1), else_=0))
    rows = db.execute(
        select(
            TreatmentSession.titre_id,
            TreatmentSession.act_code,
            func.count(),
            func.min(TreatmentSession.performed_on),
            on_day,
        )
        .where(TreatmentSession.patient_id == titre.patient_id, TreatmentSession.cancelled_at.is_(None))
        .group_by(TreatmentSession.titre_id, TreatmentSession.act_code)
    ).all()
    mine = [row for row in rows if row[0] == titre.id]
    return _History(
        done={act: int(count) for _, act, count, _, _ in mine},
        first=min((first for _, _, _, first, _ in mine), default=None),
        same_day=sum(int(same or 0) for *_, same in rows),
    )


def add_session(
    db: Session, data: SessionInput, now: datetime, start_delay_days: int | None = None
) -> tuple[int, list[Finding]]:
    """Record a session; returns its id and the warnings about it (empty when nothing is doubtful).

    Five statements whatever the history: the titre (with its acts), the patient's sessions grouped by titre and
    act, the practice, the membership (groups and associations only), the insert.
    """
    titre = titre_by_identifier(db, data.titre)
    if data.performed_on > now.date():
        refuse("PRA-SESSION-DATE", f"session dated {data.performed_on} is in the future")
    authorised = {a.act_code: a.sessions for a in titre.acts}
    if data.act_code is None:
        if len(authorised) != 1:
            refuse("PRA-SESSION-ACT", f"titre {titre.identifier} covers {', '.join(authorised)}: say which act")
        act_code = next(iter(authorised))
    else:
        act_code = data.act_code.strip().upper()
    performer = provider_code(data.performer_code or titre.prescription.performer_code, "performer code")
    place = (data.place_category or titre.prescription.place_category).strip().upper()
    where = f"titre {titre.identifier}, {data.performed_on}"
    history = _history(db, titre, data.performed_on)
    warnings = _titre_warnings(titre, act_code, data.performed_on, history, start_delay_days, where)
    if history.same_day:
        warnings.append(
            warning(
                "PRA-W-SAME-DAY",
                f"{where}: the patient already has a session that day; only one act per day is covered",
            )
        )
    info = practice_info(db)
    facturier = facturier_of(info, performer)
    warnings.extend(_performer_warnings(db, info, facturier, performer, data.performed_on))
    session = TreatmentSession(
        titre_id=titre.id,
        patient_id=titre.patient_id,
        performed_on=data.performed_on,
        act_code=act_code,
        performer_code=performer,
        place_category=place,
        facturier_code=facturier,
        rebill=False,
        created_at=now,
    )
    db.add(session)
    db.flush()
    return session.id, warnings


def _titre_warnings(
    titre: Titre, act_code: str, day: date, history: _History, start_delay_days: int | None, where: str
) -> list[Finding]:
    """Outside the validity, a late start of treatment, an act not covered, beyond the authorised sessions."""
    warnings: list[Finding] = []
    if not titre.valid_from <= day <= titre.valid_to:
        warnings.append(
            warning(
                "PRA-W-VALIDITY",
                f"{where}: outside the titre's validity {titre.valid_from} – {titre.valid_to}; "
                "the CNS will refuse this session",
                location="performed_on",
            )
        )
    first = day if history.first is None else min(history.first, day)
    if start_delay_days is not None and (first - titre.issued_on).days > start_delay_days:
        warnings.append(
            warning(
                "PRA-W-START",
                f"{where}: the treatment starts on {first}, more than {start_delay_days} days after the titre was "
                f"issued ({titre.issued_on}); the CNS will refuse the sessions",
                location="performed_on",
            )
        )
    authorised = {a.act_code: a.sessions for a in titre.acts}
    if act_code not in authorised:
        warnings.append(
            warning("PRA-W-ACT", f"{where}: act {act_code} is not covered by the titre ({', '.join(authorised)})")
        )
    elif (done := history.done.get(act_code, 0)) + 1 > authorised[act_code]:
        warnings.append(
            warning(
                "PRA-W-SESSIONS",
                f"{where}: session {done + 1} of act {act_code}, beyond the {authorised[act_code]} authorised; "
                "ask for a new prescription",
            )
        )
    return warnings


def _performer_warnings(db: Session, info: PracticeInfo, facturier: str, performer: str, day: date) -> list[Finding]:
    if info.invoicing_form is InvoicingForm.SEPARATE or performer == facturier:
        return []
    if is_member_on(db, facturier, performer, day):
        return []
    kind = "association" if info.invoicing_form is InvoicingForm.ASSOCIATION else "joint-invoicing group"
    return [
        warning(
            "PRA-W-PERFORMER",
            f"performer {performer} is not declared a member of the {kind} {facturier} on {day}; "
            "the CNS covers only declared performers",
            location="performer_code",
        )
    ]


def correct_session(
    db: Session,
    session_id: int,
    *,
    performer_code: str | None = None,
    act_code: str | None = None,
    performed_on: date | None = None,
    place_category: str | None = None,
) -> list[Finding]:
    """Correct a session whose line was contested; it goes out again on the next FAC. Returns fresh warnings."""
    session = db.get(TreatmentSession, session_id)
    if session is None or session.cancelled_at is not None:
        refuse("PRA-UNKNOWN-SESSION", f"no session {session_id}")
    last = last_line(db, session_id)
    if last is not None and last.status != LineStatus.REFUSED.value:
        # a paid or reduced line is in the fund's ledger: billing it again would be refused as already paid
        refuse(
            "PRA-SESSION-BILLED",
            f"session {session_id} is {last.status} on the FAC of {last.billing_month}: only a refused line can be "
            "corrected and billed again",
        )
    info = practice_info(db)
    if performer_code is not None:
        session.performer_code = provider_code(performer_code, "performer code")
        session.facturier_code = facturier_of(info, session.performer_code)
    if act_code is not None:
        session.act_code = act_code.strip().upper()
    if performed_on is not None:
        session.performed_on = performed_on
    if place_category is not None:
        session.place_category = place_category.strip().upper()
    session.rebill = last is not None
    db.flush()
    return _performer_warnings(db, info, session.facturier_code, session.performer_code, session.performed_on)


def last_line(db: Session, session_id: int) -> BilledLine | None:
    return db.scalar(select(BilledLine).where(BilledLine.session_id == session_id).order_by(BilledLine.id.desc()))


def list_sessions(db: Session, matricule: str | None = None) -> list[SessionRecord]:
    sessions = (
        select(TreatmentSession)
        .options(selectinload(TreatmentSession.patient), selectinload(TreatmentSession.titre))
        .order_by(TreatmentSession.performed_on, TreatmentSession.id)
    )
    lines = select(BilledLine.session_id, BilledLine.status).order_by(BilledLine.id)
    if matricule is not None:  # filtered in the database, not after loading every session and line
        of_patient = Patient.matricule == matricule
        sessions = sessions.join(Patient, Patient.id == TreatmentSession.patient_id).where(of_patient)
        lines = (
            lines.join(TreatmentSession, TreatmentSession.id == BilledLine.session_id)
            .join(Patient, Patient.id == TreatmentSession.patient_id)
            .where(of_patient)
        )
    # session → status of its latest line (the lines come ordered by id: the last one wins)
    latest: dict[int, str] = {session_id: status for session_id, status in db.execute(lines)}
    records: list[SessionRecord] = []
    for s in db.scalars(sessions):
        line_status = latest.get(s.id)
        status = "unbilled" if line_status is None else ("to rebill" if s.rebill else line_status)
        if s.cancelled_at is not None:
            status = "cancelled"
        records.append(
            SessionRecord(
                id=s.id,
                titre=s.titre.identifier,
                matricule=s.patient.matricule,
                performed_on=s.performed_on,
                act_code=s.act_code,
                performer_code=s.performer_code,
                facturier_code=s.facturier_code,
                place_category=s.place_category,
                status=status,
            )
        )
    return records
