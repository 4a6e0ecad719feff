"""The eDocuments portal's pages "my documents" (French, German, English): the patient sees their fee notes with
their statuses and claims reimbursement; the doctor (or an assistant) sees the statuses of what was sent under the
doctor's code and the invoices prepared on the doctor's behalf. Same vault, same rights, same audit as the API."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from tierspayant.schemes.lu_doctors.edocuments.model import Actor, Role
from tierspayant.schemes.lu_doctors.edocuments.texts import LANGUAGES, TEXTS
from tierspayant.schemes.lu_doctors.edocuments.vault import EDocumentsVault, VaultError

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
COOKIE = "edoc_token"
LANG_COOKIE = "edoc_lang"


def pages_router(vault: EDocumentsVault, tokens: Mapping[str, Actor], base: str = "") -> APIRouter:
    """The pages under ``{base}/my`` (``base`` is where the vault is mounted: empty on its own application)."""
    root = f"{base}/my"
    router = APIRouter(prefix=root, include_in_schema=False)

    def language(request: Request) -> str:
        wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "fr"
        return wanted if wanted in LANGUAGES else "fr"

    def show(request: Request, name: str, actor: Actor | None, status: int = 200, **values: object) -> HTMLResponse:
        lang = language(request)
        response = templates.TemplateResponse(
            request,
            name,
            {"t": TEXTS[lang], "lang": lang, "languages": LANGUAGES, "actor": actor, "root": root, **values},
            status_code=status,
        )
        response.set_cookie(LANG_COOKIE, lang, samesite="strict")
        return response

    def caller(request: Request) -> Actor | None:
        return tokens.get(request.cookies.get(COOKIE, ""))

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return show(request, "edoc_login.html", None)

    @router.post("/login", response_model=None)
    def login(request: Request, token: str = Form(...)) -> Response:
        if token not in tokens:
            return show(
                request, "edoc_login.html", None, 401, message=TEXTS[language(request)]["bad_token"], error=True
            )
        response = RedirectResponse(f"{root}/documents", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path=root)
        return response

    @router.post("/logout")
    def logout() -> RedirectResponse:
        response = RedirectResponse(f"{root}/login", status_code=303)
        response.delete_cookie(COOKIE, path=root)
        return response

    @router.get("/documents", response_model=None)
    def documents(request: Request) -> Response:
        actor = caller(request)
        if actor is None:
            return RedirectResponse(f"{root}/login", status_code=303)
        if actor.role is Role.FUND:
            return show(request, "edoc_login.html", None, 403, message="the fund works through the API", error=True)
        views = vault.documents(actor)
        on_behalf = None
        if actor.role is Role.DOCTOR:
            on_behalf = [v for v in views if v.prepared_by != actor.name or v.sent_by != actor.name]
        message = TEXTS[language(request)]["submitted_ok"] if request.query_params.get("submitted") else None
        return show(
            request,
            "edoc_documents.html",
            actor,
            documents=views,
            on_behalf=on_behalf,
            patient_view=actor.role is Role.PATIENT,
            message=message,
        )

    @router.post("/documents/{receipt}/submit", response_model=None)
    def submit(request: Request, receipt: str) -> Response:
        actor = caller(request)
        if actor is None:
            return RedirectResponse(f"{root}/login", status_code=303)
        try:
            vault.submit(actor, receipt, "page")
        except VaultError as error:
            finding = error.findings[0]
            message = f"{TEXTS[language(request)]['refused']}: [{finding.code}] {finding.message}"
            views = vault.documents(actor)
            return show(
                request,
                "edoc_documents.html",
                actor,
                error.status,
                documents=views,
                on_behalf=None,
                patient_view=actor.role is Role.PATIENT,
                message=message,
                error=True,
            )
        return RedirectResponse(f"{root}/documents?submitted=1", status_code=303)

    @router.get("/documents/{receipt}/pdf", response_model=None)
    def pdf(request: Request, receipt: str) -> Response:
        actor = caller(request)
        if actor is None:
            return RedirectResponse(f"{root}/login", status_code=303)
        try:
            content = vault.pdf(actor, receipt)
        except VaultError as error:
            return Response(error.findings[0].message, status_code=error.status)
        if content is None:
            return Response("no PDF", status_code=404)
        return Response(content, media_type="application/pdf")

    return router
