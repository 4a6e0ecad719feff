"""The practice's pages: patients, prescriptions (scan upload), requests and titres, sessions calendar, monthly
billing, returns, reconciliation with charts, printable documents. Every page acts for one provider code (the
practice's facturier) with the rights the user holds on it: a provider has all; an assistant what was delegated."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

import asyncssh
from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.platform.accounts import Principal, Right, Role
from tierspayant.platform.web.charts import Series, grouped_bars
from tierspayant.platform.web.common import CsrfChecked, Forbidden, User, audit, flash, redirect, render
from tierspayant.platform.web.i18n import N_, format_day, request_locale
from tierspayant.platform.web.i18n import gettext as _
from tierspayant.platform.web.paging import matches, paginate
from tierspayant.schemes.lu_kin.platform.desk import PracticeDesk
from tierspayant.schemes.lu_kin.practice.corrections import PrescriptionChanges
from tierspayant.schemes.lu_kin.practice.domain import Fund, PathologyCategory, PrescriptionStatus
from tierspayant.schemes.lu_kin.practice.patients import PatientRecord
from tierspayant.schemes.lu_kin.practice.prescriptions import PrescribedAct, PrescriptionInput
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput

router = APIRouter(prefix="/practice", include_in_schema=False)
MAX_SCAN_BYTES = 20 * 1024 * 1024
RECONCILIATION_SERIES = [
    Series(N_("billed"), "var(--billed)"),
    Series(N_("covered"), "var(--covered)"),
    Series(N_("contested"), "var(--contested)"),
    Series(N_("awaiting"), "var(--awaiting)"),
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
            raise Forbidden(
                _(
                    "you may not %(right)s for provider %(code)s (your rights: %(held)s)",
                    right=_(right.value),
                    code=self.code,
                    held=held,
                )
            )


def acting(request: Request, user: User) -> Acting:
    desk: PracticeDesk | None = request.app.state.practice_desk
    if desk is None:
        raise Forbidden(_("no practice is configured on this platform"))
    if user.role not in (Role.PROVIDER, Role.ASSISTANT):
        raise Forbidden(_("the practice pages are for providers and their assistants"))
    try:
        info = desk.practice.practice()
    except FindingsError as error:
        reasons = "; ".join(f.message for f in error.findings)
        raise Forbidden(_("the practice is not set up yet: %(reasons)s", reasons=reasons)) from error
    candidates = [info.facturier_code] if info.facturier_code else user.providers_with(Right.READ)
    code = next((c for c in candidates if c and user.may(Right.READ, c)), None)
    if code is None:
        raise Forbidden(_("you have no rights on this practice's provider code"))
    return Acting(user, desk, code)


Desk = Annotated[Acting, Depends(acting)]


CATEGORY_LABELS = {
    "COMMON": N_("common pathology"),
    "SERIOUS": N_("serious pathology (CNS statutes)"),
    "POST_SURGICAL": N_("post-surgical rehabilitation"),
    "LYMPHATIC_DRAINAGE": N_("lymphatic drainage"),
}


@dataclass(frozen=True)
class Names:
    """What a person reads instead of codes: patients, prescribers, performers, places, categories."""

    patients: dict[str, str]
    prescribers: dict[str, str]
    performers: dict[str, str]
    places: dict[str, str]

    def category(self, value: object) -> str:
        key = str(getattr(value, "value", value))
        return _(CATEGORY_LABELS[key]) if key in CATEGORY_LABELS else key

    def patient(self, matricule: str) -> str:
        return self.patients.get(matricule, matricule)

    def prescriber(self, code: str) -> str:
        return self.prescribers.get(code, code)

    def performer(self, code: str) -> str:
        return self.performers.get(code, code)

    def place(self, code: str) -> str:
        return self.places.get(code, code)


def names_of(me: Acting) -> Names:
    practice = me.desk.practice
    reference = practice.reference.reference
    return Names(
        patients={p.matricule: f"{p.last_name.upper()} {p.first_name}" for p in practice.patients()},
        prescribers={r["prescriber_code"]: r["name"] for r in reference["prescribers"].iter_rows(named=True)},
        performers=practice.physiotherapist_names(),
        places={r["place_code"]: r["label"] for r in reference["places"].iter_rows(named=True)},
    )


def _labelled(labels: Mapping[str, str]) -> Any:
    return lambda value: _(labels[value]) if value in labels else str(value).replace("_", " ")


def page(request: Request, template: str, me: Acting, section: str, **values: Any) -> HTMLResponse:
    values.setdefault("names", names_of(me))
    values.setdefault("state_label", _labelled(STATE_LABELS))
    values.setdefault("outcome_label", _labelled(OUTCOME_LABELS))
    values.setdefault("import_label", _labelled(IMPORT_LABELS))
    values.setdefault("form", request.session.pop("form", {}) if "session" in request.scope else {})
    return render(request, template, me.user, section=section, acting=me, rights={r.value for r in me.rights}, **values)


def refused(request: Request, error: FindingsError, what: str, me: Acting | None = None) -> None:
    """Say why it was not done, and keep the refusal in the audit log (who tried what, and why it was refused)."""
    reasons = " · ".join(f"[{f.code}] {f.message}" for f in error.findings)
    flash(request, _("Not done (%(what)s): %(reasons)s", what=_(what), reasons=reasons), "error")
    if me is not None:
        audit(request, me.user, "refused", what, reasons)


# what a refusal was about, as the flash message names it (marked for the catalogs)
ACTIONS = (N_("patient"), N_("prescription"), N_("request"), N_("sending"), N_("receiving"), N_("session"))
ACTIONS_MORE = (N_("billing"), N_("printing"), N_("correction"), N_("cancellation"))


def keep_form(request: Request, values: Mapping[str, object]) -> None:
    """What was typed, shown again in the form when one field was wrong (not the file uploads)."""
    request.session["form"] = {key: str(value) for key, value in values.items() if value is not None}


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise FindingsError(
            [
                Finding(
                    code="PLT-FORM", message=_("%(what)s: %(text)r is not a date", what=what, text=text), location=what
                )
            ]
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
def patients_page(
    request: Request,
    me: Desk,
    q: Annotated[str, Query(max_length=100)] = "",
    page_number: Annotated[int | None, Query(alias="page", ge=1, le=100_000)] = None,
) -> HTMLResponse:
    patients = [
        p
        for p in me.desk.practice.patients()
        if matches(q, p.matricule, p.last_name, p.first_name, p.city, f"{p.first_name} {p.last_name}")
    ]
    shown = paginate(patients, page_number, "/practice/patients", {"q": q})
    audit(
        request,
        me.user,
        "view",
        "practice patients",
        f"{len(shown.items)} patients shown" + (f", search {q!r}" if q else ""),
    )
    return page(request, "practice_patients.html", me, "patients", page=shown, q=q, funds=list(Fund))


def _patient_record(
    matricule: str,
    last_name: str,
    first_name: str,
    birth_date: str,
    fund: Fund,
    third_party: bool,
    street: str,
    postal_code: str,
    city: str,
) -> PatientRecord:
    return PatientRecord(
        matricule=matricule.strip(),
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        birth_date=parse_day(birth_date, _("birth date")),
        fund=fund,
        third_party=third_party,
        street=street.strip() or None,
        postal_code=postal_code.strip() or None,
        city=city.strip() or None,
    )


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
    typed = {
        "matricule": matricule, "last_name": last_name, "first_name": first_name, "birth_date": birth_date,
        "fund": fund.value, "third_party": "true" if third_party else "", "street": street,
        "postal_code": postal_code, "city": city,
    }  # fmt: skip
    try:
        record = me.desk.practice.add_patient(
            _patient_record(matricule, last_name, first_name, birth_date, fund, third_party, street, postal_code, city)
        )
    except FindingsError as error:
        refused(request, error, "patient", me)
        keep_form(request, typed)
        if any(f.code == "PRA-PATIENT-EXISTS" for f in error.findings):
            number = "".join(matricule.split())
            flash(
                request,
                _("This matricule is already recorded."),
                "info",
                (f"/practice/patients/{number}", _("Open that patient")),
            )
        return redirect("/practice/patients")
    audit(request, me.user, "create", f"patient {record.matricule}")
    flash(
        request,
        _(
            "Patient %(name)s (%(matricule)s) added.",
            name=f"{record.first_name} {record.last_name}",
            matricule=record.matricule,
        ),
        "ok",
    )
    return redirect(f"/practice/patients/{record.matricule}")


@router.get("/patients/{matricule}", response_class=HTMLResponse)
def patient_page(request: Request, me: Desk, matricule: Annotated[str, Path(pattern=r"^[0-9]{13}$")]) -> HTMLResponse:
    practice = me.desk.practice
    patient = next((p for p in practice.patients() if p.matricule == matricule), None)
    if patient is None:
        heading, message = _("Not found"), _("No patient with this matricule.")
        return render(request, "error.html", me.user, heading=heading, message=message, status_code=404)
    sessions = practice.sessions(matricule)
    months = sorted({month_of(s.performed_on) for s in sessions if s.status not in ("unbilled",)}, reverse=True)
    balances = []
    for one in months:
        balance = next((b for b in practice.reconcile(one).patients if b.key == matricule), None)
        if balance is not None:
            balances.append((one, balance))
    audit(request, me.user, "view", f"patient {matricule}")
    return page(
        request,
        "practice_patient.html",
        me,
        "patients",
        patient=patient,
        titres=practice.titres(matricule),
        sessions=sessions,
        prescriptions=[p for p in practice.prescriptions() if p.matricule == matricule],
        balances=balances,
        contested=practice.contested_lines(matricule),
        funds=list(Fund),
    )


@router.post("/patients/{matricule}", dependencies=[CsrfChecked], response_class=RedirectResponse)
def update_patient(
    request: Request,
    me: Desk,
    matricule: Annotated[str, Path(pattern=r"^[0-9]{13}$")],
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
        record = _patient_record(
            matricule, last_name, first_name, birth_date, fund, third_party, street, postal_code, city
        )
        detail = me.desk.practice.update_patient(matricule, record)
    except FindingsError as error:
        refused(request, error, "correction", me)
        return redirect(f"/practice/patients/{matricule}")
    audit(request, me.user, "update", f"patient {matricule}", detail)
    flash(request, _("Patient corrected: %(detail)s", detail=detail), "ok")
    return redirect(f"/practice/patients/{matricule}")


@router.post("/patients/{matricule}/cancel", dependencies=[CsrfChecked], response_class=RedirectResponse)
def cancel_patient(
    request: Request, me: Desk, matricule: Annotated[str, Path(pattern=r"^[0-9]{13}$")]
) -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        detail = me.desk.practice.cancel_patient(matricule)
    except FindingsError as error:
        refused(request, error, "cancellation", me)
        return redirect(f"/practice/patients/{matricule}")
    audit(request, me.user, "delete", f"patient {matricule}", detail)
    flash(request, _("Patient removed."), "ok")
    return redirect("/practice/patients")


# -- prescriptions ----------------------------------------------------------------------------------------------


@router.get("/prescriptions", response_class=HTMLResponse)
def prescriptions_page(
    request: Request,
    me: Desk,
    q: Annotated[str, Query(max_length=100)] = "",
    page_number: Annotated[int | None, Query(alias="page", ge=1, le=100_000)] = None,
) -> HTMLResponse:
    practice = me.desk.practice
    names = names_of(me)
    patients = {p.matricule: p for p in practice.patients()}
    prescriptions = [
        p
        for p in reversed(practice.prescriptions())
        if matches(q, p.matricule, names.patient(p.matricule), names.prescriber(p.prescriber_code), p.id)
    ]
    shown = paginate(prescriptions, page_number, "/practice/prescriptions", {"q": q})
    audit(request, me.user, "view", "practice prescriptions", f"{len(shown.items)} prescriptions shown")
    return page(
        request,
        "practice_prescriptions.html",
        me,
        "prescriptions",
        page=shown,
        q=q,
        patients=patients,
        names=names,
        **_reference_choices(me),
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
            prescribed_on=parse_day(prescribed_on, _("prescription date")),
            pathology_category=pathology_category,
            acts=[PrescribedAct(act_code=act_code.strip(), sessions=sessions)],
            performer_code=performer_code.strip(),
            place_category=place_category.strip(),
            scan=data,
            scan_name=scan.filename or "scan.pdf",
            accident_date=parse_day(accident_date, _("accident date")) if accident_date.strip() else None,
        )
        record = await run_in_threadpool(me.desk.practice.add_prescription, prescription)
    except FindingsError as error:
        refused(request, error, "prescription", me)
        keep_form(
            request,
            {
                "matricule": matricule, "prescriber_code": prescriber_code, "prescribed_on": prescribed_on,
                "pathology_category": pathology_category.value, "act_code": act_code, "sessions": sessions,
                "performer_code": performer_code, "place_category": place_category, "accident_date": accident_date,
            },
        )  # fmt: skip
    else:
        audit(request, me.user, "create", f"prescription {record.id} patient {record.matricule}")
        flash(
            request,
            _(
                "Prescription %(id)s recorded for %(matricule)s; it waits for a request.",
                id=record.id,
                matricule=record.matricule,
            ),
            "ok",
        )
        for warning in record.warnings:
            flash(
                request, _("Check before sending: %(warning)s", warning=f"[{warning.code}] {warning.message}"), "warn"
            )
    return redirect("/practice/prescriptions")


def _reference_choices(me: Acting) -> dict[str, Any]:
    practice = me.desk.practice
    reference = practice.reference.reference
    today = practice.today()
    return {
        "acts": [
            (r["act_code"], r["label"])
            for r in reference["nomenclature"].iter_rows(named=True)
            if r["valid_from"] <= today <= r["valid_to"]
        ],
        "places": [
            (r["place_code"], r["label"])
            for r in reference["places"].iter_rows(named=True)
            if r["valid_from"] <= today <= r["valid_to"]
        ],
        "prescribers": [
            (r["prescriber_code"], r["name"])
            for r in reference["prescribers"].iter_rows(named=True)
            if r["valid_to"] >= today
        ],
        "categories": list(PathologyCategory),
        "today": today,
    }


@router.get("/prescriptions/{prescription_id}", response_class=HTMLResponse)
def prescription_page(request: Request, me: Desk, prescription_id: Annotated[int, Path(ge=1)]) -> HTMLResponse:
    prescription = next((p for p in me.desk.practice.prescriptions() if p.id == prescription_id), None)
    if prescription is None:
        heading, message = _("Not found"), _("No such prescription.")
        return render(request, "error.html", me.user, heading=heading, message=message, status_code=404)
    audit(request, me.user, "view", f"prescription {prescription_id} patient {prescription.matricule}")
    return page(request, "practice_prescription.html", me, "prescriptions", p=prescription, **_reference_choices(me))


@router.post("/prescriptions/{prescription_id}", dependencies=[CsrfChecked], response_class=RedirectResponse)
def update_prescription(
    request: Request,
    me: Desk,
    prescription_id: Annotated[int, Path(ge=1)],
    prescriber_code: Annotated[str, Form(max_length=12)],
    prescribed_on: Annotated[str, Form(max_length=10)],
    pathology_category: Annotated[PathologyCategory, Form()],
    act_code: Annotated[str, Form(max_length=10)],
    sessions: Annotated[int, Form(ge=1, le=200)],
    performer_code: Annotated[str, Form(max_length=12)],
    place_category: Annotated[str, Form(max_length=4)],
) -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        changes = PrescriptionChanges(
            prescriber_code.strip(),
            parse_day(prescribed_on, _("prescription date")),
            pathology_category,
            act_code,
            sessions,
            performer_code.strip(),
            place_category,
        )
        detail = me.desk.practice.update_prescription(prescription_id, changes)
    except FindingsError as error:
        refused(request, error, "correction", me)
        return redirect(f"/practice/prescriptions/{prescription_id}")
    audit(request, me.user, "update", f"prescription {prescription_id}", detail)
    flash(request, _("Prescription corrected: %(detail)s", detail=detail), "ok")
    return redirect("/practice/prescriptions")


@router.post("/prescriptions/{prescription_id}/cancel", dependencies=[CsrfChecked], response_class=RedirectResponse)
def cancel_prescription(request: Request, me: Desk, prescription_id: Annotated[int, Path(ge=1)]) -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        detail = me.desk.practice.cancel_prescription(prescription_id)
    except FindingsError as error:
        refused(request, error, "cancellation", me)
        return redirect(f"/practice/prescriptions/{prescription_id}")
    audit(request, me.user, "delete", f"prescription {prescription_id}", detail)
    flash(request, _("Prescription cancelled: %(detail)s", detail=detail), "ok")
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
        refused(request, error, "request", me)
    else:
        audit(request, me.user, "build", f"DEMAUT {path.name}")
        flash(request, _("Request built: %(file)s. Send it to the fund when ready.", file=path.name), "ok")
    return redirect("/practice/requests")


@router.post("/outbox/send", dependencies=[CsrfChecked], response_class=RedirectResponse)
def send_file(
    request: Request,
    me: Desk,
    name: Annotated[str, Form(max_length=255)],
    back: Annotated[str, Form()] = "/practice",
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> RedirectResponse:
    back = back if back.startswith("/practice") else "/practice"
    if Right.SEND not in me.rights:  # a crafted send without the right: refused, and the attempt kept
        audit(request, me.user, "refused", f"send {name}", "no send right")
    me.require(Right.SEND)
    if confirmed != "yes":  # sending has legal effect: the user ticks "I confirm" first
        audit(request, me.user, "refused", f"send {name}", "not confirmed")
        flash(request, _("Not sent: tick “I confirm” next to the button to send %(file)s.", file=name), "error")
        return redirect(back)
    try:
        me.desk.send(name)
    except FindingsError as error:
        refused(request, error, "sending", me)
    except (OSError, asyncssh.Error) as error:
        flash(request, _("The mailbox could not be reached: %(error)s", error=str(error)), "error")
    else:
        audit(request, me.user, "send", f"{name} to mailbox {me.code}")
        flash(
            request,
            _("%(file)s sent through the SFTP mailbox; the fund's answer will wait in the mailbox.", file=name),
            "ok",
        )
    return redirect(back)


@router.post("/mailbox/receive", dependencies=[CsrfChecked], response_class=RedirectResponse)
def receive(request: Request, me: Desk, back: Annotated[str, Form()] = "/practice/returns") -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        results = me.desk.receive()
    except FindingsError as error:
        refused(request, error, "receiving", me)
    except (OSError, asyncssh.Error) as error:
        flash(request, _("The mailbox could not be reached: %(error)s", error=str(error)), "error")
    else:
        audit(request, me.user, "receive", f"mailbox {me.code}", f"{len(results)} files")
        if not results:
            flash(request, _("Nothing waiting in the mailbox."), "info")
        for result in results:
            flash(request, f"{result.name}: {_(result.status)}", "error" if result.status == "refused" else "ok")
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
        s
        for s in practice.sessions()
        if s.performed_on.year == first.year and s.performed_on.month == first.month and s.status != "cancelled"
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
        month_label=first,
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
        day = parse_day(performed_on, _("session date"))
        warnings = me.desk.practice.add_session(
            SessionInput(
                titre=titre.strip(),
                performed_on=day,
                act_code=act_code.strip() or None,
                performer_code=performer_code.strip() or None,
            )
        )
    except FindingsError as error:
        refused(request, error, "session", me)
        keep_form(
            request,
            {"titre": titre, "performed_on": performed_on, "act_code": act_code, "performer_code": performer_code},
        )
        return redirect("/practice/sessions")
    audit(request, me.user, "create", f"session titre {titre} on {day}")
    flash(request, _("Session of %(day)s recorded on titre %(titre)s.", day=format_day(day), titre=titre), "ok")
    for warning in warnings:
        flash(request, f"[{warning.code}] {warning.message}", "warn")
    return redirect(f"/practice/sessions?month={month_of(day)}")


@router.get("/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, me: Desk, session_id: Annotated[int, Path(ge=1)]) -> HTMLResponse:
    session = next((s for s in me.desk.practice.sessions() if s.id == session_id), None)
    if session is None:
        heading, message = _("Not found"), _("No such session.")
        return render(request, "error.html", me.user, heading=heading, message=message, status_code=404)
    contested = [c for c in me.desk.practice.contested_lines(session.matricule) if c.session_id == session_id]
    audit(request, me.user, "view", f"session {session_id} patient {session.matricule}")
    return page(
        request, "practice_session.html", me, "sessions", s=session, contested=contested, **_reference_choices(me)
    )


@router.post("/sessions/{session_id}", dependencies=[CsrfChecked], response_class=RedirectResponse)
def correct_session(
    request: Request,
    me: Desk,
    session_id: Annotated[int, Path(ge=1)],
    performed_on: Annotated[str, Form(max_length=10)],
    act_code: Annotated[str, Form(max_length=10)],
    performer_code: Annotated[str, Form(max_length=12)],
    place_category: Annotated[str, Form(max_length=4)],
) -> RedirectResponse:
    """Correct a session not billed yet, or one the fund refused: then it goes on the next FAC (correct and re-bill)."""
    me.require(Right.PREPARE)
    before = next((s for s in me.desk.practice.sessions() if s.id == session_id), None)
    try:
        day = parse_day(performed_on, _("session date"))
        warnings = me.desk.practice.correct_session(
            session_id,
            performer_code=performer_code.strip(),
            act_code=act_code.strip(),
            performed_on=day,
            place_category=place_category.strip(),
        )
    except FindingsError as error:
        refused(request, error, "correction", me)
        return redirect(f"/practice/sessions/{session_id}")
    after = next((s for s in me.desk.practice.sessions() if s.id == session_id), None)
    detail = "" if before is None or after is None else _session_changes(before, after)
    audit(request, me.user, "update", f"session {session_id}", detail)
    if after is not None and after.status == "to rebill":
        flash(request, _("Session corrected: it goes on the next monthly bill (FAC)."), "ok")
    else:
        flash(request, _("Session corrected."), "ok")
    for warning in warnings:
        flash(request, f"[{warning.code}] {warning.message}", "warn")
    return redirect(f"/practice/sessions?month={month_of(day)}")


def _session_changes(before: Any, after: Any) -> str:
    keys = ("performed_on", "act_code", "performer_code", "place_category", "status")
    changed = [
        f"{k}: {getattr(before, k)} → {getattr(after, k)}" for k in keys if getattr(before, k) != getattr(after, k)
    ]
    return "; ".join(changed) or "no change"


@router.post("/sessions/{session_id}/cancel", dependencies=[CsrfChecked], response_class=RedirectResponse)
def cancel_session(request: Request, me: Desk, session_id: Annotated[int, Path(ge=1)]) -> RedirectResponse:
    me.require(Right.PREPARE)
    try:
        detail = me.desk.practice.cancel_session(session_id)
    except FindingsError as error:
        refused(request, error, "cancellation", me)
        return redirect(f"/practice/sessions/{session_id}")
    audit(request, me.user, "delete", f"session {session_id}", detail)
    flash(request, _("Session cancelled: %(detail)s", detail=detail), "ok")
    return redirect("/practice/sessions")


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
        refused(request, error, "billing", me)
    else:
        audit(request, me.user, "build", f"FAC {path.name}", month)
        flash(
            request,
            _(
                "Monthly bill built for %(month)s: %(file)s. Send it to the fund when ready.",
                month=month,
                file=path.name,
            ),
            "ok",
        )
    return redirect("/practice/billing")


# -- returns and reconciliation ---------------------------------------------------------------------------------


@router.get("/returns", response_class=HTMLResponse)
def returns_page(
    request: Request, me: Desk, page_number: Annotated[int | None, Query(alias="page", ge=1, le=100_000)] = None
) -> HTMLResponse:
    received = me.desk.received()
    contested = me.desk.practice.contested_lines()
    shown = paginate(received, page_number, "/practice/returns", {}, size=20)
    audit(request, me.user, "view", "practice returns", f"{len(received)} files, {len(contested)} contested lines")
    return page(request, "practice_returns.html", me, "returns", page=shown, contested=contested, labels=OUTCOME_LABELS)


OUTCOME_LABELS = {
    "paid": N_("paid"),
    "reduced": N_("reduced"),
    "awaiting": N_("awaiting the fund"),
    "to_correct": N_("refused: correct and bill again"),
    "patient_pays": N_("refused: at the patient's cost"),
    "already_paid": N_("refused: already paid"),
}
IMPORT_LABELS = {
    "accords": N_("accords"),
    "refusals": N_("refusals"),
    "suspensions": N_("suspensions"),
    "titres": N_("titres"),
    "lines_paid": N_("lines paid"),
    "lines_reduced": N_("lines reduced"),
    "lines_refused": N_("lines refused"),
    "amount_asked": N_("amount asked"),
    "amount_covered": N_("amount covered"),
    "file": N_("file"),
    "payment_due_on": N_("payment due on"),
    "acknowledged_on": N_("acknowledged on"),
}
STATE_LABELS = {
    "to correct": N_("to correct"),
    "corrected": N_("corrected, goes on the next FAC"),
    "re-billed": N_("billed again"),
    "cancelled": N_("cancelled"),
    "final": N_("final"),
    "unbilled": N_("not billed yet"),
    "paid": N_("paid"),
    "reduced": N_("reduced"),
    "refused": N_("refused"),
    "billed": N_("billed, awaiting the fund"),
    "to rebill": N_("corrected, goes on the next FAC"),
    "imported": N_("imported"),
    "already imported": N_("already imported"),
    "returned untreated": N_("returned untreated"),
    "notice": N_("notice"),
}


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
    series = [Series(_(x.name), x.colour) for x in RECONCILIATION_SERIES]
    overview_chart = grouped_bars(_("Billed, covered and contested per month"), months, series, overview_values)
    selected = month if month in months else (months[-1] if months else None)
    result = practice.reconcile(selected) if selected else None
    month_chart = None
    if result is not None:
        names = [b.name or b.key for b in result.patients]
        month_chart = grouped_bars(
            _("%(month)s: per patient", month=selected),
            names,
            series,
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
        path = me.desk.practice.print_titre(identifier, request_locale(request))
    except FindingsError as error:
        refused(request, error, "printing", me)
        return redirect("/practice/documents")
    audit(request, me.user, "print", f"titre {identifier}")
    return FileResponse(path, media_type="application/pdf", filename=path.name, content_disposition_type="inline")


@router.get("/documents/memoire/{matricule}/{month}.pdf", response_model=None)
def memoire_pdf(request: Request, me: Desk, matricule: str, month: str) -> FileResponse | RedirectResponse:
    me.require(Right.PREPARE)  # printing a mémoire records the insured share as invoiced to the patient
    try:
        path = me.desk.practice.print_memoire(matricule, month, request_locale(request))
    except FindingsError as error:
        refused(request, error, "printing", me)
        return redirect("/practice/documents")
    audit(request, me.user, "print", f"mémoire patient {matricule} {month}")
    return FileResponse(path, media_type="application/pdf", filename=path.name, content_disposition_type="inline")
