"""The mutuality agent's own pages: the sending-number register, the payments due in the order of reception with
each payment letter (accepted amount, M38 regularisations compensated, amount paid), REFAC's rules explained (what
each checks, its official code and labels), and the MyCareNet messages answered (801000, 420900, agreements).
Intake and the findings of each file are the platform's fund pages (with ``RefacEngine.explain``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tierspayant.core.money import from_cents
from tierspayant.platform.web.common import Forbidden, render
from tierspayant.platform.web.fund_pages import Agent
from tierspayant.schemes.be_nursing.formats import error_codes
from tierspayant.schemes.be_nursing.mutuality.evaluation import refac_rules
from tierspayant.schemes.be_nursing.platform.engine import RefacEngine

router = APIRouter(prefix="/mutuality", include_in_schema=False)


def _refac(request: Request) -> RefacEngine:
    refac: RefacEngine | None = getattr(request.app.state, "refac", None)
    if refac is None:
        raise Forbidden("REFAC does not run on this platform")
    return refac


@router.get("/sendings", response_class=HTMLResponse)
def sendings_page(request: Request, user: Agent) -> HTMLResponse:
    refac = getattr(request.app.state, "refac", None)
    sendings = [] if refac is None else refac.service.registry.sending_rows()
    return render(request, "mutuality_sendings.html", user, section="sendings", sendings=sendings)


@router.get("/payments", response_class=HTMLResponse)
def payments_page(request: Request, user: Agent) -> HTMLResponse:
    payments = _refac(request).service.registry.payments()
    return render(request, "mutuality_payments.html", user, section="payments", payments=payments, euros=from_cents)


@router.get("/payments/{sending_id}", response_class=HTMLResponse)
def payment_letter(request: Request, user: Agent, sending_id: int) -> HTMLResponse:
    payment = _refac(request).service.registry.payment_letter(sending_id)
    if payment is None:
        raise Forbidden(f"no accepted sending {sending_id} to pay")
    return render(request, "mutuality_payment_letter.html", user, section="payments", payment=payment,
                  euros=from_cents)


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, user: Agent) -> HTMLResponse:
    rules = [
        {"rule": rule, "official": error_codes.lookup(rule.code)}
        for rule in refac_rules()
    ]
    reference = _refac(request).service.reference
    return render(request, "mutuality_rules.html", user, section="rules", rules=rules, reference=reference)


@router.get("/messages", response_class=HTMLResponse)
def messages_page(request: Request, user: Agent) -> HTMLResponse:
    messages = _refac(request).service.mcn.messages()
    return render(request, "mutuality_messages.html", user, section="messages", messages=messages)
