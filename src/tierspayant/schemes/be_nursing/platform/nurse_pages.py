"""The nurse's (nursing group's) pages, in French and Dutch: patients and their insurability (801000 → 801900),
visits per day in a calendar (record, correct, cancel — each change audited), the monthly sending built and sent to
the mailbox after a confirmation, the answers collected and shown per line, the queue of what to correct, and the
reconciliation per month and per patient with a chart and CSV."""

from __future__ import annotations

import calendar
import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tierspayant.core.findings import FindingsError
from tierspayant.platform.accounts import Principal, Right, Role
from tierspayant.platform.web.charts import Series, grouped_bars
from tierspayant.platform.web.common import CsrfChecked, Forbidden, User, audit, flash, redirect, render
from tierspayant.platform.web.i18n import N_
from tierspayant.platform.web.i18n import gettext as _
from tierspayant.schemes.be_nursing.nurse.visits import Visit, VisitBook
from tierspayant.schemes.be_nursing.platform.nurse_desk import NurseDesk

router = APIRouter(prefix="/nurse", include_in_schema=False)
SERIES = [
    Series(N_("billed"), "var(--billed)"),
    Series(N_("accepted"), "var(--covered)"),
    Series(N_("rejected"), "var(--contested)"),
    Series(N_("paid"), "var(--awaiting)"),
]


def nurse_desk(request: Request, user: User) -> tuple[Principal, NurseDesk]:
    desk: NurseDesk | None = getattr(request.app.state, "nurse_desk", None)
    if desk is None:
        raise Forbidden("no nursing group is configured on this platform")
    if user.role not in (Role.PROVIDER, Role.ASSISTANT) or not user.may(Right.READ, desk.code):
        raise Forbidden("the nurse pages are for the nursing group's accounts")
    return user, desk


Nurse = Annotated[tuple[Principal, NurseDesk], Depends(nurse_desk)]


def _page(request: Request, template: str, me: Nurse, section: str, **values: Any) -> HTMLResponse:
    return render(request, template, me[0], section=section, group=me[1].group, **values)


def _refused(request: Request, error: Exception) -> None:
    if isinstance(error, FindingsError):
        text = " · ".join(f"[{f.code}] {f.message}" for f in error.findings)
    elif isinstance(error, ValidationError):
        text = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
    else:
        text = str(error)
    flash(request, _("Refused: ") + text, "error")


# -- patients and insurability -------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def patients_page(request: Request, me: Nurse) -> HTMLResponse:
    desk = me[1]
    return _page(request, "nurse_patients.html", me, "nurse", patients=desk.ledger.patients(),
                 received=desk.received()[:20], today=date.today())


@router.post("/insurability", dependencies=[CsrfChecked])
def consult(request: Request, me: Nurse, niss: Annotated[str, Form()],
            day: Annotated[date, Form()]) -> RedirectResponse:
    user, desk = me
    try:
        path = desk.consult_insurability(user, niss, day, date.today())
    except (FindingsError, ValueError) as error:
        _refused(request, error)
        return redirect("/nurse")
    audit(request, user, "insurability_consultation", f"patient {niss}", path.name)
    flash(request, _("Insurability consultation sent (801000): %(name)s") % {"name": path.name})
    return redirect("/nurse")


@router.post("/collect", dependencies=[CsrfChecked])
def collect(request: Request, me: Nurse) -> RedirectResponse:
    user, desk = me
    received = desk.collect()
    audit(request, user, "collect", f"mailbox {desk.code}", ", ".join(r.name for r in received))
    flash(request, _("%(count)d answer(s) collected from the mailbox") % {"count": len(received)})
    return redirect(request.headers.get("referer") or "/nurse")


# -- visits in a calendar --------------------------------------------------------------------------------------------


def _month(text: str | None, default: date) -> tuple[int, int]:
    if text and len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        year, month = int(text[:4]), int(text[5:])
        if 1 <= month <= 12:
            return year, month
    return default.year, default.month


@router.get("/visits", response_class=HTMLResponse)
def visits_page(request: Request, me: Nurse, month: Annotated[str | None, Query()] = None) -> HTMLResponse:
    desk = me[1]
    rows = desk.ledger.visit_rows()
    latest = max((r["date"] for r in rows), default=date.today())
    year, number = _month(month, latest)
    first, last = date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])
    in_month = [r for r in rows if first <= r["date"] <= last]
    by_day: dict[date, list[dict[str, Any]]] = {}
    for row in in_month:
        by_day.setdefault(row["date"], []).append(row)
    weeks = calendar.Calendar().monthdatescalendar(year, number)
    return _page(request, "nurse_visits.html", me, "visits", weeks=weeks, by_day=by_day, month=f"{year}-{number:02d}",
                 current=number, patients=desk.ledger.patients())


def _visit_form(niss: str, day: date, time: str, nurse: str, code: int, amount: str) -> dict[str, Any]:
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise ValueError(f"amount {amount!r} is not a number") from None
    return {"patient": niss, "date": day, "time": time, "nurse": nurse, "code": code, "amount": value,
            "eid_read_at": datetime.combine(day, datetime.min.time()).replace(
                hour=int(time[:2]) if time[:2].isdigit() else 8, minute=int(time[3:5]) if time[3:5].isdigit() else 0)}


@router.post("/visits", dependencies=[CsrfChecked])
def record_visit(request: Request, me: Nurse, niss: Annotated[str, Form()], day: Annotated[date, Form()],
                 time: Annotated[str, Form()], nurse: Annotated[str, Form()], code: Annotated[int, Form()],
                 amount: Annotated[str, Form()]) -> RedirectResponse:
    user, desk = me
    try:
        visit = Visit.model_validate(_visit_form(niss, day, time, nurse, code, amount))
        patients = [p for p in desk.ledger.patients() if p.niss == niss]
        if not patients:
            raise ValueError(f"no patient {niss}")
        (reference,) = desk.ledger.record_book(VisitBook(group=desk.group, patients=patients, visits=[visit]))
    except (ValueError, ValidationError) as error:
        _refused(request, error)
        return redirect(f"/nurse/visits?month={day:%Y-%m}")
    audit(request, user, "visit_recorded", f"visit {reference}", f"{niss} {day} {code} {amount}")
    flash(request, _("Visit %(reference)s recorded") % {"reference": reference})
    return redirect(f"/nurse/visits?month={day:%Y-%m}")


@router.post("/visits/{reference}/correct", dependencies=[CsrfChecked])
def correct_visit(request: Request, me: Nurse, reference: str, code: Annotated[int, Form()],
                  day: Annotated[date | None, Form()] = None) -> RedirectResponse:
    user, desk = me
    changes: dict[str, Any] = {"code": code}
    if day is not None:
        changes["date"] = day
    try:
        desk.ledger.edit(reference, **changes)
    except (KeyError, ValueError) as error:
        _refused(request, error)
        return redirect(request.headers.get("referer") or "/nurse/corrections")
    audit(request, user, "visit_corrected", f"visit {reference}", ", ".join(f"{k}={v}" for k, v in changes.items()))
    flash(request, _("Visit %(reference)s corrected: it goes into the next sending") % {"reference": reference})
    return redirect(request.headers.get("referer") or "/nurse/corrections")


@router.post("/visits/{reference}/cancel", dependencies=[CsrfChecked])
def cancel_visit(request: Request, me: Nurse, reference: str) -> RedirectResponse:
    user, desk = me
    try:
        desk.ledger.cancel(reference)
    except (KeyError, ValueError) as error:
        _refused(request, error)
        return redirect(request.headers.get("referer") or "/nurse/visits")
    audit(request, user, "visit_cancelled", f"visit {reference}")
    flash(request, _("Visit %(reference)s cancelled") % {"reference": reference})
    return redirect(request.headers.get("referer") or "/nurse/visits")


# -- the monthly sending -----------------------------------------------------------------------------------------------


@router.get("/sending", response_class=HTMLResponse)
def sending_page(request: Request, me: Nurse, period: Annotated[str | None, Query()] = None) -> HTMLResponse:
    desk = me[1]
    pending = [r for r in desk.ledger.visit_rows() if r["status"] == "pending"]
    default = max((r["date"] for r in pending), default=date.today())
    chosen = period if period and period.isdigit() and len(period) == 6 else f"{default:%Y%m}"
    resendable = [s for s in desk.ledger.sending_rows() if s.status in ("rejected", "refused")]
    return _page(request, "nurse_sending.html", me, "sending", pending=pending, period=chosen,
                 total=sum((r["amount"] for r in pending), Decimal("0.00")), sendings=desk.ledger.sending_rows(),
                 resendable=resendable)


@router.post("/sending", dependencies=[CsrfChecked])
def send(request: Request, me: Nurse, period: Annotated[int, Form()], confirm: Annotated[str, Form()] = "",
         resend: Annotated[str, Form()] = "") -> RedirectResponse:
    user, desk = me
    if confirm != "yes":
        flash(request, _("Tick the confirmation to send the sending"), "error")
        return redirect("/nurse/sending")
    number = int(resend) if resend.isdigit() else None
    try:
        path = desk.send_sending(user, period, date.today(), resend=number)
    except (FindingsError, ValueError) as error:
        _refused(request, error)
        return redirect("/nurse/sending")
    audit(request, user, "sending_sent", f"sending {path.name}", f"period {period}")
    flash(request, _("Sending %(name)s deposited in the mailbox") % {"name": path.name})
    return redirect("/nurse/replies")


# -- replies per line, the queue of corrections ---------------------------------------------------------------------


@router.get("/replies", response_class=HTMLResponse)
def replies_page(request: Request, me: Nurse, sending: Annotated[int | None, Query()] = None) -> HTMLResponse:
    desk = me[1]
    sendings = desk.ledger.sending_rows()
    chosen = sending if sending is not None else (sendings[-1].sending_number if sendings else None)
    lines = [r for r in desk.ledger.visit_rows() if chosen is not None and r["sending_number"] == chosen]
    return _page(request, "nurse_replies.html", me, "replies", sendings=sendings, chosen=chosen, lines=lines,
                 received=desk.received())


@router.get("/corrections", response_class=HTMLResponse)
def corrections_page(request: Request, me: Nurse) -> HTMLResponse:
    desk = me[1]
    rows = desk.ledger.visit_rows()
    to_correct = [r for r in rows if r["status"] == "rejected"]
    coming_back = [r for r in rows if r["status"] == "pending" and r["propagated"]]
    to_resend = [s for s in desk.ledger.sending_rows() if s.status in ("rejected", "refused")]
    return _page(request, "nurse_corrections.html", me, "corrections", to_correct=to_correct,
                 coming_back=coming_back, to_resend=to_resend)


# -- reconciliation ---------------------------------------------------------------------------------------------------


@router.get("/reconciliation", response_class=HTMLResponse)
def reconciliation_page(request: Request, me: Nurse) -> HTMLResponse:
    months, patients = me[1].ledger.reconciliation(date.today())
    chart = grouped_bars(_("Billed, accepted, rejected and paid per month"), [m["key"] for m in months],
                         [Series(_(s.name), s.colour) for s in SERIES],
                         [[m["billed"], m["accepted"], m["rejected"], m["paid"]] for m in months])
    return _page(request, "nurse_reconciliation.html", me, "reconciliation", months=months, patients=patients,
                 chart=chart)


@router.get("/reconciliation.csv")
def reconciliation_csv(me: Nurse) -> Response:
    months, patients = me[1].ledger.reconciliation(date.today())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["scope", "key", "billed", "accepted", "rejected", "paid"])
    for scope, rows in (("month", months), ("patient", patients)):
        for row in rows:
            writer.writerow([scope, row["key"], row["billed"], row["accepted"], row["rejected"], row["paid"]])
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="reconciliation.csv"'})
