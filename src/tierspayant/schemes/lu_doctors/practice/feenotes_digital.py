"""Digital fee notes on the doctor's side: the patient's dated opt-in, fee notes with a signed QR code deposited in
eDocuments (paid or unpaid), corrections, PID with its fallback, statuses, and the assistants' delegated rights.

One :class:`DigitalDesk` per workstation session: the practice database is shared by every workstation; ``user`` is
who sits at this one (the doctor, or an assistant acting for the doctor), and ``vault`` is that user's eDocuments
connection. An assistant prepares, signs or sends only with the right the doctor delegated (``prepare``, ``sign``,
``send``); without it the desk refuses before anything is written or sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

import httpx
from sqlalchemy import Select, select

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.core.signing import SigningKey
from tierspayant.schemes.lu_doctors.digital.batch import render_batch
from tierspayant.schemes.lu_doctors.digital.fee_note_qr import shares_of, signed_qr_text
from tierspayant.schemes.lu_doctors.edocuments.client import EDocumentsClient
from tierspayant.schemes.lu_doctors.edocuments.model import Deposit, DocumentView, Receipt, Status
from tierspayant.schemes.lu_doctors.edocuments.vault import VaultError
from tierspayant.schemes.lu_doctors.formats.fee_note import BillingMode, FeeNote
from tierspayant.schemes.lu_doctors.practice.service import DoctorsPractice
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference, Shares
from tierspayant.schemes.lu_doctors.store.practice.digital_models import AssistantRight, DigitalChoice, DigitalFeeNote
from tierspayant.schemes.lu_doctors.store.practice.models import FeeNoteRow

RULE = "digital fee notes (doctor's side)"
NOT_SENT = "not_sent"


class Right(StrEnum):
    PREPARE = "prepare"
    SIGN = "sign"
    SEND = "send"


@dataclass(frozen=True)
class User:
    """Who works at this workstation: the doctor themself, or an assistant acting for ``doctor_code``."""

    name: str
    doctor_code: str
    is_doctor: bool


@dataclass(frozen=True)
class Issued:
    fee_note: FeeNote
    pdf: bytes
    qr_text: str | None
    receipt: Receipt | None
    shares: Shares


@dataclass(frozen=True)
class PidOutcome:
    paid: bool
    fell_back: bool
    code: str
    message: str
    transfer_id: str | None = None
    amount: Decimal | None = None


def _refuse(code: str, message: str) -> FindingsError:
    return FindingsError([Finding(code, message, rule=RULE)])


class DigitalDesk:
    def __init__(
        self,
        practice: DoctorsPractice,
        user: User,
        vault: EDocumentsClient,
        signing_key: SigningKey,
        pseudonymisation_key: bytes,
        reference: DigitalReference,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        delegated: Callable[[Right], bool] | None = None,
    ) -> None:
        """``delegated``: where the assistant's rights come from when the platform holds the delegations (its
        accounts); without it, the practice's own ``assistant_right`` table."""
        self.practice = practice
        self.user = user
        self.vault = vault
        self.signing_key = signing_key
        self.pseudonymisation_key = pseudonymisation_key
        self.reference = reference
        self.now = now
        self.delegated = delegated

    # --- rights ---------------------------------------------------------------------------------------------

    def grant(self, assistant: str, rights: set[Right]) -> None:
        if not self.user.is_doctor:
            raise _refuse("DOC-DELEGATION", "only the doctor delegates rights")
        with self.practice.unit() as session:
            for right in sorted(rights):
                session.add(
                    AssistantRight(
                        assistant=assistant, doctor_code=self.user.doctor_code, right=right.value, granted_at=self._t()
                    )
                )

    def revoke(self, assistant: str, right: Right) -> None:
        if not self.user.is_doctor:
            raise _refuse("DOC-DELEGATION", "only the doctor revokes rights")
        with self.practice.unit() as session:
            for row in session.scalars(self._rights_query(assistant, right)):
                row.revoked_at = self._t()

    def _rights_query(self, assistant: str, right: Right) -> Select[AssistantRight]:
        return select(AssistantRight).where(
            AssistantRight.assistant == assistant,
            AssistantRight.doctor_code == self.user.doctor_code,
            AssistantRight.right == right.value,
            AssistantRight.revoked_at.is_(None),
        )

    def may(self, right: Right) -> bool:
        if self.user.is_doctor:
            return True
        if self.delegated is not None:
            return self.delegated(right)
        with self.practice.sessions() as session:
            return session.scalars(self._rights_query(self.user.name, right)).first() is not None

    def _require(self, *rights: Right) -> None:
        missing = [right.value for right in rights if not self.may(right)]
        if missing:
            raise _refuse(
                "DOC-DELEGATION",
                f"{self.user.name} has no delegation to {', '.join(missing)} fee notes for {self.user.doctor_code}",
            )

    # --- the patient's choice -------------------------------------------------------------------------------

    def record_choice(self, matricule: str, opted_in: bool, chosen_on: date) -> None:
        self._require(Right.PREPARE)
        with self.practice.unit() as session:
            session.add(
                DigitalChoice(
                    matricule=matricule,
                    opted_in=opted_in,
                    chosen_on=chosen_on,
                    recorded_by=self.user.name,
                    recorded_at=self._t(),
                )
            )

    def choice(self, matricule: str, on: date) -> DigitalChoice | None:
        """The choice in force on ``on`` (None: the patient never chose — treated as not opted in)."""
        with self.practice.sessions() as session:
            query = (
                select(DigitalChoice)
                .where(DigitalChoice.matricule == matricule, DigitalChoice.chosen_on <= on)
                .order_by(DigitalChoice.chosen_on.desc())
            )
            return session.scalars(query).first()

    def opted_in(self, matricule: str, on: date) -> bool:
        choice = self.choice(matricule, on)
        return bool(choice and choice.opted_in)

    # --- issuing --------------------------------------------------------------------------------------------

    def issue(self, note: FeeNote) -> Issued:
        """Save, sign (opted in), render, and deposit (opted in) a fee note; opted out: a PDF without QR, not sent."""
        return self.issue_many([note])[0]

    def issue_many(self, notes: Sequence[FeeNote]) -> list[Issued]:
        """:meth:`issue` for several fee notes at once (an assistant's or a billing office's run): every right and
        every note checked before anything is saved; the codes signed together, then the pages drawn
        (``digital.batch``: the same pages, faster); each note recorded and deposited as :meth:`issue` does."""
        digital = [self.opted_in(note.patient_matricule, note.issued_on) for note in notes]
        self._require(Right.PREPARE, *((Right.SIGN, Right.SEND) if any(digital) else ()))
        for note in notes:
            if note.doctor_code != self.user.doctor_code:
                raise _refuse(
                    "DOC-NOT-YOURS", f"{self.user.name} works for {self.user.doctor_code}, not {note.doctor_code}"
                )
        for note in notes:
            self.practice.save_fee_note(note)
        return [self._record(issued, sent) for issued, sent in zip(self._render(notes, digital), digital, strict=True)]

    def _record(self, issued: Issued, digital: bool) -> Issued:
        note = issued.fee_note
        with self.practice.unit() as session:
            session.add(
                DigitalFeeNote(
                    fee_note_id=note.fee_note_id,
                    doctor_code=note.doctor_code,
                    with_qr=digital,
                    sent=False,
                    status=NOT_SENT,
                    fund_share=issued.shares.fund,
                    patient_share=issued.shares.patient,
                    prepared_by=self.user.name,
                    signed_by=self.user.name if digital else None,
                    pdf=issued.pdf,
                    updated_at=self._t(),
                )
            )
        if not digital:
            return issued
        receipt = self.vault.deposit(self._deposit(issued))
        self._update(note.fee_note_id, sent=True, receipt=receipt, sent_by=self.user.name)
        return Issued(note, issued.pdf, issued.qr_text, receipt, issued.shares)

    def _render(self, notes: Sequence[FeeNote], digital: Sequence[bool]) -> list[Issued]:
        shares = [shares_of(note, self.reference) for note in notes]
        with_code = {note.fee_note_id for note, coded in zip(notes, digital, strict=True) if coded}
        now = self.now()

        def sign(note: FeeNote, share: Shares) -> str | None:
            if note.fee_note_id not in with_code:
                return None
            return signed_qr_text(note, share, self.pseudonymisation_key, self.signing_key, now)

        def doctor_name(note: FeeNote) -> str:
            doctor = self.practice.doctor(note.doctor_code)
            return doctor.name if doctor else ""

        rendered = render_batch(notes, shares, sign, doctor_name)
        return [
            Issued(note, page.pdf, page.qr_text, None, share)
            for note, share, page in zip(notes, shares, rendered, strict=True)
        ]

    def _deposit(self, issued: Issued) -> Deposit:
        row = self._row(issued.fee_note.fee_note_id)
        return Deposit.of(issued.fee_note, issued.shares, issued.qr_text, issued.pdf, row.prepared_by)

    def correct(self, corrected: FeeNote) -> Issued:
        """A correction: the eDocuments copy is replaced by a new version that keeps the lineage."""
        self._require(Right.PREPARE, Right.SIGN, Right.SEND)
        row = self._row(corrected.fee_note_id)
        if row.receipt is None:
            raise _refuse("DOC-NOT-SENT", f"fee note {corrected.fee_note_id} was never sent: nothing to replace")
        (issued,) = self._render([corrected], [True])
        receipt = self.vault.replace(row.receipt, self._deposit(issued))
        with self.practice.unit() as session:
            saved = session.scalars(select(FeeNoteRow).where(FeeNoteRow.fee_note_id == corrected.fee_note_id)).one()
            saved.total, saved.mode, saved.paid_on = corrected.total, corrected.mode.value, corrected.paid_on
        self._update(
            corrected.fee_note_id, receipt=receipt, pdf=issued.pdf, shares=issued.shares, sent_by=self.user.name
        )
        return Issued(corrected, issued.pdf, issued.qr_text, receipt, issued.shares)

    def record_payment(self, fee_note_id: str, paid_on: date) -> None:
        """The patient paid: the eDocuments copy becomes available for reimbursement."""
        self._require(Right.SEND)
        row = self._row(fee_note_id)
        if row.receipt is not None:
            view = self.vault.mark_paid(row.receipt, paid_on)
            self._update(fee_note_id, status=view.status)

    # --- PID ------------------------------------------------------------------------------------------------

    def pid(self, note: FeeNote, fund: httpx.Client, timeout: float = 5.0) -> PidOutcome:
        """Issue the fee note in PID mode and ask the fund to pay its share at once; a refusal or no answer in
        time falls back to digitalised reimbursement (a corrected version, mode ``reimbursement``)."""
        if note.mode is not BillingMode.PID:
            note = note.model_copy(update={"mode": BillingMode.PID})
        if not self.opted_in(note.patient_matricule, note.issued_on):
            raise _refuse("DOC-PID-OPT-OUT", "PID goes through eDocuments: the patient has not opted in")
        issued = self.issue(note)
        assert issued.receipt is not None
        try:
            response = fund.post("/pid", json={"receipt": issued.receipt.receipt}, timeout=timeout)
            response.raise_for_status()
            answer = response.json()
        except httpx.HTTPError as error:
            return self._fall_back(
                note, "DOC-PID-NO-ANSWER", f"the fund did not answer in time ({type(error).__name__})"
            )
        if answer["accepted"]:
            amount = Decimal(str(answer["amount"]))
            self._update(
                note.fee_note_id,
                pid_state="paid",
                pid_transfer_id=answer["transfer_id"],
                pid_amount=amount,
                status=Status.REIMBURSED,
            )
            return PidOutcome(True, False, answer["code"], answer["message"], answer["transfer_id"], amount)
        return self._fall_back(note, answer["code"], answer["message"])

    def _fall_back(self, note: FeeNote, code: str, message: str) -> PidOutcome:
        fallback = note.model_copy(update={"mode": BillingMode.REIMBURSEMENT})
        try:
            self.correct(fallback)
        except VaultError as error:
            if error.findings[0].code != "EDOC-NOT-REPLACEABLE":
                raise
            # the fund answered late but did pay: the PID payment stands (a fee note is paid once)
            self.refresh()
            return PidOutcome(False, False, "DOC-PID-LATE", "the fund paid after the time limit: see its status")
        self._update(note.fee_note_id, pid_state="fallback", pid_reason=f"{code}: {message}")
        return PidOutcome(False, True, code, f"{message} — falls back to digitalised reimbursement")

    # --- following statuses ---------------------------------------------------------------------------------

    def refresh(self) -> list[DocumentView]:
        """Mirror the eDocuments statuses of this doctor's documents (current versions)."""
        views = self.vault.documents()
        current = {v.fee_note_number: v for v in views if v.status is not Status.REPLACED}
        with self.practice.unit() as session:
            query = select(DigitalFeeNote).where(DigitalFeeNote.doctor_code == self.user.doctor_code)
            for row in session.scalars(query):
                view = current.get(row.fee_note_id)
                if view is None:
                    continue
                row.status, row.receipt, row.version = view.status.value, view.receipt, view.version
                if view.status in (Status.REIMBURSED, Status.REFUSED):
                    row.reimbursed_reason = view.history[-1].reason
                row.updated_at = self._t()
        return views

    def statuses(self) -> list[DigitalFeeNote]:
        with self.practice.sessions() as session:
            query = (
                select(DigitalFeeNote)
                .where(DigitalFeeNote.doctor_code == self.user.doctor_code)
                .order_by(DigitalFeeNote.fee_note_id)
            )
            return list(session.scalars(query))

    def prepared_on_behalf(self) -> list[DocumentView]:
        """The fee notes assistants (or a billing office) prepared or sent under the doctor's code."""
        doctor_user = self.user.name if self.user.is_doctor else None
        return [
            v
            for v in self.vault.documents()
            if doctor_user is None or v.prepared_by != doctor_user or v.sent_by != doctor_user
        ]

    # --- helpers --------------------------------------------------------------------------------------------

    def _t(self) -> datetime:
        return self.now().replace(tzinfo=None)

    def _row(self, fee_note_id: str) -> DigitalFeeNote:
        with self.practice.sessions() as session:
            row = session.scalars(select(DigitalFeeNote).where(DigitalFeeNote.fee_note_id == fee_note_id)).first()
        if row is None:
            raise _refuse("DOC-UNKNOWN", f"fee note {fee_note_id} was not issued from this practice")
        return row

    def _update(
        self,
        fee_note_id: str,
        *,
        receipt: Receipt | None = None,
        status: Status | None = None,
        pdf: bytes | None = None,
        shares: Shares | None = None,
        sent: bool | None = None,
        sent_by: str | None = None,
        pid_state: str | None = None,
        pid_transfer_id: str | None = None,
        pid_amount: Decimal | None = None,
        pid_reason: str | None = None,
    ) -> None:
        with self.practice.unit() as session:
            row = session.scalars(select(DigitalFeeNote).where(DigitalFeeNote.fee_note_id == fee_note_id)).one()
            if receipt is not None:
                row.receipt, row.lineage, row.version = receipt.receipt, receipt.lineage, receipt.version
                row.status = receipt.status.value
            if status is not None:
                row.status = status.value
            if pdf is not None:
                row.pdf = pdf
            if shares is not None:
                row.fund_share, row.patient_share = shares.fund, shares.patient
            if sent is not None:
                row.sent = sent
            if sent_by is not None:
                row.sent_by = sent_by
            for name, value in (
                ("pid_state", pid_state),
                ("pid_transfer_id", pid_transfer_id),
                ("pid_amount", pid_amount),
                ("pid_reason", pid_reason),
            ):
                if value is not None:
                    setattr(row, name, value)
            row.updated_at = self._t()
