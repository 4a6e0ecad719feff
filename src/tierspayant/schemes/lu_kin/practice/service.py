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
from tierspayant.schemes.lu_kin.practice import (
    association,
    billing,
    contested,
    corrections,
    exchange,
    it_flat_rate,
    patients,
    prescriptions,
    printing,
    reconciliation,
    requests,
    returns,
    sessions,
    setup,
    titres,
)
from tierspayant.schemes.lu_kin.practice.documents.content import StatementContent
from tierspayant.schemes.lu_kin.practice.exchange import ExchangeFileRecord, PendingFile
from tierspayant.schemes.lu_kin.practice.it_flat_rate import ItFlatRate
from tierspayant.schemes.lu_kin.practice.patients import PatientRecord
from tierspayant.schemes.lu_kin.practice.prescriptions import PrescriptionInput, PrescriptionRecord
from tierspayant.schemes.lu_kin.practice.reconciliation import Reconciliation
from tierspayant.schemes.lu_kin.practice.reference import PracticeReference
from tierspayant.schemes.lu_kin.practice.returns_summary import ImportSummary
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput, SessionRecord
from tierspayant.schemes.lu_kin.practice.setup import PracticeInfo
from tierspayant.schemes.lu_kin.practice.titres import PaperTitre, TitreRecord
from tierspayant.schemes.lu_kin.store.practice import MIGRATIONS_PACKAGE
from tierspayant.store.database import make_engine, migrate, session_factory, transaction

DEFAULT_DATABASE_URL = "sqlite:///var/practice.db"
DATABASE_URL_ENV = "TIERSPAYANT_PRACTICE_DATABASE_URL"
DEFAULT_DOCUMENTS_DIR = Path("var/practice")


def default_database_url() -> str:
    return os.environ.get(DATABASE_URL_ENV, DEFAULT_DATABASE_URL)


class PracticeService:
    """One practice's software: set-up, patients, prescriptions, requests, sessions, billing, returns, documents.

    ``reference_dir`` holds the CNS reference lists (nomenclature, letter keys, prescribers, places…; the SAMPLE set
    when None); ``clock`` gives "now" (tests pass their own). Every refusal is a ``FindingsError`` and leaves
    nothing written.
    """

    def __init__(
        self,
        database_url: str | None = None,
        documents_dir: Path = DEFAULT_DOCUMENTS_DIR,
        *,
        reference_dir: Path | None = None,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.database_url = database_url or default_database_url()
        self.documents_dir = Path(documents_dir)
        self._clock = clock
        self._reference_dir = reference_dir
        self._reference: PracticeReference | None = None
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

    @property
    def reference(self) -> PracticeReference:
        if self._reference is None:
            self._reference = PracticeReference.load(self._reference_dir)
        return self._reference

    def _publish(self, db_work: Callable[[Session], PendingFile]) -> Path:
        """Run ``db_work`` in one transaction; its file is staged before the commit and moved into place after."""
        pending: PendingFile | None = None
        try:
            with transaction(self._sessions) as db:
                pending = db_work(db)
                pending.stage()
        except BaseException:
            if pending is not None:
                pending.discard()
            raise
        pending.publish()
        return pending.path

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

    def add_patient(self, record: PatientRecord, update: bool = False) -> PatientRecord:
        """Record a patient; an existing matricule is refused unless ``update`` (then the patient is corrected)."""
        with transaction(self._sessions) as db:
            return patients.add_patient(db, record, update)

    def update_patient(self, matricule: str, record: PatientRecord) -> str:
        """Correct a patient; returns what changed (for the audit log)."""
        with transaction(self._sessions) as db:
            return corrections.update_patient(db, matricule, record)

    def cancel_patient(self, matricule: str) -> str:
        with transaction(self._sessions) as db:
            return corrections.cancel_patient(db, matricule)

    def update_prescription(self, prescription_id: int, changes: corrections.PrescriptionChanges) -> str:
        """Correct a prescription not yet sent, refused or suspended (then it is sent again)."""
        with transaction(self._sessions) as db:
            return corrections.update_prescription(db, prescription_id, changes, self.today())

    def cancel_prescription(self, prescription_id: int) -> str:
        with transaction(self._sessions) as db:
            return corrections.cancel_prescription(db, prescription_id)

    def contested_lines(self, matricule: str | None = None) -> list[contested.ContestedLine]:
        """Lines the fund refused or reduced, with what they mean and whether the practice can correct them."""
        with transaction(self._sessions) as db:
            return contested.contested_lines(db, matricule)

    def physiotherapist_names(self) -> dict[str, str]:
        with transaction(self._sessions) as db:
            return setup.physiotherapist_names(db)

    def cancel_session(self, session_id: int) -> str:
        with transaction(self._sessions) as db:
            return corrections.cancel_session(db, session_id, self.now())

    def patients(self) -> list[PatientRecord]:
        with transaction(self._sessions) as db:
            return patients.list_patients(db)

    def add_prescription(self, data: PrescriptionInput) -> PrescriptionRecord:
        with transaction(self._sessions) as db:
            return prescriptions.add_prescription(db, data, self.now(), self.reference)

    def resubmit_prescription(
        self, prescription_id: int, scan: bytes | None = None, scan_name: str | None = None
    ) -> None:
        """Send a refused prescription again with the next request (optionally with a new scan)."""
        with transaction(self._sessions) as db:
            prescriptions.resubmit_prescription(db, prescription_id, scan, scan_name)

    def prescriptions(self) -> list[PrescriptionRecord]:
        with transaction(self._sessions) as db:
            return prescriptions.list_prescriptions(db)

    # --- titres, sessions ---

    def titres(self, matricule: str | None = None) -> list[TitreRecord]:
        with transaction(self._sessions) as db:
            return titres.list_titres(db, matricule)

    def record_paper_titre(self, paper: PaperTitre) -> TitreRecord:
        """Record a titre from the paper the insured brought (by post: never third-party payment)."""
        with transaction(self._sessions) as db:
            return titres.record_paper_titre(db, paper)

    def set_patient_language(self, matricule: str, language: str | None) -> None:
        """The language of the patient's printed documents (fr, de, en; None: the practice user's)."""
        with transaction(self._sessions) as db:
            patients.set_language(db, matricule, language)

    def add_session(self, data: SessionInput) -> list[Finding]:
        """Record a session; returns the warnings (outside validity, beyond sessions, same day, performer…)."""
        with transaction(self._sessions) as db:
            _, warnings = sessions.add_session(db, data, self.now(), self._start_delay())
            return warnings

    def record_session(self, data: SessionInput) -> tuple[int, list[Finding]]:
        """Like :meth:`add_session`, also returning the new session's id."""
        with transaction(self._sessions) as db:
            return sessions.add_session(db, data, self.now(), self._start_delay())

    def _start_delay(self) -> int | None:
        return self.reference.delay_days("start_delay_days", self.today())

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

    # --- authorisation ---

    def build_request(self, facturier_code: str | None = None) -> Path:
        """The DEMAUT ZIP package (XML + prescription scans) of every pending prescription, in the outbox."""
        ref, outbox = self.reference, self.outbox_dir
        return self._publish(lambda db: requests.build_demaut(db, facturier_code, self.now(), outbox, ref))

    def suspended_requests(self) -> list[tuple[str, str, str, date]]:
        """Requests the CNS put on hold: (request id, patient, motivation, prescription date)."""
        with transaction(self._sessions) as db:
            return requests.suspended_requests(db)

    # --- files ---

    def files(self) -> list[ExchangeFileRecord]:
        """Every DEMAUT / FAC built and every RETAUT / RETFAC imported, oldest first."""
        with transaction(self._sessions) as db:
            return exchange.list_files(db)

    # --- returns ---

    def import_return(self, path: Path) -> ImportSummary:
        """Import a RETAUT or RETFAC; the same file a second time changes nothing (status "already imported")."""
        with transaction(self._sessions) as db:
            return returns.import_return(db, Path(path), self.now())

    # --- billing ---

    def bill(self, month: str, facturier_code: str | None = None) -> Path:
        """The FAC of ``month`` (YYYY-MM): every unbilled session up to its end plus corrected contested ones."""
        return self._publish(
            lambda db: billing.build_fac(db, month, facturier_code, self.now(), self.outbox_dir, self.reference)
        )

    def reconcile(self, month: str) -> Reconciliation:
        with transaction(self._sessions) as db:
            return reconciliation.reconcile(db, month)

    # --- association, IT flat rate ---

    def association_statement(self, member: str, year: int) -> StatementContent:
        with transaction(self._sessions) as db:
            return association.association_statement(db, member, year, self.today())

    def it_flat_rate(self, year: int, today: date | None = None) -> ItFlatRate:
        """Compute and record the IT flat-rate request for ``year`` (refused outside 1 Jan – 31 Mar of year + 1)."""
        with transaction(self._sessions) as db:
            return it_flat_rate.it_flat_rate(db, year, today or self.today(), self.reference.reference)

    # --- printed documents ---

    def print_titre(self, identifier: str, language: str | None = None) -> Path:
        """The titre's form, in the patient's language if recorded, else ``language`` (fr, de, en), else French."""
        with transaction(self._sessions) as db:
            return printing.print_titre(db, identifier, self.pdf_dir, self.reference, language)

    def print_memoire(self, matricule: str, month: str, language: str | None = None) -> Path:
        """The patient's mémoire d'honoraires for ``month``; records the insured share as invoiced to the patient.
        In the patient's language if recorded, else ``language`` (fr, de, en), else French."""
        with transaction(self._sessions) as db:
            return printing.print_memoire(db, matricule, month, self.pdf_dir, self.now(), self.reference, language)

    def print_statement(self, member: str, year: int) -> Path:
        with transaction(self._sessions) as db:
            return printing.print_statement(db, member, year, self.pdf_dir, self.today())

    def print_it_form(self, year: int, today: date | None = None) -> Path:
        with transaction(self._sessions) as db:
            return printing.print_it_form(db, year, self.pdf_dir, today or self.today(), self.reference.reference)
