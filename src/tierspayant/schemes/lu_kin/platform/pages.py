"""The practice's pages: patients, prescriptions (scan upload), requests and titres, sessions calendar, monthly
billing, returns, reconciliation with charts, printable documents. Every page acts for one provider code (the
practice's facturier) with the rights the user holds on it: a provider has all; an assistant what was delegated."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

import asyncssh
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.platform.accounts import Principal, Right, Role
from tierspayant.platform.web.charts import Series, grouped_bars
from tierspayant.platform.web.common import CsrfChecked, Forbidden, User, audit, flash, redirect, render
from tierspayant.schemes.lu_kin.platform.desk import PracticeDesk
from tierspayant.schemes.lu_kin.practice.domain import Fund, PathologyCategory, PrescriptionStatus
from tierspayant.schemes.lu_kin.practice.patients import PatientRecord
from tierspayant.schemes.lu_kin.practice.prescriptions import PrescribedAct, PrescriptionInput
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput

router = APIRouter(prefix="/practice", include_in_schema=False)
MAX_SCAN_BYTES = 20 * 1024 * 1024
RECONCILIATION_SERIES = [
    Series("billed", "var(--billed)"),
    Series("covered", "var(--covered)"),
    Series("contested", "var(--contested)"),
    Series("awaiting", "var(--awaiting)"),
]


@dataclass(frozen=True)
class Acting:
    user: Principal
    desk: PracticeDesk
    code: str

    @property
    def rights(self) -> frozenset[Right]:
        return self.user.rights_for(self.code)

    def require(self, right: Right) -> None:
        if right not in self.rights:
            held = ", ".join(sorted(r.value for r in self.rights)) or "none"
            raise Forbidden(f"you may not {right.value} for provider {self.code} (your rights: {held})")


def acting(request: Request, user: User) -> Acting:
    desk: PracticeDesk | None = request.app.state.practice_desk
    if desk is None:
        raise Forbidden("no practice is configured on this platform")
    if user.role not in (Role.PROVIDER, Role.ASSISTANT):
        raise Forbidden("the practice pages are for providers and their assistants")
    try:
        info = desk.practice.practice()
    except FindingsError as error:
        raise Forbidden("the practice is not set up yet: " + "; ".join(f.message for f in error.findings)) from error
    candidates = [info.facturier_code] if info.facturier_code else user.providers_with(Right.READ)
    code = next((c for c in candidates if c and user.may(Right.READ, c)), None)
    if code is None:
        raise Forbidden("you have no rights on this practice's provider code")
    return Acting(user, desk, code)


Desk = Annotated[Acting, Depends(acting)]


def page(request: Request, template: str, me: Acting, section: str, **values: Any) -> HTMLResponse:
    return render(request, template, me.user, section=section, acting=me, rights={r.value for r in me.rights}, **values)


def refused(request: Request, error: FindingsError, what: str) -> None:
    flash(request, f"{what} refused: " + " · ".join(f"[{f.code}] {f.message}" for f in error.findings), "error")


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise FindingsError(
            [Finding(code="PLT-FORM", message=f"{what}: {text!r} is not a date (YYYY-MM-DD)", location=what)]
        ) from error


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def session_months(me: Acting) -> list[str]:
    return sorted({month_of(s.performed_on) for s in me.desk.practice.sessions()})


# -- overview ---------------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def overview(request: Request, me: Desk) -> HTMLResponse:
    practice = me.desk.practice
    context = request.app.state.context
    sessions = practice.sessions()
    prescriptions = practice.prescriptions()
    values = {
        "info": practice.practice(),
        "patients": len(practice.patients()),
        "pending": sum(p.status is PrescriptionStatus.PENDING for p in prescriptions),
        "titres": len(practice.titres()),
        "unbilled": sum(s.status == "unbilled" for s in sessions),
        "outbox": [f for f in me.desk.outbox() if f.sent_at is None],
        "deposits": context.deposits.list([me.code], limit=8),
    }
    return page(request, "practice_overview.html", me, "overview", **values)


# -- patients ---------------------------------------------------------------------------------------------------


@router.get("/patients", response_class=HTMLResponse)
def patients_page(request: Request, me: Desk) -> HTMLResponse:
    patients = me.desk.practice.patients()
    audit(request, me.user, "view", "practice patients", f"{len(patients)} patients")
    return page(request, "practice_patients.html", me, "patients", patients=patients, funds=list(Fund))


@router.post("/patients", dependencies=[CsrfChecked], response_class=RedirectResponse)
def add_patient(
    request: Request,
    me: Desk,
    matricule: Annotated[str, Form(max_length=20)],
    last_name: Annotated[str, Form(max_length=100)],
    first_name: Annotated[str, Form(max_length=100)],
    birth_date: Annotated[str, Form(max_length=10)],
    fund: Annotated[Fund, Form()],
    third_party: Annotated[bool, Form()] = False,
    street: Annotated[str, Form(max_length=200)] = "",
    postal_code: Annotated[str, Form(max_length=10)] = "",
    city: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        record = me.desk.practice.add_patient(
            PatientRecord(
                matricule=matricule.strip(),
                last_name=last_name.strip(),
                first_name=first_name.strip(),
                birth_date=parse_day(birth_date, "birth date"),
                fund=fund,
                third_party=third_party,
                street=street.strip() or None,
                postal_code=postal_code.strip() or None,
                city=city.strip() or None,
            )
        )
    except FindingsError as error:
        refused(request, error, "patient")
    else:
        audit(request, me.user, "create", f"patient {record.matricule}")
        flash(request, f"Patient {record.first_name} {record.last_name} ({record.matricule}) added.", "ok")
    return redirect("/practice/patients")


# -- prescriptions ----------------------------------------------------------------------------------------------


@router.get("/prescriptions", response_class=HTMLResponse)
def prescriptions_page(request: Request, me: Desk) -> HTMLResponse:
    practice = me.desk.practice
    reference = practice.reference.reference
    today = practice.today()
    acts = [
        (r["act_code"], r["label"])
        for r in reference["nomenclature"].iter_rows(named=True)
        if r["valid_from"] <= today <= r["valid_to"]
    ]
    places = [
        (r["place_code"], r["label"])
        for r in reference["places"].iter_rows(named=True)
        if r["valid_from"] <= today <= r["valid_to"]
    ]
    prescribers = [
        (r["prescriber_code"], r["name"])
        for r in reference["prescribers"].iter_rows(named=True)
        if r["valid_to"] >= today
    ]
    patients = {p.matricule: p for p in practice.patients()}
    prescriptions = practice.prescriptions()
    audit(request, me.user, "view", "practice prescriptions", f"{len(prescriptions)} prescriptions")
    return page(
        request,
        "practice_prescriptions.html",
        me,
        "prescriptions",
        prescriptions=prescriptions,
        patients=patients,
        acts=acts,
        places=places,
        prescribers=prescribers,
        categories=list(PathologyCategory),
        today=today,
    )


@router.post("/prescriptions", dependencies=[CsrfChecked], response_class=RedirectResponse)
async def add_prescription(
    request: Request,
    me: Desk,
    matricule: Annotated[str, Form(max_length=20)],
    prescriber_code: Annotated[str, Form(max_length=12)],
    prescribed_on: Annotated[str, Form(max_length=10)],
    pathology_category: Annotated[PathologyCategory, Form()],
    act_code: Annotated[str, Form(max_length=10)],
    sessions: Annotated[int, Form(ge=1, le=200)],
    performer_code: Annotated[str, Form(max_length=12)],
    place_category: Annotated[str, Form(max_length=4)],
    scan: Annotated[UploadFile, File()],
    accident_date: Annotated[str, Form(max_length=10)] = "",
) -> RedirectResponse:
    me.require(Right.PREPARE)
    data = await scan.read(MAX_SCAN_BYTES + 1)
    try:
        if len(data) > MAX_SCAN_BYTES:
            raise FindingsError([Finding(code="PLT-SCAN-SIZE", message="the scan is larger than 20 MB")])
        prescription = PrescriptionInput(
            matricule=matricule.strip(),
            prescriber_code=prescriber_code.strip(),
            prescribed_on=parse_day(prescribed_on, "prescription date"),
            pathology_category=pathology_category,
            acts=[PrescribedAct(act_code=act_code.strip(), sessions=sessions)],
            performer_code=performer_code.strip(),
            place_category=place_category.strip(),
            scan=data,
            scan_name=scan.filename or "scan.pdf",
            accident_date=parse_day(accident_date, "accident date") if accident_date.strip() else None,
        )
        record = await run_in_threadpool(me.desk.practice.add_prescription, prescription)
    except FindingsError as error:
        refused(request, error, "prescription")
    else:
        audit(request, me.user, "create", f"prescription {record.id} patient {record.matricule}")
        flash(request, f"Prescription {record.id} recorded for {record.matricule}; it waits for a request.", "ok")
        for warning in record.warnings:
            flash(request, f"Check before sending: [{warning.code}] {warning.message}", "warn")
    return redirect("/practice/prescriptions")


# -- requests, titres and the outbox ----------------------------------------------------------------------------


@router.get("/requests", response_class=HTMLResponse)
def requests_page(request: Request, me: Desk) -> HTMLResponse:
    practice = me.desk.practice
    prescriptions = practice.prescriptions()
    pending = [p for p in prescriptions if p.status is PrescriptionStatus.PENDING]
    titres = practice.titres()
    audit(request, me.user, "view", "practice requests and titres", f"{len(titres)} titres")
    return page(
        request,
        "practice_requests.html",
        me,
        "requests",
        pending=pending,
        requested=[p for p in prescriptions if p.status is not PrescriptionStatus.PENDING],
        suspended=practice.suspended_requests(),
        titres=titres,
        outbox=[f for f in me.desk.outbox() if f.file_type == "DEMAUT"],
    )


@router.post("/requests/build", dependencies=[CsrfChecked], response_class=RedirectResponse)
def build_request(request: Request, me: Desk) -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        path = me.desk.practice.build_request(me.code)
    except FindingsError as error:
        refused(request, error, "request")
    else:
        audit(request, me.user, "build", f"DEMAUT {path.name}")
        flash(request, f"Request built: {path.name}. Send it to the fund when ready.", "ok")
    return redirect("/practice/requests")


@router.post("/outbox/send", dependencies=[CsrfChecked], response_class=RedirectResponse)
def send_file(
    request: Request, me: Desk, name: Annotated[str, Form(max_length=255)], back: Annotated[str, Form()] = "/practice"
) -> RedirectResponse:
    me.require(Right.SEND)
    try:
        me.desk.send(name)
    except FindingsError as error:
        refused(request, error, "sending")
    except (OSError, asyncssh.Error) as error:
        flash(request, f"The mailbox could not be reached: {error}", "error")
    else:
        audit(request, me.user, "send", f"{name} to mailbox {me.code}")
        flash(request, f"{name} sent through the SFTP mailbox; the fund's answer will wait in the mailbox.", "ok")
    return redirect(back if back.startswith("/practice") else "/practice")


@router.post("/mailbox/receive", dependencies=[CsrfChecked], response_class=RedirectResponse)
def receive(request: Request, me: Desk, back: Annotated[str, Form()] = "/practice/returns") -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        results = me.desk.receive()
    except FindingsError as error:
        refused(request, error, "receiving")
    except (OSError, asyncssh.Error) as error:
        flash(request, f"The mailbox could not be reached: {error}", "error")
    else:
        audit(request, me.user, "receive", f"mailbox {me.code}", f"{len(results)} files")
        if not results:
            flash(request, "Nothing waiting in the mailbox.", "info")
        for result in results:
            flash(request, f"{result.name}: {result.status}", "error" if result.status == "refused" else "ok")
    return redirect(back if back.startswith("/practice") else "/practice/returns")


# -- sessions ---------------------------------------------------------------------------------------------------


@router.get("/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, me: Desk, month: Annotated[str | None, Query(max_length=7)] = None) -> HTMLResponse:
    practice = me.desk.practice
    today = practice.today()
    try:
        year, number = (int(x) for x in (month or month_of(today)).split("-"))
        first = date(year, number, 1)
    except ValueError:
        first = today.replace(day=1)
    sessions = [
        s for s in practice.sessions() if s.performed_on.year == first.year and s.performed_on.month == first.month
    ]
    by_day: dict[int, list[object]] = defaultdict(list)
    for s in sessions:
        by_day[s.performed_on.day].append(s)
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(first.year, first.month)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    titres = [t for t in practice.titres() if t.valid_to >= first]
    audit(request, me.user, "view", f"practice sessions {month_of(first)}", f"{len(sessions)} sessions")
    return page(
        request,
        "practice_sessions.html",
        me,
        "sessions",
        month=month_of(first),
        month_label=first.strftime("%B %Y"),
        weeks=weeks,
        by_day=by_day,
        sessions=sessions,
        titres=titres,
        previous=month_of(previous),
        following=month_of(following),
        today=today,
    )


@router.post("/sessions", dependencies=[CsrfChecked], response_class=RedirectResponse)
def add_session(
    request: Request,
    me: Desk,
    titre: Annotated[str, Form(max_length=40)],
    performed_on: Annotated[str, Form(max_length=10)],
    act_code: Annotated[str, Form(max_length=10)] = "",
    performer_code: Annotated[str, Form(max_length=12)] = "",
) -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        day = parse_day(performed_on, "session date")
        warnings = me.desk.practice.add_session(
            SessionInput(
                titre=titre.strip(),
                performed_on=day,
                act_code=act_code.strip() or None,
                performer_code=performer_code.strip() or None,
            )
        )
    except FindingsError as error:
        refused(request, error, "session")
        return redirect("/practice/sessions")
    audit(request, me.user, "create", f"session titre {titre} on {day}")
    flash(request, f"Session of {day} recorded on titre {titre}.", "ok")
    for warning in warnings:
        flash(request, f"[{warning.code}] {warning.message}", "warn")
    return redirect(f"/practice/sessions?month={month_of(day)}")


# -- billing ----------------------------------------------------------------------------------------------------


@router.get("/billing", response_class=HTMLResponse)
def billing_page(request: Request, me: Desk) -> HTMLResponse:
    practice = me.desk.practice
    sessions = practice.sessions()
    unbilled: dict[str, int] = defaultdict(int)
    for s in sessions:
        if s.status in ("unbilled", "to rebill"):
            unbilled[month_of(s.performed_on)] += 1
    months = sorted(set(unbilled) | {month_of(practice.today())})
    return page(
        request,
        "practice_billing.html",
        me,
        "billing",
        unbilled=dict(sorted(unbilled.items())),
        months=months,
        default_month=max(unbilled) if unbilled else month_of(practice.today()),
        outbox=[f for f in me.desk.outbox() if f.file_type == "FAC"],
    )


@router.post("/billing", dependencies=[CsrfChecked], response_class=RedirectResponse)
def bill(request: Request, me: Desk, month: Annotated[str, Form(pattern=r"^\d{4}-\d{2}$")]) -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        path = me.desk.practice.bill(month, me.code)
    except FindingsError as error:
        refused(request, error, "billing")
    else:
        audit(request, me.user, "build", f"FAC {path.name}", month)
        flash(request, f"Monthly bill built for {month}: {path.name}. Send it to the fund when ready.", "ok")
    return redirect("/practice/billing")


# -- returns and reconciliation ---------------------------------------------------------------------------------


@router.get("/returns", response_class=HTMLResponse)
def returns_page(request: Request, me: Desk) -> HTMLResponse:
    received = me.desk.received()
    audit(request, me.user, "view", "practice returns", f"{len(received)} files")
    return page(request, "practice_returns.html", me, "returns", received=received)


@router.get("/reconciliation", response_class=HTMLResponse)
def reconciliation_page(
    request: Request, me: Desk, month: Annotated[str | None, Query(max_length=7)] = None
) -> HTMLResponse:
    practice = me.desk.practice
    months = session_months(me)
    overview_values = []
    for one in months:
        total = practice.reconcile(one).total
        overview_values.append([total.billed, total.covered, total.contested, total.awaiting])
    overview_chart = grouped_bars(
        "Billed, covered and contested per month", months, RECONCILIATION_SERIES, overview_values
    )
    selected = month if month in months else (months[-1] if months else None)
    result = practice.reconcile(selected) if selected else None
    month_chart = None
    if result is not None:
        names = [b.name or b.key for b in result.patients]
        month_chart = grouped_bars(
            f"{selected}: per patient",
            names,
            RECONCILIATION_SERIES,
            [[b.billed, b.covered, b.contested, b.awaiting] for b in result.patients],
        )
    audit(request, me.user, "view", f"practice reconciliation {selected}")
    return page(
        request,
        "practice_reconciliation.html",
        me,
        "reconciliation",
        months=months,
        selected=selected,
        result=result,
        overview_chart=overview_chart,
        month_chart=month_chart,
    )


@router.get("/reconciliation.csv", response_class=Response)
def reconciliation_csv(request: Request, me: Desk, month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]) -> Response:
    audit(request, me.user, "export", f"practice reconciliation {month} CSV")
    return Response(
        me.desk.practice.reconcile(month).to_csv(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="reconciliation-{month}.csv"'},
    )


# -- documents --------------------------------------------------------------------------------------------------


@router.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request, me: Desk) -> HTMLResponse:
    practice = me.desk.practice
    titres = practice.titres()
    patients = {p.matricule: p for p in practice.patients()}
    memoires = sorted(
        {(s.matricule, month_of(s.performed_on)) for s in practice.sessions() if s.status != "unbilled"},
        key=lambda pair: (pair[1], pair[0]),
        reverse=True,
    )
    return page(
        request, "practice_documents.html", me, "documents", titres=titres, memoires=memoires, patients=patients
    )


@router.get("/documents/titre/{identifier}.pdf", response_model=None)
def titre_pdf(request: Request, me: Desk, identifier: str) -> FileResponse | RedirectResponse:
    try:
        path = me.desk.practice.print_titre(identifier)
    except FindingsError as error:
        refused(request, error, "printing")
        return redirect("/practice/documents")
    audit(request, me.user, "print", f"titre {identifier}")
    return FileResponse(path, media_type="application/pdf", filename=path.name)


@router.get("/documents/memoire/{matricule}/{month}.pdf", response_model=None)
def memoire_pdf(request: Request, me: Desk, matricule: str, month: str) -> FileResponse | RedirectResponse:
    me.require(Right.PREPARE)  # printing a mémoire records the insured share as invoiced to the patient
    try:
        path = me.desk.practice.print_memoire(matricule, month)
    except FindingsError as error:
        refused(request, error, "printing")
        return redirect("/practice/documents")
    audit(request, me.user, "print", f"mémoire patient {matricule} {month}")
    return FileResponse(path, media_type="application/pdf", filename=path.name)
