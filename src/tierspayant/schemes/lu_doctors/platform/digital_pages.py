"""The doctor's digital fee notes on the platform (French, German, English): each fee note's eDocuments status
(read from the vault, which audits the access), QR code, PID outcome or fallback, who prepared it; the
reconciliation per month with its chart and the CSV export for accounting software. A doctor sees their own code;
an assistant the codes delegated to them with the ``read`` right."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from tierspayant.platform.accounts import Principal, Right, Role
from tierspayant.platform.web.common import Forbidden, User, audit, render
from tierspayant.schemes.lu_doctors.edocuments.model import Actor
from tierspayant.schemes.lu_doctors.edocuments.model import Role as VaultRole
from tierspayant.schemes.lu_doctors.edocuments.vault import EDocumentsVault
from tierspayant.schemes.lu_doctors.practice.digital_reconciliation import by_month, month_chart_svg, reconcile, to_csv
from tierspayant.schemes.lu_doctors.practice.service import DoctorsPractice
from tierspayant.schemes.lu_doctors.store.practice.digital_models import DigitalFeeNote

router = APIRouter(prefix="/doctors/digital", include_in_schema=False)
LANGUAGES = ("fr", "de", "en")
LABELS = {
    "fr": {"title": "Mémoires d'honoraires digitaux", "fee_note": "Mémoire", "status": "Statut eDocuments",
           "qr": "QR", "pid": "PID", "prepared_by": "Préparé par", "version": "Version", "month": "Mois",
           "invoiced": "Facturé", "from_fund": "Reçu de la caisse", "from_patients": "Reçu des patients",
           "due": "Dû par les patients", "csv": "Exporter (CSV)", "none": "Aucun mémoire.",
           "portal": "Portail eDocuments", "reconciliation": "Rapprochement"},
    "de": {"title": "Digitale Honorarnoten", "fee_note": "Honorarnote", "status": "Status eDocuments",
           "qr": "QR", "pid": "PID", "prepared_by": "Erstellt von", "version": "Version", "month": "Monat",
           "invoiced": "Berechnet", "from_fund": "Von der Kasse erhalten", "from_patients": "Von Patienten erhalten",
           "due": "Von Patienten geschuldet", "csv": "Exportieren (CSV)", "none": "Keine Honorarnoten.",
           "portal": "eDocuments-Portal", "reconciliation": "Abgleich"},
    "en": {"title": "Digital fee notes", "fee_note": "Fee note", "status": "eDocuments status",
           "qr": "QR", "pid": "PID", "prepared_by": "Prepared by", "version": "Version", "month": "Month",
           "invoiced": "Invoiced", "from_fund": "Received from the fund", "from_patients": "Received from patients",
           "due": "Due from patients", "csv": "Export (CSV)", "none": "No fee notes.", "portal": "eDocuments portal",
           "reconciliation": "Reconciliation"},
}  # fmt: skip


def _language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        request.session["lu_doctors_lang"] = asked
    chosen = request.session.get("lu_doctors_lang")
    return chosen if isinstance(chosen, str) and chosen in LANGUAGES else LANGUAGES[0]


def acting(request: Request, user: User) -> tuple[Principal, str, DoctorsPractice, EDocumentsVault]:
    desk = getattr(request.app.state, "lu_doctors_desk", None)
    vault = getattr(request.app.state, "lu_doctors_edocuments", None)
    if desk is None or vault is None:
        raise Forbidden("the doctors' digital fee notes are not running on this platform")
    code = user.provider_code if user.role is Role.PROVIDER else next(iter(user.providers_with(Right.READ)), None)
    if code is None or not user.may(Right.READ, code) or desk.practice.doctor(code) is None:
        raise Forbidden("these pages are for the doctors of this practice and their assistants")
    return user, code, desk.practice, vault


Acting = Annotated[tuple[Principal, str, DoctorsPractice, EDocumentsVault], Depends(acting)]


def _vault_actor(user: Principal, code: str) -> Actor:
    role = VaultRole.DOCTOR if user.role is Role.PROVIDER else VaultRole.ASSISTANT
    return Actor(role, user.username, code)


@router.get("", response_class=HTMLResponse)
def digital_page(request: Request, me: Acting) -> HTMLResponse:
    user, code, practice, vault = me
    language = _language(request)
    views = {v.fee_note_number: v for v in vault.documents(_vault_actor(user, code)) if v.status.value != "replaced"}
    with practice.sessions() as session:
        query = select(DigitalFeeNote).where(DigitalFeeNote.doctor_code == code).order_by(DigitalFeeNote.fee_note_id)
        rows = list(session.scalars(query))
    months = by_month(reconcile(practice, code))
    audit(request, user, "read", f"digital fee notes of {code}")
    return render(
        request, "doctors_digital.html", user, section="doctors", L=LABELS[language], lang=language,
        rows=[(row, views.get(row.fee_note_id)) for row in rows], months=months,
        chart=Markup(month_chart_svg(months)),
    )  # fmt: skip


@router.get("/reconciliation.csv")
def reconciliation_csv(request: Request, me: Acting) -> Response:
    user, code, practice, _vault = me
    audit(request, user, "export", f"reconciliation of {code}")
    headers = {"Content-Disposition": f'attachment; filename="reconciliation-{code}.csv"'}
    return Response(to_csv(reconcile(practice, code)), media_type="text/csv", headers=headers)
