"""Accelerated (digitalised) reimbursement at the fund: the patient submits the fee note from the page, or the
paper fee note arrives and its QR code is scanned; the fund matches it to the eDocuments copy, checks it and pays
the statutory share once.

Checks, each refusal with its code: the QR code verifies offline against the published keys (paper); the paper is
the current version (``DFN-REPLACED``) and belongs to that fee note's patient (``DFN-PSEUDONYM``); the fee note is
paid (``DFN-UNPAID``); the person is insured on the fee note's date (``DFN-NOT-INSURED``) with the fund the fee note
names (``DFN-WRONG-FUND``); it was not paid already by any channel (``DFN-ALREADY-PAID``) nor is a claim pending
(``DFN-ALREADY-CLAIMED``). The amount is the fund's own computation at the statutory rate, not the doctor's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from tierspayant.core.signing import KeySet, Refusal, SealError
from tierspayant.schemes.lu_doctors.digital.qr_payload import (
    VerifiedFeeNoteQr,
    pseudonym_matches,
    verify_fee_note_qr,
)
from tierspayant.schemes.lu_doctors.edocuments.model import DocumentView, Status
from tierspayant.schemes.lu_doctors.edocuments.vault import VaultError
from tierspayant.schemes.lu_doctors.fund.digital_store import FundDigitalStore, transfer_id
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference, age_on
from tierspayant.schemes.lu_doctors.store.reimbursement.models import Payment


@dataclass(frozen=True)
class ClaimOutcome:
    paid: bool
    code: str  # DFN-PAID or the refusal's code
    message: str
    receipt: str | None = None
    amount: Decimal | None = None
    transfer_id: str | None = None


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class VaultAccess(Protocol):
    """What the fund needs of eDocuments: the HTTP client, or the in-process ``LocalVault``."""

    def key_set(self) -> KeySet: ...

    def documents(
        self, doctor: str | None = None, matricule: str | None = None, status: Status | None = None
    ) -> list[DocumentView]: ...

    def document(self, receipt: str) -> DocumentView: ...

    def submit(self, receipt: str, channel: str) -> DocumentView: ...

    def decide(self, receipt: str, status: Status, reason: str | None = None) -> DocumentView: ...

    def match(self, doctor: str, number: str) -> DocumentView: ...

    def counts(self, start: date, end: date) -> dict[str, int]: ...


class AcceleratedReimbursement:
    def __init__(
        self,
        store: FundDigitalStore,
        vault: VaultAccess,
        reference: DigitalReference,
        pseudonymisation_key: bytes,
    ) -> None:
        self.store = store
        self.vault = vault
        self.reference = reference
        self.pseudonymisation_key = pseudonymisation_key
        self._keys: KeySet | None = None

    # --- the two channels -----------------------------------------------------------------------------------

    def process_submitted(self) -> list[ClaimOutcome]:
        """Decide every fee note patients submitted from their page (the vault's queue)."""
        outcomes = []
        for document in self.vault.documents(status=Status.SUBMITTED):
            channel = "paper" if (document.history[-1].reason or "").endswith("(paper)") else "page"
            outcomes.append(self._settle(document, channel))
        return outcomes

    def claim_paper(self, qr_text: str) -> ClaimOutcome:
        """A paper fee note arrived by post: its QR code is scanned, verified offline and matched."""
        try:
            verified = self._verify(qr_text)
        except SealError as error:
            finding = error.finding()
            return ClaimOutcome(False, finding.code, error.detail)
        qr = verified.qr
        try:
            try:
                document = self.vault.match(qr.doctor_code, qr.number)
            except VaultError as error:
                raise Refused(error.findings[0].code, error.findings[0].message) from None
            if qr.document_hash.hex() != document.content_sha256[: 2 * len(qr.document_hash)]:
                raise Refused("DFN-REPLACED", f"fee note {qr.number} was corrected: claim its current version")
            if not pseudonym_matches(self.pseudonymisation_key, document.patient_matricule, qr):
                raise Refused("DFN-PSEUDONYM", "the QR code's patient is not the fee note's patient")
            self._refuse_if_taken(document)
            if document.status is Status.DEPOSITED:
                raise Refused("DFN-UNPAID", f"fee note {qr.number} is not paid yet")
            if document.status is not Status.AVAILABLE:
                raise Refused("DFN-STATUS", f"fee note {qr.number} is {document.status.value}")
            try:
                document = self.vault.submit(document.receipt, "paper")
            except VaultError as error:  # claimed from the page in the meantime
                raise Refused("DFN-ALREADY-CLAIMED", error.findings[0].message) from None
        except Refused as refused:
            with self.store.unit() as session:
                self.store.record_claim(
                    session,
                    doctor_code=qr.doctor_code,
                    fee_note_number=qr.number,
                    receipt=None,
                    channel="paper",
                    outcome="refused",
                    reason_code=refused.code,
                    reason=refused.message,
                )
            return ClaimOutcome(False, refused.code, refused.message)
        return self._settle(document, "paper")

    # --- shared ---------------------------------------------------------------------------------------------

    def _verify(self, qr_text: str) -> VerifiedFeeNoteQr:
        """Offline verification with the cached key set; fetched again once when a key is unknown (new doctor)."""
        if self._keys is None:
            self._keys = self.vault.key_set()
        try:
            return verify_fee_note_qr(qr_text, self._keys)
        except SealError as error:
            if error.reason is not Refusal.UNKNOWN_KEY:
                raise
            self._keys = self.vault.key_set()
            return verify_fee_note_qr(qr_text, self._keys)

    def _refuse_if_taken(self, document: DocumentView) -> None:
        payment = self.store.payment(document.doctor_code, document.fee_note_number)
        if payment is not None:
            raise Refused(
                "DFN-ALREADY-PAID",
                f"fee note {document.fee_note_number} was already paid ({payment.channel}, {payment.transfer_id})",
            )
        if document.status is Status.SUBMITTED:
            raise Refused("DFN-ALREADY-CLAIMED", f"fee note {document.fee_note_number} is already claimed")

    def check(self, document: DocumentView) -> Decimal:
        """The insured's fund and the statutory amount; raises :class:`Refused`."""
        fund = self.store.fund_of(document.patient_matricule, document.issued_on)
        if fund is None:
            raise Refused("DFN-NOT-INSURED", f"the patient is not insured on {document.issued_on}")
        if fund != document.fund:
            raise Refused("DFN-WRONG-FUND", f"the patient is insured with {fund}, the fee note names {document.fund}")
        return self.reference.shares(document.total, document.patient_matricule, document.issued_on).fund

    def pay(self, document: DocumentView, channel: str, payee: str, amount: Decimal) -> Payment:
        """Record the payment: a second one for the same fee note is refused by the unique constraint."""
        percent = self.reference.fund_percent(
            age_on(document.patient_matricule, document.issued_on), document.issued_on
        )
        try:
            with self.store.unit() as session:
                payment = Payment(
                    doctor_code=document.doctor_code,
                    fee_note_number=document.fee_note_number,
                    receipt=document.receipt,
                    matricule=document.patient_matricule,
                    channel=channel,
                    payee=payee,
                    fund_percent=int(percent),
                    amount=amount,
                    transfer_id=transfer_id(channel.upper()),
                    paid_at=self.store.now(),
                )
                session.add(payment)
                self.store.record_claim(
                    session,
                    doctor_code=document.doctor_code,
                    fee_note_number=document.fee_note_number,
                    receipt=document.receipt,
                    channel=channel,
                    outcome="paid",
                    reason_code=None,
                    reason=None,
                )
        except IntegrityError:
            raise Refused("DFN-ALREADY-PAID", f"fee note {document.fee_note_number} was already paid") from None
        return payment

    def _settle(self, document: DocumentView, channel: str) -> ClaimOutcome:
        try:
            if self.store.payment(document.doctor_code, document.fee_note_number) is not None:
                raise Refused("DFN-ALREADY-PAID", f"fee note {document.fee_note_number} was already paid")
            amount = self.check(document)
            payment = self.pay(document, channel, "patient", amount)
        except Refused as refused:
            with self.store.unit() as session:
                self.store.record_claim(
                    session,
                    doctor_code=document.doctor_code,
                    fee_note_number=document.fee_note_number,
                    receipt=document.receipt,
                    channel=channel,
                    outcome="refused",
                    reason_code=refused.code,
                    reason=refused.message,
                )
            if document.status is Status.SUBMITTED:
                self.vault.decide(document.receipt, Status.REFUSED, f"{refused.code}: {refused.message}")
            return ClaimOutcome(False, refused.code, refused.message, document.receipt)
        self.vault.decide(document.receipt, Status.REIMBURSED, f"{amount} EUR to the patient, {payment.transfer_id}")
        message = f"{amount} EUR reimbursed ({channel})"
        return ClaimOutcome(True, "DFN-PAID", message, document.receipt, amount, payment.transfer_id)
