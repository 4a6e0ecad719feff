"""The language switch of every page (``base.html``): kept on the account of a logged-in user (audited), and in the
session and a cookie for the anonymous pages (the login page keeps it after logging out)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from tierspayant.core.findings import FindingsError
from tierspayant.platform.web.auth_pages import _safe_next
from tierspayant.platform.web.common import CsrfChecked, audit, context_of, flash, redirect
from tierspayant.platform.web.i18n import gettext, remember_choice

router = APIRouter(include_in_schema=False)


@router.post("/language", dependencies=[CsrfChecked], response_class=RedirectResponse)
def choose_language(
    request: Request,
    language: Annotated[str, Form(max_length=5)],
    back: Annotated[str, Form(max_length=500)] = "/",
) -> RedirectResponse:
    response = redirect(_safe_next(back))
    username = request.session.get("user")
    context = context_of(request)
    user = context.accounts.principal(username) if isinstance(username, str) else None
    if user is not None and user.language != language:
        try:
            context.accounts.set_language(user.username, language)
        except FindingsError:
            audit(request, user, "language refused", f"account {user.username}", language[:5])
            flash(request, gettext("This language is not offered for your account."), "error")
            return response
        audit(request, user, "language", f"account {user.username}", f"{user.language or '-'} → {language}")
    remember_choice(request, response, language)
    return response
