"""The practice records a titre the insured brought on paper (seed 002): its number, dates, sessions and whether the
insured obtained it himself by post (then never billed in third-party payment; the fund's K218 refuses it)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.platform.accounts import Right
from tierspayant.platform.web.common import CsrfChecked, audit, flash, redirect
from tierspayant.platform.web.i18n import gettext as _
from tierspayant.schemes.lu_kin.platform.pages import Desk, keep_form, parse_day, refused
from tierspayant.schemes.lu_kin.practice.titres import PaperTitre

router = APIRouter(prefix="/practice", include_in_schema=False)


def _rate(text: str) -> Decimal:
    try:
        return Decimal(text.strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation as error:
        message = _("%(what)s: %(text)r is not a number", what=_("coverage rate"), text=text)
        raise FindingsError([Finding(code="PLT-FORM", message=message, location="coverage_rate")]) from error


@router.post("/titres/paper", dependencies=[CsrfChecked], response_class=RedirectResponse)
def record_paper_titre(
    request: Request,
    me: Desk,
    identifier: Annotated[str, Form(max_length=20)],
    prescription_id: Annotated[int, Form(ge=1)],
    issued_on: Annotated[str, Form(max_length=10)],
    valid_from: Annotated[str, Form(max_length=10)],
    valid_to: Annotated[str, Form(max_length=10)],
    coverage_rate: Annotated[str, Form(max_length=10)],
    act_code: Annotated[str, Form(max_length=10)],
    sessions: Annotated[int, Form(ge=1, le=999)],
    obtained_by_insured: Annotated[str | None, Form(max_length=5)] = None,
) -> RedirectResponse:
    me.require(Right.PREPARE)
    by_insured = obtained_by_insured is not None
    try:
        paper = PaperTitre(
            identifier=identifier,
            prescription_id=prescription_id,
            issued_on=parse_day(issued_on, _("issued on")),
            valid_from=parse_day(valid_from, _("valid from")),
            valid_to=parse_day(valid_to, _("valid to")),
            coverage_rate=_rate(coverage_rate),
            sessions={act_code: sessions},
            obtained_by_insured=by_insured,
        )
        record = me.desk.practice.record_paper_titre(paper)
    except FindingsError as error:
        refused(request, error, "paper titre", me)
        keep_form(
            request,
            {
                "paper_identifier": identifier,
                "paper_prescription": prescription_id,
                "paper_issued_on": issued_on,
                "paper_valid_from": valid_from,
                "paper_valid_to": valid_to,
                "paper_rate": coverage_rate,
                "paper_act": act_code,
                "paper_sessions": sessions,
                "paper_by_insured": "on" if by_insured else None,
            },
        )
        return redirect("/practice/requests#paper-titre")
    how = "obtained by the insured by post" if by_insured else "granted on the practice's request"
    audit(request, me.user, "paper titre", f"titre {record.identifier} patient {record.matricule}", how)
    if by_insured:
        flash(
            request,
            _(
                "Paper titre %(titre)s recorded: obtained by the insured by post, it is never billed in third-party "
                "payment (print the mémoire for the patient).",
                titre=record.identifier,
            ),
            "ok",
        )
    else:
        flash(request, _("Paper titre %(titre)s recorded.", titre=record.identifier), "ok")
    return redirect("/practice/requests")
