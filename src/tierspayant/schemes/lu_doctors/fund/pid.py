"""PID (paiement immédiat direct) at the fund: the doctor's software asks the fund to validate a fee note it
deposited in eDocuments and to pay the fund's share at once — one instant transfer per fee note, to the doctor;
the patient pays only their share. The fund validates the eDocuments copy, not data sent beside it.

The doctor's software calls ``POST /pid`` with a short timeout; without an answer in time it falls back to
digitalised reimbursement (``practice.feenotes_digital``). A late PID payment and a fallback claim cannot both be
paid: the fund pays a fee note once (``dfn_payment`` is unique per fee note).
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel

from tierspayant.schemes.lu_doctors.edocuments.model import Status
from tierspayant.schemes.lu_doctors.edocuments.vault import VaultError
from tierspayant.schemes.lu_doctors.fund.reimbursement import AcceleratedReimbursement, Refused


class PidRequest(BaseModel):
    receipt: str  # the eDocuments receipt of the fee note (deposited with mode "pid")


class PidAnswer(BaseModel):
    accepted: bool
    code: str
    message: str
    amount: Decimal | None = None
    transfer_id: str | None = None


class PidService:
    def __init__(self, reimbursement: AcceleratedReimbursement) -> None:
        self.reimbursement = reimbursement

    def validate_and_pay(self, doctor_code: str, receipt: str) -> PidAnswer:
        fund = self.reimbursement
        try:
            try:
                document = fund.vault.document(receipt)
            except VaultError as error:
                raise Refused(error.findings[0].code, error.findings[0].message) from None
            if document.doctor_code != doctor_code:
                raise Refused("DFN-PID-NOT-YOURS", f"{receipt} is not a fee note of {doctor_code}")
            if document.mode != "pid":
                raise Refused("DFN-PID-MODE", f"fee note {document.fee_note_number} is not billed in PID mode")
            if document.status not in (Status.DEPOSITED, Status.AVAILABLE):
                raise Refused("DFN-STATUS", f"fee note {document.fee_note_number} is {document.status.value}")
            if fund.store.payment(document.doctor_code, document.fee_note_number) is not None:
                raise Refused("DFN-ALREADY-PAID", f"fee note {document.fee_note_number} was already paid")
            amount = fund.check(document)
            payment = fund.pay(document, "pid", "doctor", amount)
        except Refused as refused:
            return PidAnswer(accepted=False, code=refused.code, message=refused.message)
        fund.vault.decide(receipt, Status.REIMBURSED, f"PID: {amount} EUR to the doctor, {payment.transfer_id}")
        return PidAnswer(
            accepted=True,
            code="DFN-PID-PAID",
            message=f"{amount} EUR paid to the doctor",
            amount=amount,
            transfer_id=payment.transfer_id,
        )


def create_pid_app(service: PidService, tokens: Mapping[str, str]) -> FastAPI:
    """The fund's PID web service as its own application; ``tokens`` maps a bearer token to a doctor code."""
    app = FastAPI(title="CNS PID web service (faithful implementation)", version="1")
    app.include_router(pid_router(service, tokens))
    return app


def pid_router(service: PidService, tokens: Mapping[str, str], prefix: str = "") -> APIRouter:
    """``POST {prefix}/pid``: validate a fee note deposited in eDocuments and pay the fund's share at once."""
    app = APIRouter(prefix=prefix, tags=["PID"])

    def doctor(authorization: Annotated[str | None, Header()] = None) -> str:
        code = tokens.get((authorization or "").removeprefix("Bearer ").strip())
        if code is None:
            raise HTTPException(401, "unknown or missing bearer token")
        return code

    @app.post("/pid")
    def pid(request: PidRequest, doctor_code: Annotated[str, Depends(doctor)]) -> PidAnswer:
        return service.validate_and_pay(doctor_code, request.receipt)

    return app
