"""The practice facade: every workflow step of a physiotherapy practice, one database transaction each.

The web interface and the ``tierspayant practice`` commands call only this class. It talks to the fund only through
files: it writes DEMAUT / FAC files (``documents_dir/outbox``) and imports RETAUT / RETFAC files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tierspayant.core.findings import Finding
from tierspayant.practice import patients, prescriptions, sessions, setup, titres
from tierspayant.practice.patients import PatientRecord
from tierspayant.practice.prescriptions import PrescriptionInput, PrescriptionRecord
from tierspayant.practice.sessions import SessionInput, SessionRecord
from tierspayant.practice.setup import PracticeInfo
from tierspayant.practice.titres import TitreRecord
from tierspayant.store.database import make_engine, migrate, session_factory, transaction
from tierspayant.store.practice import MIGRATIONS_PACKAGE

DEFAULT_DATABASE_URL = "sqlite:///var/practice.db"
DATABASE_URL_ENV = "TIERSPAYANT_PRACTICE_DATABASE_URL"
DEFAULT_DOCUMENTS_DIR = Path("var/practice")


def default_database_url() -> str:
    return os.environ.get(DATABASE_URL_ENV, DEFAULT_DATABASE_URL)


class PracticeService:
    """One practice's software: set-up, patients, prescriptions, requests, sessions, billing, returns, documents.

    ``clock`` gives "now" (tests pass a fixed one); every refusal is a ``FindingsError`` and leaves nothing written.
    """

    def __init__(
        self,
        database_url: str | None = None,
        documents_dir: Path = DEFAULT_DOCUMENTS_DIR,
        *,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.database_url = database_url or default_database_url()
        self.documents_dir = Path(documents_dir)
        self._clock = clock
        if self.database_url.startswith("sqlite:///") and ":memory:" not in self.database_url:
            Path(self.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = make_engine(self.database_url)
        self._sessions: sessionmaker[Session] = session_factory(self.engine)

    # --- infrastructure ---

    def init(self) -> None:
        """Create or upgrade the database (Alembic) and the documents folders."""
        migrate(self.engine, MIGRATIONS_PACKAGE)
        for folder in (self.outbox_dir, self.pdf_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def outbox_dir(self) -> Path:
        """Where built DEMAUT / FAC files are written, ready to deposit on the fund's server."""
        return self.documents_dir / "outbox"

    @property
    def pdf_dir(self) -> Path:
        return self.documents_dir / "pdf"

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return self._clock().date()

    # --- set-up ---

    def setup_practice(self, info: PracticeInfo) -> None:
        with transaction(self._sessions) as db:
            setup.setup_practice(db, info)

    def practice(self) -> PracticeInfo:
        with transaction(self._sessions) as db:
            return setup.practice_info(db)

    def add_physiotherapist(self, code: str, name: str) -> str:
        with transaction(self._sessions) as db:
            return setup.add_physiotherapist(db, code, name)

    def add_member(self, performer_code: str, joined_on: date, left_on: date | None = None) -> None:
        """Declare a member of the association / joint-invoicing group for a period (as declared to the CNS)."""
        with transaction(self._sessions) as db:
            setup.add_membership(db, performer_code, joined_on, left_on)

    def end_membership(self, performer_code: str, left_on: date) -> None:
        with transaction(self._sessions) as db:
            setup.end_membership(db, performer_code, left_on)

    # --- patients, prescriptions ---

    def add_patient(self, record: PatientRecord) -> PatientRecord:
        with transaction(self._sessions) as db:
            return patients.add_patient(db, record)

    def patients(self) -> list[PatientRecord]:
        with transaction(self._sessions) as db:
            return patients.list_patients(db)

    def add_prescription(self, data: PrescriptionInput) -> PrescriptionRecord:
        with transaction(self._sessions) as db:
            return prescriptions.add_prescription(db, data, self.now())

    def prescriptions(self) -> list[PrescriptionRecord]:
        with transaction(self._sessions) as db:
            return prescriptions.list_prescriptions(db)

    # --- titres, sessions ---

    def titres(self, matricule: str | None = None) -> list[TitreRecord]:
        with transaction(self._sessions) as db:
            return titres.list_titres(db, matricule)

    def add_session(self, data: SessionInput) -> list[Finding]:
        """Record a session; returns the warnings (outside validity, beyond sessions, same day, performer…)."""
        with transaction(self._sessions) as db:
            _, warnings = sessions.add_session(db, data, self.now())
            return warnings

    def record_session(self, data: SessionInput) -> tuple[int, list[Finding]]:
        """Like :meth:`add_session`, also returning the new session's id."""
        with transaction(self._sessions) as db:
            return sessions.add_session(db, data, self.now())

    def correct_session(
        self,
        session_id: int,
        *,
        performer_code: str | None = None,
        act_code: str | None = None,
        performed_on: date | None = None,
        place_category: str | None = None,
    ) -> list[Finding]:
        """Correct a contested session; it is billed again on the next FAC."""
        with transaction(self._sessions) as db:
            return sessions.correct_session(
                db,
                session_id,
                performer_code=performer_code,
                act_code=act_code,
                performed_on=performed_on,
                place_category=place_category,
            )

    def sessions(self, matricule: str | None = None) -> list[SessionRecord]:
        with transaction(self._sessions) as db:
            return sessions.list_sessions(db, matricule)
