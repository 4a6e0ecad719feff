"""Logging in and out, and the home page that sends each role to its pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tierspayant.platform.accounts import Role
from tierspayant.platform.audit import Channel
from tierspayant.platform.throttle import Throttled
from tierspayant.platform.web.common import CsrfChecked, User, context_of, redirect, render
from tierspayant.platform.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

HOMES = {
    Role.PROVIDER: "/practice",
    Role.ASSISTANT: "/practice",
    Role.FUND_AGENT: "/fund",
    Role.ADMINISTRATOR: "/admin/audit",
}


@router.get("/", response_class=RedirectResponse)
def home(user: User) -> RedirectResponse:
    return redirect(HOMES[user.role])


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next))


@router.post("/login", dependencies=[CsrfChecked], response_model=None)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> HTMLResponse | RedirectResponse:
    context = context_of(request)
    address = request.client.host if request.client else None
    try:
        principal = context.login(username, password, address, Channel.WEB)
    except Throttled as throttled:
        response = render(
            request,
            "login.html",
            next=_safe_next(next),
            error=f"Too many failed logins: try again in {throttled.retry_after} seconds.",
            status_code=429,
        )
        response.headers["Retry-After"] = str(throttled.retry_after)
        return response
    if principal is None:
        return render(
            request, "login.html", next=_safe_next(next), error=_("Wrong username or password."), status_code=401
        )
    request.session.clear()  # a new session at login: no fixation
    request.session["user"] = principal.username
    context.audit.record(principal, Channel.WEB, "login", "web")
    target = _safe_next(next)
    return redirect(target if target != "/" else HOMES[principal.role])


@router.post("/logout", dependencies=[CsrfChecked], response_class=RedirectResponse)
def logout(request: Request, user: User) -> RedirectResponse:
    request.session.clear()
    return redirect("/login")


def _safe_next(target: str) -> str:
    """Only local paths: a login link cannot send the user to another site."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"
