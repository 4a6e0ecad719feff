"""What every page shares: templates, the logged-in user from the session cookie, CSRF tokens, flash messages."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

from tierspayant.platform.accounts import Principal, Role
from tierspayant.platform.audit import Channel
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.web import i18n

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["Role"] = Role
i18n.install(templates.env)
_TEMPLATE_FOLDERS: list[Path] = [HERE / "templates"]


def add_template_folder(folder: Path) -> None:
    """A scheme's page templates, looked up after the platform's (which keep their names: base.html, macros.html)."""
    if folder in _TEMPLATE_FOLDERS:
        return
    _TEMPLATE_FOLDERS.append(folder)
    templates.env.loader = ChoiceLoader([FileSystemLoader(str(f)) for f in _TEMPLATE_FOLDERS])


class LoginRequired(Exception):
    """Raised by page dependencies; answered with a redirect to the login page."""


class Forbidden(Exception):
    """Raised when the logged-in user may not see a page; answered with a 403 page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def context_of(request: Request) -> PlatformContext:
    context: PlatformContext = request.app.state.context
    return context


def web_user(request: Request) -> Principal:
    username = request.session.get("user")
    principal = None if not isinstance(username, str) else context_of(request).accounts.principal(username)
    if principal is None:
        request.session.clear()
        raise LoginRequired()
    i18n.settle_for_scheme(request, principal.scheme, principal.language)
    return principal


User = Annotated[Principal, Depends(web_user)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Every form that changes something carries the session's CSRF token."""
    form = await request.form()
    sent = form.get("csrf")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not secrets.compare_digest(sent, expected):
        raise Forbidden(i18n.gettext("the form expired or did not come from this site; reload the page and try again"))


CsrfChecked = Depends(check_csrf)


def flash(request: Request, message: str, kind: str = "info", link: tuple[str, str] | None = None) -> None:
    """A message shown on the next page; ``link`` (url, text) adds a link after it (e.g. to the patient meant)."""
    messages = list(request.session.get("flash", []))
    entry = {"kind": kind, "text": message}
    if link is not None:
        entry["url"], entry["link"] = link
    messages.append(entry)
    request.session["flash"] = messages[-10:]


def render(
    request: Request, template: str, user: Principal | None = None, status_code: int = 200, **values: Any
) -> HTMLResponse:
    messages = request.session.pop("flash", []) if "session" in request.scope else []
    return templates.TemplateResponse(
        request,
        template,
        {"user": user, "csrf": csrf_token(request), "messages": messages, "status_code": status_code, **values},
        status_code=status_code,
    )


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def audit(request: Request, user: Principal, action: str, subject: str, detail: str = "") -> None:
    context_of(request).audit.record(user, Channel.WEB, action, subject, detail)
