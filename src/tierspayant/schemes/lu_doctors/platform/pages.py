"""The doctors' pages (devices, billing, the monthly statement, returns) and the CNS agent's register, in French,
German and English. A doctor acts for their own provider code: files go into their own mailbox and the answers are
fetched from its ``out/``. Incoming files, findings explained and payments are the platform's fund pages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from tierspayant.core.findings import Effect, FindingsError
from tierspayant.platform.accounts import Principal, Role
from tierspayant.platform.audit import Channel
from tierspayant.platform.sftp.mailbox import Area
from tierspayant.platform.web.common import CsrfChecked, Forbidden, User, context_of, flash, redirect, render
from tierspayant.schemes.lu_doctors.formats.messages import DeviceDetails, ValueItem
from tierspayant.schemes.lu_doctors.fund.service import DeviceFund
from tierspayant.schemes.lu_doctors.platform.labels import LANGUAGES, labels
from tierspayant.schemes.lu_doctors.practice.devices import DeviceDesk

router = APIRouter(prefix="/doctors", include_in_schema=False)
MAX_PDF_BYTES = 10 * 1024 * 1024


def _language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        request.session["lu_doctors_lang"] = asked
    chosen = request.session.get("lu_doctors_lang")
    return chosen if isinstance(chosen, str) and chosen in LANGUAGES else LANGUAGES[0]


def doctor(request: Request, user: User) -> tuple[Principal, DeviceDesk]:
    desk: DeviceDesk | None = getattr(request.app.state, "lu_doctors_desk", None)
    if desk is None:
        raise Forbidden("the doctors' scheme is not running on this platform")
    if user.role is not Role.PROVIDER or user.provider_code is None or desk.practice.doctor(user.provider_code) is None:
        raise Forbidden("these pages are for the doctors of this practice")
    return user, desk


Doctor = Annotated[tuple[Principal, DeviceDesk], Depends(doctor)]


def _page(request: Request, template: str, user: Principal, **values: Any) -> HTMLResponse:
    language = _language(request)
    return render(request, template, user, section="doctors", L=labels(language), lang=language, **values)


def _refused(request: Request, error: FindingsError, what: str) -> None:
    flash(request, f"{what}: " + " · ".join(f"[{f.code}] {f.message}" for f in error.findings), "error")


@router.get("/devices", response_class=HTMLResponse)
def devices_page(request: Request, me: Doctor) -> HTMLResponse:
    user, desk = me
    asked = request.query_params.get("year", "")
    year = int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2999 else date.today().year
    rows = []
    for device in desk.devices():
        view = desk.device_view(device.device_id, year) if device.device_id and device.full_code else None
        rows.append((device, view))
    return _page(request, "doctors_devices.html", user, rows=rows, claims=desk.claims(),
                 doctors=desk.practice.doctors(), year=year)  # fmt: skip


@router.post("/devices/declare", dependencies=[CsrfChecked])
async def declare(
    request: Request,
    me: Doctor,
    kind: Annotated[str, Form()],
    discipline: Annotated[str, Form()],
    brand: Annotated[str, Form()],
    model: Annotated[str, Form()],
    serial: Annotated[str, Form()],
    in_service: Annotated[date, Form()],
    device_value: Annotated[Decimal, Form()],
    invoice: Annotated[UploadFile, File()],
    delivery: Annotated[UploadFile, File()],
    probes: Annotated[str, Form()] = "",
    users: Annotated[str, Form()] = "",
) -> RedirectResponse:
    user, desk = me
    code = str(user.provider_code)
    values = [ValueItem("appareil", f"{brand} {model}", device_value)] + [
        ValueItem("sonde", f"Sonde {n}", Decimal(p.strip())) for n, p in enumerate(probes.split(";"), 1) if p.strip()
    ]
    device = DeviceDetails(
        nature="nouveau", kind_code=kind, discipline_code=discipline, brand=brand, model=model, serial_number=serial,
        address="Cabinet", in_hospital=False, in_service_on=in_service, acquisition="achat", values=tuple(values),
        users=tuple(u.strip() for u in users.split(",") if u.strip()),
    )  # fmt: skip
    documents = {
        "facture_acquittee": (_pdf_name(invoice.filename, "facture.pdf"), await invoice.read(MAX_PDF_BYTES)),
        "bon_livraison": (_pdf_name(delivery.filename, "livraison.pdf"), await delivery.read(MAX_PDF_BYTES)),
    }
    reference = f"D{date.today():%y%m%d}{len(desk.devices()) + 1:03d}"
    try:
        out = desk.declare_device(code, reference, date.today(), device, documents)
    except FindingsError as error:
        _refused(request, error, "declaration refused before sending")
        return redirect("/doctors/devices")
    context_of(request).deposit_bytes(user, code, out.name, out.data, Channel.WEB)
    flash(request, f"sent {out.name}")
    return redirect("/doctors/devices")


def _pdf_name(given: str | None, default: str) -> str:
    name = (given or default).rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    safe = "".join(c for c in name if c.isalnum() or c in "._-")[:90]
    return safe if safe and safe[0].isalnum() else default


@router.post("/answers", dependencies=[CsrfChecked])
def fetch_answers(request: Request, me: Doctor) -> RedirectResponse:
    """Import the RETDECL and RETFORF waiting in the doctor's mailbox ``out/`` (importing twice changes nothing)."""
    user, desk = me
    mailbox = context_of(request).open_mailbox(str(user.provider_code))
    said: list[str] = []
    for entry in mailbox.list(Area.OUT):
        with mailbox.open_read(Area.OUT, entry.name) as handle:
            data = handle.read()
        try:
            if "_RETDECL_" in entry.name:
                said += desk.import_register_answer(data, entry.name)
            elif "_RETFORF_" in entry.name:
                covered, refused = desk.import_return(data, entry.name)
                said.append(f"{entry.name}: covered {covered}, {refused} line(s) refused")
            elif entry.name.endswith(".deposit.json"):
                said.append(f"{entry.name}: a deposit was refused by the platform")
        except FindingsError as error:
            _refused(request, error, entry.name)
    flash(request, " · ".join(dict.fromkeys(s for s in said if s != "already imported")) or "no new answer")
    return redirect("/doctors/devices")


@router.post("/bill", dependencies=[CsrfChecked])
def bill(
    request: Request,
    me: Doctor,
    mode: Annotated[str, Form()],
    matricule: Annotated[str, Form()],
    day: Annotated[date, Form()],
    technical_act: Annotated[str, Form()],
    device_id: Annotated[str, Form()],
) -> RedirectResponse:
    """PID: one fee note with the act and its flat rate; third party: the patient's note and the CNS's invoice."""
    user, desk = me
    code = str(user.provider_code)
    stamp = f"{day:%y%m%d}-{len(desk.claims()) + 1:04d}"
    try:
        if mode == "pid":
            note, warnings = desk.pid_note(f"P{code[-3:]}-{stamp}", code, matricule, day, technical_act, device_id)
            patient_note = None
        else:
            patient_note, note, warnings = desk.third_party_notes(
                f"N{code[-3:]}-{stamp}", f"T{code[-3:]}-{stamp}", code, matricule, day, technical_act, device_id
            )
    except FindingsError as error:
        _refused(request, error, "not billed")
        return redirect("/doctors/devices")
    blocking = [w for w in warnings if w.effect is not Effect.INFORM]
    if blocking:
        _refused(request, FindingsError(blocking), "not billed")
        return redirect("/doctors/devices")
    desk.save_flat_rate(note, patient_note)
    if patient_note is not None:
        request.app.state.lu_doctors_patient_note(patient_note)
    codes = ", ".join(a.act_code for a in note.acts)
    shown = " · ".join(f"[{w.code}] {w.message}" for w in warnings)
    flash(request, f"fee note {note.fee_note_id}: {codes} ({note.total} EUR)" + (f" — {shown}" if shown else ""))
    return redirect("/doctors/devices")


@router.post("/statement", dependencies=[CsrfChecked])
def statement(request: Request, me: Doctor, month: Annotated[str, Form()]) -> RedirectResponse:
    """The month's flat rates of this doctor in one FACFORF with its statement, deposited in the mailbox."""
    user, desk = me
    code = str(user.provider_code)
    try:
        out = desk.monthly_file(code, month, f"M{month.replace('-', '')}-{len(desk.claims())}", date.today(), {code})
    except FindingsError as error:
        _refused(request, error, "no statement")
        return redirect("/doctors/devices")
    context_of(request).deposit_bytes(user, code, out.name, out.data, Channel.WEB)
    flash(request, f"sent {out.name}")
    return redirect("/doctors/devices")


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request, user: User) -> HTMLResponse:
    """The CNS agent's register: every device, its class and codes, and what it has used this year."""
    fund: DeviceFund | None = getattr(request.app.state, "lu_doctors_fund", None)
    if fund is None or user.role is not Role.FUND_AGENT or user.scheme not in (None, "lu_doctors"):
        raise Forbidden("the device register is for the CNS's agents")
    asked = request.query_params.get("year", "")
    year = int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2999 else date.today().year
    rows = [(d, fund.device_users(d.device_id), fund.usage(d.device_id, year)) for d in fund.devices()]
    return _page(request, "doctors_register.html", user, rows=rows, year=year)
