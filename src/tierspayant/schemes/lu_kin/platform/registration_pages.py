"""Registration pages. The fund agent's (``/fund/registrations``): provider-code applications with their documents,
decisions, electronic access (accord or refus, credentials shown once), groups and associations with the annual
statement, the insured's postal requests answered on paper, the export. The practice's (``/practice/registrations``):
apply for a provider code with PDF documents, request electronic access, declare a performer joining or leaving its
group, and the state of each request. Every act with legal effect asks "I confirm" first, and is audited."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tierspayant.core.findings import FindingsError
from tierspayant.platform.accounts import Principal, Right, Role
from tierspayant.platform.web.common import CsrfChecked, Forbidden, User, audit, flash, redirect, render
from tierspayant.platform.web.i18n import N_
from tierspayant.platform.web.i18n import gettext as _
from tierspayant.schemes.lu_kin.fund.registrations import MAX_DOCUMENT_BYTES, Document, RegistrationError, Result
from tierspayant.schemes.lu_kin.platform.pages import Desk, page
from tierspayant.schemes.lu_kin.platform.registration_desk import RegistrationDesk
from tierspayant.schemes.lu_kin.practice import registration_requests as requests

fund_router = APIRouter(prefix="/fund/registrations", include_in_schema=False)
practice_router = APIRouter(prefix="/practice/registrations", include_in_schema=False)

ROLE_LABELS = {
    "information_sheet": N_("Information sheet on establishment in Luxembourg"),
    "authorisation": N_("Authorisation to practise (Ministry of Health)"),
    "identity": N_("Identity document"),
    "bank_details": N_("Bank details"),
    "signed_confirmation": N_("Signed confirmation of the member"),
}
KIND_LABELS = {
    "provider_code": N_("provider code"),
    "e_access": N_("electronic access"),
    "member_declaration": N_("member declaration"),
}
STATUS_LABELS = {
    "pending": N_("pending"),
    "granted": N_("granted"),
    "refused": N_("refused"),
    "declared": N_("declared"),
    "confirmed": N_("confirmed"),
}
CHANGE_LABELS = {"join": N_("joins"), "leave": N_("leaves")}
EMPLOYMENT_LABELS = {"employee": N_("employee"), "freelance": N_("freelance")}
PATHOLOGY_LABELS = {
    "COMMON": N_("common pathology"),
    "SERIOUS": N_("serious pathology (CNS statutes)"),
    "POST_SURGICAL": N_("post-surgical rehabilitation"),
    "LYMPHATIC_DRAINAGE": N_("lymphatic drainage"),
}


def registrations_desk(request: Request) -> RegistrationDesk:
    desk: RegistrationDesk | None = getattr(request.app.state, "kin_registrations", None)
    if desk is None:
        raise Forbidden(_("the fund's registrations are not served on this platform"))
    return desk


Registrations = Annotated[RegistrationDesk, Depends(registrations_desk)]


def kin_agent(user: User) -> Principal:
    if user.role is not Role.FUND_AGENT or user.scheme not in (None, "lu_kin"):
        raise Forbidden(_("these pages are for the fund's agents"))
    return user


Agent = Annotated[Principal, Depends(kin_agent)]


def labels() -> dict[str, Any]:
    def label(table: dict[str, str]) -> Any:
        return lambda value: _(table[value]) if value in table else str(value)

    return {
        "role_label": label(ROLE_LABELS),
        "kind_label": label(KIND_LABELS),
        "status_label": label(STATUS_LABELS),
        "change_label": label(CHANGE_LABELS),
        "employment_label": label(EMPLOYMENT_LABELS),
        "pathology_label": label(PATHOLOGY_LABELS),
    }


def not_done(request: Request, user: Principal, what: str, reason: str) -> None:
    flash(request, _("Not done (%(what)s): %(reasons)s", what=_(what), reasons=reason), "error")
    audit(request, user, "refused", what, reason)


# what stops an act: a registration that cannot be done, a bad value, an account the platform cannot create
FAILURES = (RegistrationError, ValueError, FindingsError)


def reason_of(error: Exception) -> str:
    if isinstance(error, FindingsError):
        return " · ".join(f"[{f.code}] {f.message}" for f in error.findings)
    return str(error)


def said(result: Result) -> str:
    return result.reason or ""


def confirmed_or_refused(request: Request, user: Principal, confirmed: str, what: str) -> bool:
    """An act with legal effect is done only once the user ticked "I confirm"."""
    if confirmed == "yes":
        return True
    not_done(request, user, what, _("tick “I confirm” first: this act has legal effect"))
    return False


def day_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


# what a refusal was about, as the flash message names it (marked for the catalogs)
ACTIONS = (N_("application"), N_("decision"), N_("electronic access"), N_("member declaration"), N_("postal request"))


# -- the fund agent's pages ------------------------------------------------------------------------------------------


@fund_router.get("", response_class=HTMLResponse)
def fund_registrations(request: Request, user: Agent, desk: Registrations) -> HTMLResponse:
    rows = desk.registrations()
    audit(request, user, "view", "fund registrations", f"{len(rows)} registrations")
    return render(
        request,
        "fund_registrations.html",
        user,
        section="registrations",
        pending=[r for r in rows if r.status in ("pending", "declared")],
        decided=[r for r in rows if r.status not in ("pending", "declared")],
        memberships=desk.memberships(),
        paper=desk.paper_requests(),
        pathologies=list(PATHOLOGY_LABELS),
        today=desk.now().date().isoformat(),
        **labels(),
    )


@fund_router.get("/export.csv")
def fund_export_csv(request: Request, user: Agent, desk: Registrations) -> Response:
    audit(request, user, "export", "fund registrations", "csv")
    return Response(desk.export_csv(), media_type="text/csv; charset=utf-8")


@fund_router.get("/export.json")
def fund_export_json(request: Request, user: Agent, desk: Registrations) -> Response:
    audit(request, user, "export", "fund registrations", "json")
    return Response(json.dumps(desk.export_json(), ensure_ascii=False, indent=1), media_type="application/json")


@fund_router.get("/paper-export.json")
def fund_export_paper(request: Request, user: Agent, desk: Registrations) -> Response:
    audit(request, user, "export", "postal requests", "json")
    return Response(json.dumps(desk.export_paper(), ensure_ascii=False, indent=1), media_type="application/json")


@fund_router.get("/documents/{document_id}")
def fund_document(
    request: Request, user: Agent, desk: Registrations, document_id: Annotated[int, Path(ge=1)]
) -> Response:
    found = desk.document(document_id)
    if found is None:
        return render(
            request, "error.html", user, heading=_("Not found"), message=_("No such document."), status_code=404
        )
    audit(request, user, "view", f"registration document {document_id}", found[0])
    return Response(found[1], media_type="application/pdf", headers={"Content-Disposition": "inline"})


@fund_router.get("/statement")
def fund_statement(
    request: Request,
    user: Agent,
    desk: Registrations,
    code: Annotated[str, Query(max_length=12)],
    year: Annotated[int, Query(ge=2000, le=2100)],
) -> Response:
    try:
        statements = desk.statement(code, year)
    except FAILURES as error:
        not_done(request, user, "member declaration", reason_of(error))
        return redirect("/fund/registrations")
    audit(request, user, "view", f"association statement {code} {year}", f"{len(statements)} members")
    return render(
        request, "fund_statement.html", user, section="registrations", code=code, year=year, statements=statements
    )


@fund_router.get("/{registration_id}", response_class=HTMLResponse)
def fund_registration(
    request: Request, user: Agent, desk: Registrations, registration_id: Annotated[int, Path(ge=1)]
) -> HTMLResponse:
    registration = desk.registration(registration_id)
    if registration is None:
        heading, message = _("Not found"), _("No such registration.")
        return render(request, "error.html", user, heading=heading, message=message, status_code=404)
    audit(request, user, "view", f"registration {registration_id}")
    return render(request, "fund_registration.html", user, section="registrations", r=registration, **labels())


@fund_router.post("/{registration_id}/decide", dependencies=[CsrfChecked], response_class=RedirectResponse)
def fund_decide(
    request: Request,
    user: Agent,
    desk: Registrations,
    registration_id: Annotated[int, Path(ge=1)],
    grant: Annotated[str, Form(max_length=3)],
    reason: Annotated[str, Form(max_length=1000)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> RedirectResponse:
    back = f"/fund/registrations/{registration_id}"
    if not confirmed_or_refused(request, user, confirmed, "decision"):
        return redirect(back)
    try:
        result = desk.decide(registration_id, user.display_name, grant == "yes", reason, code)
    except FAILURES as error:
        not_done(request, user, "decision", reason_of(error))
        return redirect(back)
    audit(
        request,
        user,
        f"registration_{result.status}",
        f"registration {registration_id}",
        result.provider_code or said(result),
    )
    if result.status == "granted":
        flash(request, _("Provider code %(code)s granted.", code=result.provider_code), "ok")
    else:
        flash(request, _("Application refused: %(reason)s", reason=said(result)), "ok")
    return redirect(back)


@fund_router.post("/{registration_id}/access", dependencies=[CsrfChecked], response_class=RedirectResponse)
def fund_decide_access(
    request: Request,
    user: Agent,
    desk: Registrations,
    registration_id: Annotated[int, Path(ge=1)],
    grant: Annotated[str, Form(max_length=3)],
    reason: Annotated[str, Form(max_length=1000)] = "",
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> RedirectResponse:
    back = f"/fund/registrations/{registration_id}"
    if not confirmed_or_refused(request, user, confirmed, "electronic access"):
        return redirect(back)
    try:
        result = desk.decide_access(registration_id, user.display_name, grant == "yes", reason)
    except FAILURES as error:
        not_done(request, user, "electronic access", reason_of(error))
        return redirect(back)
    detail = f"account for {result.provider_code}" if result.status == "granted" else reason
    audit(request, user, f"access_{result.status}", f"registration {registration_id}", detail)
    if result.status == "granted":
        flash(request, _("Access granted: the mailbox account of %(code)s is open.", code=result.provider_code), "ok")
    else:
        flash(request, _("Access refused."), "ok")
    return redirect(back)


@fund_router.post("/{registration_id}/credentials", dependencies=[CsrfChecked], response_class=HTMLResponse)
def fund_credentials(
    request: Request, user: Agent, desk: Registrations, registration_id: Annotated[int, Path(ge=1)]
) -> Response:
    try:
        credentials = desk.issue_credentials(registration_id, user.display_name)
    except FAILURES as error:
        not_done(request, user, "electronic access", reason_of(error))
        return redirect(f"/fund/registrations/{registration_id}")
    audit(request, user, "credentials_issued", f"registration {registration_id}", f"account {credentials.username}")
    response = render(
        request, "fund_credentials.html", user, section="registrations", credentials=credentials, rid=registration_id
    )
    response.headers["Cache-Control"] = "no-store"  # the password is in this one answer only
    return response


@fund_router.post("/{registration_id}/confirm", dependencies=[CsrfChecked], response_class=RedirectResponse)
async def fund_confirm_member(
    request: Request,
    user: Agent,
    desk: Registrations,
    registration_id: Annotated[int, Path(ge=1)],
    signed: Annotated[UploadFile | None, File()] = None,
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> RedirectResponse:
    """The member's signed document, received by the fund, confirming an association change."""
    back = f"/fund/registrations/{registration_id}"
    if not confirmed_or_refused(request, user, confirmed, "member declaration"):
        return redirect(back)
    documents = await _uploads([("signed_confirmation", signed)])
    registration = desk.registration(registration_id)
    if not documents or registration is None or registration.change is None:
        not_done(request, user, "member declaration", _("the member's signed document (PDF) is missing"))
        return redirect(back)
    try:
        result = await run_in_threadpool(desk.confirm, registration_id, documents[0], registration.change[0])
    except FAILURES as error:
        not_done(request, user, "member declaration", reason_of(error))
        return redirect(back)
    audit(request, user, f"member_{result.status}", f"registration {registration_id}", said(result))
    if result.status == "confirmed":
        flash(request, _("The member's change is confirmed and counts from its date."), "ok")
    else:
        not_done(request, user, "member declaration", said(result))
    return redirect(back)


@fund_router.post("/paper", dependencies=[CsrfChecked], response_class=RedirectResponse)
def fund_record_paper(
    request: Request,
    user: Agent,
    desk: Registrations,
    matricule: Annotated[str, Form(max_length=20)],
    received_on: Annotated[str, Form(max_length=10)],
    prescriber_code: Annotated[str, Form(max_length=12)],
    prescription_date: Annotated[str, Form(max_length=10)],
    pathology: Annotated[str, Form(max_length=20)],
    act_code: Annotated[str, Form(max_length=10)],
    sessions: Annotated[int, Form(ge=1, le=200)],
    facturier: Annotated[str, Form(max_length=12)] = "",
) -> RedirectResponse:
    received, prescribed = day_or_none(received_on), day_or_none(prescription_date)
    if received is None or prescribed is None:
        not_done(request, user, "postal request", _("a date is not a date"))
        return redirect("/fund/registrations#paper")
    try:
        number = desk.record_paper(
            "".join(matricule.split()), received, prescriber_code, prescribed, pathology,
            [(act_code, sessions)], user.display_name, facturier,
        )  # fmt: skip
    except FAILURES as error:
        not_done(request, user, "postal request", reason_of(error))
        return redirect("/fund/registrations#paper")
    audit(request, user, "create", f"postal request {number}", f"matricule {matricule}")
    flash(request, _("Postal request %(number)s recorded.", number=number), "ok")
    return redirect("/fund/registrations#paper")


@fund_router.post("/paper/{request_id}/answer", dependencies=[CsrfChecked], response_class=RedirectResponse)
def fund_answer_paper(
    request: Request,
    user: Agent,
    desk: Registrations,
    request_id: Annotated[int, Path(ge=1)],
    grant: Annotated[str, Form(max_length=3)],
    reason: Annotated[str, Form(max_length=1000)] = "",
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> RedirectResponse:
    if not confirmed_or_refused(request, user, confirmed, "postal request"):
        return redirect("/fund/registrations#paper")
    try:
        answered = desk.answer_paper(request_id, user.display_name, grant == "yes", reason)
    except FAILURES as error:
        not_done(request, user, "postal request", reason_of(error))
        return redirect("/fund/registrations#paper")
    audit(request, user, f"paper_{answered.status}", f"postal request {request_id}", answered.titre_id or reason)
    if answered.titre_id:
        flash(request, _("Paper titre %(titre)s issued: print the letter.", titre=answered.titre_id), "ok")
    else:
        flash(request, _("Written refusal ready: print the letter."), "ok")
    return redirect("/fund/registrations#paper")


@fund_router.get("/paper/{request_id}.pdf")
def fund_paper_letter(
    request: Request, user: Agent, desk: Registrations, request_id: Annotated[int, Path(ge=1)]
) -> Response:
    letter = desk.letter(request_id)
    if letter is None:
        return render(request, "error.html", user, heading=_("Not found"), message=_("No letter yet."), status_code=404)
    audit(request, user, "print", f"postal request {request_id} letter")
    return Response(letter, media_type="application/pdf", headers={"Content-Disposition": "inline"})


# -- the practice's pages --------------------------------------------------------------------------------------------


def own_codes(desk: RegistrationDesk, practice_code: str) -> list[str]:
    """The codes a practice may ask electronic access for: its own, and those granted on its applications."""
    rows = desk.registrations(requests.applicant_prefix(practice_code))
    return sorted({r.provider_code for r in rows if r.kind == "provider_code" and r.provider_code} | {practice_code})


@practice_router.get("", response_class=HTMLResponse)
def practice_registrations(request: Request, me: Desk, desk: Registrations) -> HTMLResponse:
    rows = desk.registrations(requests.applicant_prefix(me.code), me.code)
    codes = own_codes(desk, me.code)
    audit(request, me.user, "view", "practice registrations", f"{len(rows)} requests")
    return page(
        request,
        "practice_registrations.html",
        me,
        "registrations",
        rows=rows,
        codes=codes,
        members=desk.memberships(me.code),
        documents=requests.APPLICATION_DOCUMENTS,
        state_of=requests.state_of,
        today=desk.now().date().isoformat(),
        **labels(),
    )


async def _uploads(files: list[tuple[str, UploadFile | None]]) -> list[Document]:
    documents = []
    for role, upload in files:
        if upload is None or not upload.filename:
            continue
        content = await upload.read(MAX_DOCUMENT_BYTES + 1)
        if content:
            documents.append(Document(role, upload.filename, content))
    return documents


@practice_router.post("/apply", dependencies=[CsrfChecked], response_class=RedirectResponse)
async def practice_apply(
    request: Request,
    me: Desk,
    desk: Registrations,
    name: Annotated[str, Form(min_length=2, max_length=200)],
    information_sheet: Annotated[UploadFile | None, File()] = None,
    authorisation: Annotated[UploadFile | None, File()] = None,
    identity: Annotated[UploadFile | None, File()] = None,
    bank_details: Annotated[UploadFile | None, File()] = None,
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> RedirectResponse:
    me.require(Right.SEND)
    if not confirmed_or_refused(request, me.user, confirmed, "application"):
        return redirect("/practice/registrations")
    documents = await _uploads(
        [("information_sheet", information_sheet), ("authorisation", authorisation), ("identity", identity),
         ("bank_details", bank_details)]
    )  # fmt: skip
    applicant = requests.applicant_label(me.code, me.user.username)
    result = await run_in_threadpool(desk.apply, applicant, name.strip(), "physiotherapist", documents)
    audit(
        request,
        me.user,
        "apply",
        f"provider code for {name.strip()}",
        f"registration {result.registration_id}: {result.status}",
    )
    if result.status == "refused":
        reasons = " · ".join(f"[{f.code}] {f.message}" for f in result.findings)
        flash(request, _("Application refused at once: %(reasons)s", reasons=reasons), "error")
    else:
        flash(request, _("Application sent to the fund (number %(number)s).", number=result.registration_id), "ok")
    return redirect("/practice/registrations")


@practice_router.post("/access", dependencies=[CsrfChecked], response_class=RedirectResponse)
def practice_request_access(
    request: Request,
    me: Desk,
    desk: Registrations,
    code: Annotated[str, Form(max_length=12)],
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> RedirectResponse:
    me.require(Right.SEND)
    if not confirmed_or_refused(request, me.user, confirmed, "electronic access"):
        return redirect("/practice/registrations")
    if code.strip() not in own_codes(desk, me.code):
        not_done(request, me.user, "electronic access", _("this code is neither the practice's nor one it applied for"))
        return redirect("/practice/registrations")
    try:
        result = desk.request_access(code.strip(), requests.applicant_label(me.code, me.user.username))
    except FAILURES as error:
        not_done(request, me.user, "electronic access", reason_of(error))
        return redirect("/practice/registrations")
    audit(request, me.user, "apply", f"electronic access for {code}", f"registration {result.registration_id}")
    flash(request, _("Request for electronic access sent (number %(number)s).", number=result.registration_id), "ok")
    return redirect("/practice/registrations")


@practice_router.post("/members", dependencies=[CsrfChecked], response_class=RedirectResponse)
async def practice_declare_member(
    request: Request,
    me: Desk,
    desk: Registrations,
    member_code: Annotated[str, Form(max_length=12)],
    change: Annotated[str, Form(max_length=5)],
    on_date: Annotated[str, Form(max_length=10)],
    employment: Annotated[str, Form(max_length=10)],
    signed: Annotated[UploadFile | None, File()] = None,
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> RedirectResponse:
    me.require(Right.SEND)
    if not confirmed_or_refused(request, me.user, confirmed, "member declaration"):
        return redirect("/practice/registrations")
    day = day_or_none(on_date)
    if day is None:
        not_done(request, me.user, "member declaration", _("a date is not a date"))
        return redirect("/practice/registrations")
    documents = await _uploads([("signed_confirmation", signed)])
    declared_by = requests.applicant_label(me.code, me.user.username)
    try:
        result = await run_in_threadpool(
            desk.declare_member, me.code, member_code, change, day, employment, declared_by,
            documents[0] if documents else None,
        )  # fmt: skip
    except FAILURES as error:
        not_done(request, me.user, "member declaration", reason_of(error))
        return redirect("/practice/registrations")
    audit(
        request,
        me.user,
        "declare",
        f"{change} {member_code} on {day}",
        f"registration {result.registration_id}: {result.status}",
    )
    if result.status == "refused":
        not_done(request, me.user, "member declaration", said(result))
    else:
        flash(request, _("Declaration recorded by the fund (number %(number)s).", number=result.registration_id), "ok")
    return redirect("/practice/registrations")
