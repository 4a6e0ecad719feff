"""The language switch of every page (``base.html``): the choice is the user's, kept across sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from tierspayant.platform.web.auth_pages import _safe_next
from tierspayant.platform.web.common import CsrfChecked, redirect
from tierspayant.platform.web.i18n import remember_choice

router = APIRouter(include_in_schema=False)


@router.post("/language", dependencies=[CsrfChecked], response_class=RedirectResponse)
def choose_language(
    request: Request,
    language: Annotated[str, Form(max_length=5)],
    back: Annotated[str, Form(max_length=500)] = "/",
) -> RedirectResponse:
    response = redirect(_safe_next(back))
    remember_choice(request, response, language)
    return response
