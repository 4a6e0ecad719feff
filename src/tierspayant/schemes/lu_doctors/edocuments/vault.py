"""The eDocuments vault: deposits (with their QR code checked against the published keys), corrections that
replace a version and keep its lineage, statuses, and an audit line for every access, allowed or not.

Who may do what: a doctor (or an assistant acting for them — the practice software checked the delegation) reads
and writes the documents issued under their code; a patient reads and submits their own; the fund reads what it
has to match and decides. Every call goes through :meth:`EDocumentsVault._audit`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.signing import KeySet, PublishedKey, SealError
from tierspayant.schemes.lu_doctors.digital.fee_note_qr import canonical_document
from tierspayant.schemes.lu_doctors.digital.qr_payload import document_hash, verify_fee_note_qr
from tierspayant.schemes.lu_doctors.edocuments.model import (
    Actor,
    Deposit,
    DocumentView,
    Event,
    Receipt,
    Role,
    Status,
)
from tierspayant.schemes.lu_doctors.store.edocuments import MIGRATIONS_PACKAGE
from tierspayant.schemes.lu_doctors.store.edocuments.models import (
    AccessLog,
    Document,
    IssuerKey,
    StatusEvent,
)
from tierspayant.store.database import make_engine, migrate, session_factory, transaction

RULE = "eDocuments vault"
CLAIMABLE = {Status.AVAILABLE}
FINAL = {Status.SUBMITTED, Status.REIMBURSED, Status.REPLACED}
FUND_DECISIONS = {Status.REIMBURSED, Status.REFUSED}


class VaultError(FindingsError):
    """A refused call; ``status`` is the HTTP status the API answers with."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__([Finding(code, message, rule=RULE)])
        self.status = status


class EDocumentsVault:
    def __init__(self, url: str, now: Callable[[], datetime] = datetime.now) -> None:
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)
        self.now = now

    def init(self) -> None:
        migrate(self.engine, MIGRATIONS_PACKAGE)

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    def _audit(
        self,
        actor: Actor,
        action: str,
        allowed: bool,
        receipt: str | None = None,
        matricule: str | None = None,
    ) -> None:
        """Written in its own transaction so a refused call is audited too."""
        with self._unit() as session:
            session.add(
                AccessLog(
                    at=self.now(),
                    actor=actor.name,
                    role=actor.role.value,
                    on_behalf_of=actor.doctor_code,
                    action=action,
                    receipt=receipt,
                    patient_matricule=matricule,
                    allowed=allowed,
                )
            )

    def _refuse(self, actor: Actor, action: str, error: VaultError, receipt: str | None = None) -> VaultError:
        self._audit(actor, action, False, receipt)
        return error

    # --- published keys -------------------------------------------------------------------------------------

    def publish_key(self, actor: Actor, key: PublishedKey) -> None:
        if actor.role is not Role.DOCTOR or key.issuer != actor.doctor_code:
            raise self._refuse(
                actor, "publish_key", VaultError("EDOC-KEY-OWNER", "a doctor publishes only own keys", 403)
            )
        kid = base64.b64encode(key.kid).decode()
        with self._unit() as session:
            if session.scalars(select(IssuerKey).where(IssuerKey.kid == kid)).first() is None:
                entry = json.dumps(key.to_json(), sort_keys=True)
                session.add(IssuerKey(kid=kid, doctor_code=key.issuer, entry=entry, published_at=self.now()))
        self._audit(actor, "publish_key", True)

    def key_set(self) -> KeySet:
        keys = KeySet()
        with self.sessions() as session:
            for row in session.scalars(select(IssuerKey).order_by(IssuerKey.id)):
                keys.add(PublishedKey.from_json(json.loads(row.entry)))
        return keys

    # --- deposits -------------------------------------------------------------------------------------------

    def _check_deposit(self, actor: Actor, deposit: Deposit) -> None:
        note = deposit.fee_note
        if actor.role not in (Role.DOCTOR, Role.ASSISTANT) or actor.doctor_code not in (
            note.doctor_code,
            note.association_code,
        ):
            raise VaultError("EDOC-NOT-YOURS", f"{actor.label} cannot deposit a fee note of {note.doctor_code}", 403)
        if deposit.fund_share + deposit.patient_share != note.total:
            raise VaultError(
                "EDOC-SHARES", f"shares {deposit.fund_share} + {deposit.patient_share} ≠ {note.total}", 422
            )
        if deposit.qr_text is None:
            return
        try:
            qr = verify_fee_note_qr(deposit.qr_text, self.key_set()).qr
        except SealError as error:
            raise VaultError(error.finding().code, f"the fee note's QR code is refused: {error.detail}", 422) from None
        expected = (note.fee_note_id, note.doctor_code, note.total, deposit.fund_share, note.fund)
        if (qr.number, qr.doctor_code, qr.total, qr.fund_share, qr.fund) != expected:
            raise VaultError("EDOC-QR-MISMATCH", "the QR code does not say what the fee note says", 422)
        if qr.document_hash != document_hash(canonical_document(note)):
            raise VaultError("EDOC-QR-HASH", "the QR code's hash is not the fee note's", 422)

    def deposit(self, actor: Actor, deposit: Deposit) -> Receipt:
        """Deposit a new fee note (version 1); the same fee note number twice is refused: correct with replace."""
        try:
            self._check_deposit(actor, deposit)
            with self._unit() as session:
                row = self._new_version(session, actor, deposit, None)
                receipt = Receipt(receipt=row.receipt, lineage=row.lineage, version=1, status=Status(row.status))
        except VaultError as error:
            raise self._refuse(actor, "deposit", error) from None
        except IntegrityError:
            duplicate = VaultError(
                "EDOC-DUPLICATE", f"fee note {deposit.fee_note.fee_note_id} is already deposited: send a correction"
            )
            raise self._refuse(actor, "deposit", duplicate) from None
        self._audit(actor, "deposit", True, receipt.receipt, deposit.fee_note.patient_matricule)
        return receipt

    def replace(self, actor: Actor, receipt: str, deposit: Deposit) -> Receipt:
        """A correction: a new version of the same fee note; the old one becomes ``replaced``."""
        try:
            self._check_deposit(actor, deposit)
            with self._unit() as session:
                old = self._document(session, receipt)
                if old.doctor_code != actor.doctor_code:
                    raise VaultError("EDOC-NOT-YOURS", f"{receipt} is not {actor.doctor_code}'s", 403)
                if old.fee_note_number != deposit.fee_note.fee_note_id:
                    raise VaultError("EDOC-NUMBER", "a correction keeps the fee note number", 422)
                if Status(old.status) in FINAL:
                    raise VaultError("EDOC-NOT-REPLACEABLE", f"{receipt} is {old.status}: it cannot be replaced")
                self._set_status(session, old, Status.REPLACED, actor, "corrected")
                row = self._new_version(session, actor, deposit, old)
                result = Receipt(
                    receipt=row.receipt, lineage=row.lineage, version=row.version, status=Status(row.status)
                )
        except VaultError as error:
            raise self._refuse(actor, "replace", error, receipt) from None
        self._audit(actor, "replace", True, result.receipt, deposit.fee_note.patient_matricule)
        return result

    def _new_version(self, session: Session, actor: Actor, deposit: Deposit, old: Document | None) -> Document:
        note = deposit.fee_note
        content = canonical_document(note)
        receipt = f"EDOC-{uuid.uuid4().hex[:20].upper()}"
        status = Status.AVAILABLE if note.paid_on else Status.DEPOSITED
        row = Document(
            receipt=receipt,
            lineage=old.lineage if old else receipt,
            version=old.version + 1 if old else 1,
            replaces_id=old.id if old else None,
            doctor_code=note.doctor_code,
            fee_note_number=note.fee_note_id,
            patient_matricule=note.patient_matricule,
            fund=note.fund,
            issued_on=note.issued_on,
            total=note.total,
            fund_share=deposit.fund_share,
            patient_share=deposit.patient_share,
            paid_on=note.paid_on,
            mode=note.mode.value,
            content=content,
            content_sha256=hashlib.sha256(content).hexdigest(),
            qr_text=deposit.qr_text,
            pdf=base64.b64decode(deposit.pdf_base64) if deposit.pdf_base64 else None,
            status=status.value,
            prepared_by=deposit.prepared_by,
            sent_by=actor.name,
            deposited_at=self.now(),
        )
        row.events = [StatusEvent(status=status.value, at=self.now(), by=actor.label)]
        session.add(row)
        session.flush()
        return row

    def mark_paid(self, actor: Actor, receipt: str, paid_on: date) -> DocumentView:
        """The patient paid the doctor: the fee note becomes available for reimbursement."""
        try:
            with self._unit() as session:
                row = self._document(session, receipt)
                if row.doctor_code != actor.doctor_code:
                    raise VaultError("EDOC-NOT-YOURS", f"{receipt} is not {actor.doctor_code}'s", 403)
                if Status(row.status) is not Status.DEPOSITED:
                    raise VaultError("EDOC-STATUS", f"{receipt} is {row.status}, not deposited")
                row.paid_on = paid_on
                self._set_status(session, row, Status.AVAILABLE, actor, f"paid on {paid_on}")
                view = _view(row)
        except VaultError as error:
            raise self._refuse(actor, "mark_paid", error, receipt) from None
        self._audit(actor, "mark_paid", True, receipt, view.patient_matricule)
        return view

    # --- reading --------------------------------------------------------------------------------------------

    def _document(self, session: Session, receipt: str) -> Document:
        row = session.scalars(
            select(Document).where(Document.receipt == receipt).options(selectinload(Document.events))
        ).first()
        if row is None:
            raise VaultError("EDOC-UNKNOWN", f"no document {receipt}", 404)
        return row

    @staticmethod
    def _may_read(actor: Actor, row: Document) -> bool:
        if actor.role in (Role.DOCTOR, Role.ASSISTANT):
            return actor.doctor_code == row.doctor_code
        if actor.role is Role.PATIENT:
            return actor.name == row.patient_matricule
        return actor.role is Role.FUND

    def document(self, actor: Actor, receipt: str) -> DocumentView:
        with self.sessions() as session:
            try:
                row = self._document(session, receipt)
            except VaultError as error:
                raise self._refuse(actor, "read", error, receipt) from None
            if not self._may_read(actor, row):
                raise self._refuse(actor, "read", VaultError("EDOC-FORBIDDEN", f"{receipt} is not yours", 403), receipt)
            view = _view(row)
        self._audit(actor, "read", True, receipt, view.patient_matricule)
        return view

    def pdf(self, actor: Actor, receipt: str) -> bytes | None:
        with self.sessions() as session:
            row = self._document(session, receipt)
            if not self._may_read(actor, row):
                raise self._refuse(actor, "read_pdf", VaultError("EDOC-FORBIDDEN", f"{receipt} is not yours", 403))
            pdf, matricule = row.pdf, row.patient_matricule
        self._audit(actor, "read_pdf", True, receipt, matricule)
        return pdf

    def documents(
        self, actor: Actor, doctor_code: str | None = None, matricule: str | None = None, status: Status | None = None
    ) -> list[DocumentView]:
        """A doctor's (or assistant's) documents under their code, a patient's own; the fund's by doctor, patient
        or status (its queue of submitted fee notes)."""
        query = select(Document).options(selectinload(Document.events)).order_by(Document.id)
        if actor.role in (Role.DOCTOR, Role.ASSISTANT):
            query = query.where(Document.doctor_code == actor.doctor_code)
        elif actor.role is Role.PATIENT:
            query = query.where(Document.patient_matricule == actor.name)
        else:
            if doctor_code is None and matricule is None and status is None:
                error = VaultError("EDOC-SCOPE", "the fund lists by doctor, patient or status", 422)
                raise self._refuse(actor, "list", error)
            if doctor_code:
                query = query.where(Document.doctor_code == doctor_code)
            if matricule:
                query = query.where(Document.patient_matricule == matricule)
        if status is not None:
            query = query.where(Document.status == status.value)
        with self.sessions() as session:
            views = [_view(row) for row in session.scalars(query)]
        self._audit(actor, "list", True, None, actor.name if actor.role is Role.PATIENT else matricule)
        return views

    def current(self, actor: Actor, doctor_code: str, number: str) -> DocumentView:
        """The fund matches a claim to the fee note's current (not replaced) version."""
        with self.sessions() as session:
            row = session.scalars(
                select(Document)
                .where(
                    Document.doctor_code == doctor_code,
                    Document.fee_note_number == number,
                    Document.status != Status.REPLACED.value,
                )
                .options(selectinload(Document.events))
            ).first()
            if row is None or not self._may_read(actor, row):
                error = VaultError("EDOC-NO-MATCH", f"no fee note {number} of {doctor_code} in eDocuments", 404)
                raise self._refuse(actor, "match", error)
            view = _view(row)
        self._audit(actor, "match", True, view.receipt, view.patient_matricule)
        return view

    # --- claims and decisions -------------------------------------------------------------------------------

    def submit(self, actor: Actor, receipt: str, channel: str) -> DocumentView:
        """Submit for reimbursement: the patient from the page, or the fund on a scanned paper fee note."""
        try:
            with self._unit() as session:
                row = self._document(session, receipt)
                if actor.role not in (Role.PATIENT, Role.FUND) or not self._may_read(actor, row):
                    raise VaultError("EDOC-FORBIDDEN", f"{actor.label} cannot submit {receipt}", 403)
                status = Status(row.status)
                if status is Status.DEPOSITED:
                    raise VaultError("EDOC-UNPAID", f"{receipt} is not paid yet: it cannot be submitted")
                if status not in CLAIMABLE:
                    raise VaultError("EDOC-ALREADY", f"{receipt} is {status.value}: it cannot be submitted again")
                self._set_status(session, row, Status.SUBMITTED, actor, f"submitted ({channel})")
                view = _view(row)
        except VaultError as error:
            raise self._refuse(actor, "submit", error, receipt) from None
        self._audit(actor, "submit", True, receipt, view.patient_matricule)
        return view

    def decide(self, actor: Actor, receipt: str, status: Status, reason: str | None = None) -> DocumentView:
        """The fund's decision: reimbursed or refused (a PID payment is reimbursed straight from ``available`` or
        ``deposited``: the patient paid only their share)."""
        try:
            if actor.role is not Role.FUND or status not in FUND_DECISIONS:
                raise VaultError("EDOC-FORBIDDEN", "only the fund decides, reimbursed or refused", 403)
            with self._unit() as session:
                row = self._document(session, receipt)
                if Status(row.status) in {Status.REIMBURSED, Status.REPLACED}:
                    raise VaultError("EDOC-STATUS", f"{receipt} is {row.status}: no new decision")
                self._set_status(session, row, status, actor, reason)
                view = _view(row)
        except VaultError as error:
            raise self._refuse(actor, "decide", error, receipt) from None
        self._audit(actor, "decide", True, receipt, view.patient_matricule)
        return view

    def _set_status(self, session: Session, row: Document, status: Status, actor: Actor, reason: str | None) -> None:
        row.status = status.value
        row.events.append(StatusEvent(status=status.value, at=self.now(), by=actor.label, reason=reason))

    # --- counts and audit -----------------------------------------------------------------------------------

    def deposit_counts(self, actor: Actor, start: date, end: date) -> dict[str, int]:
        """Fee notes first deposited per doctor between two dates (inclusive): corrections are not new documents."""
        if actor.role is not Role.FUND:
            raise self._refuse(actor, "counts", VaultError("EDOC-FORBIDDEN", "counts are the fund's", 403))
        first_day = datetime(start.year, start.month, start.day)
        after_last = datetime.fromordinal(end.toordinal() + 1)
        query = (
            select(Document.doctor_code, func.count())
            .where(Document.version == 1, Document.deposited_at >= first_day, Document.deposited_at < after_last)
            .group_by(Document.doctor_code)
        )
        with self.sessions() as session:
            counts = {code: int(count) for code, count in session.execute(query)}
        self._audit(actor, "counts", True)
        return counts

    def access_log(self, receipt: str | None = None, matricule: str | None = None) -> list[AccessLog]:
        query = select(AccessLog).order_by(AccessLog.id)
        if receipt:
            query = query.where(AccessLog.receipt == receipt)
        if matricule:
            query = query.where(AccessLog.patient_matricule == matricule)
        with self.sessions() as session:
            return list(session.scalars(query))


def _view(row: Document) -> DocumentView:
    return DocumentView(
        receipt=row.receipt,
        lineage=row.lineage,
        version=row.version,
        doctor_code=row.doctor_code,
        fee_note_number=row.fee_note_number,
        patient_matricule=row.patient_matricule,
        fund=row.fund,
        issued_on=row.issued_on,
        total=row.total,
        fund_share=row.fund_share,
        patient_share=row.patient_share,
        paid_on=row.paid_on,
        mode=row.mode,
        status=Status(row.status),
        has_qr=row.qr_text is not None,
        content_sha256=row.content_sha256,
        prepared_by=row.prepared_by,
        sent_by=row.sent_by,
        deposited_at=row.deposited_at,
        history=[Event(status=Status(e.status), at=e.at, by=e.by, reason=e.reason) for e in row.events],
    )
