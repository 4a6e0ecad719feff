"""The administrator's pages: the audit log (who accessed which personal data, when) and the accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tierspayant.core.findings import FindingsError
from tierspayant.platform.accounts import Principal, Right, Role
from tierspayant.platform.schemes import account_kinds
from tierspayant.platform.web.common import CsrfChecked, Forbidden, User, audit, context_of, flash, redirect, render
from tierspayant.platform.web.i18n import gettext as _
from tierspayant.platform.web.paging import matches, paginate

router = APIRouter(prefix="/admin", include_in_schema=False)


def administrator(user: User) -> Principal:
    if user.role is not Role.ADMINISTRATOR:
        raise Forbidden(_("the audit log and the accounts are for administrators"))
    return user


Admin = Annotated[Principal, Depends(administrator)]
AUDIT_WINDOW = 20_000  # the newest events searched and paged through; older ones with `tierspayant platform audit`


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: Admin,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> HTMLResponse:
    entries = context_of(request).audit.entries(
        limit=AUDIT_WINDOW, actor=actor or None, subject_contains=subject or None
    )
    if action:
        entries = [e for e in entries if matches(action, e.action)]
    shown = paginate(
        entries, page, "/admin/audit", {"actor": actor or "", "subject": subject or "", "action": action or ""}
    )
    return render(
        request,
        "admin_audit.html",
        user,
        section="audit",
        page=shown,
        actor=actor or "",
        subject=subject or "",
        action=action or "",
    )


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    user: Admin,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> HTMLResponse:
    context = context_of(request)
    accounts = [
        (p, active)
        for p, active in context.accounts.list_accounts()
        if matches(q, p.username, p.display_name, p.provider_code, p.kind)
    ]
    shown = paginate(accounts, page, "/admin/accounts", {"q": q})
    kinds = sorted(account_kinds().items())
    assistants = [p.username for p, active in context.accounts.list_accounts() if active and p.role is Role.ASSISTANT]
    return render(
        request,
        "admin_accounts.html",
        user,
        section="accounts",
        page=shown,
        q=q,
        roles=list(Role),
        kinds=kinds,
        rights=list(Right),
        assistants=assistants,
        form=request.session.pop("form", {}),
    )


def _done(request: Request, user: Principal, action: str, subject: str, detail: str, message: str) -> RedirectResponse:
    audit(request, user, action, subject, detail)
    flash(request, message, "ok")
    return redirect("/admin/accounts")


def _refused(request: Request, user: Principal, subject: str, error: FindingsError) -> RedirectResponse:
    reasons = " · ".join(f.message for f in error.findings)
    audit(request, user, "refused", subject, reasons)
    flash(request, _("Not done: %(reasons)s", reasons=reasons), "error")
    return redirect("/admin/accounts")


@router.post("/accounts", dependencies=[CsrfChecked], response_class=RedirectResponse)
def create_account(
    request: Request,
    user: Admin,
    username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=200)],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form(max_length=1024)],
    provider_code: Annotated[str, Form(max_length=11)] = "",
    kind: Annotated[str, Form(max_length=60)] = "",
) -> RedirectResponse:
    """A new account (a provider gets its mailbox too); the password is given to the person by another channel."""
    context = context_of(request)
    username = username.strip()
    try:
        if role is Role.PROVIDER:
            context.create_provider(username, password, display_name.strip(), provider_code.strip())
        else:
            context.accounts.create_account(
                username, password, role, display_name.strip(), provider_code.strip() or None
            )
        if kind:
            context.accounts.set_kind(username, kind)
    except FindingsError as error:
        request.session["form"] = {"username": username, "display_name": display_name, "role": role.value,
                                   "provider_code": provider_code, "kind": kind}  # fmt: skip
        return _refused(request, user, f"account {username}", error)
    detail = (
        f"role {role.value}" + (f", provider {provider_code}" if provider_code else "") + (f", {kind}" if kind else "")
    )
    return _done(request, user, "create", f"account {username}", detail, _("Account %(name)s created.", name=username))


@router.post("/accounts/{username}/deactivate", dependencies=[CsrfChecked], response_class=RedirectResponse)
def deactivate_account(request: Request, user: Admin, username: str) -> RedirectResponse:
    if username == user.username:
        flash(request, _("You cannot deactivate your own account."), "error")
        return redirect("/admin/accounts")
    try:
        context_of(request).accounts.deactivate(username)
    except FindingsError as error:
        return _refused(request, user, f"account {username}", error)
    return _done(
        request, user, "deactivate", f"account {username}", "", _("Account %(name)s deactivated.", name=username)
    )


@router.post("/delegations", dependencies=[CsrfChecked], response_class=RedirectResponse)
def delegate(
    request: Request,
    user: Admin,
    assistant: Annotated[str, Form(max_length=64)],
    provider_code: Annotated[str, Form(max_length=11)],
    rights: Annotated[list[Right] | None, Form()] = None,
) -> RedirectResponse:
    """Give, change or (no right ticked) remove an assistant's rights on a provider's data."""
    chosen = set(rights or [])
    try:
        context_of(request).accounts.delegate(assistant, provider_code.strip(), chosen)
    except FindingsError as error:
        return _refused(request, user, f"delegation {assistant} {provider_code}", error)
    held = ", ".join(sorted(r.value for r in chosen)) or "none"
    message = _("Delegation of %(code)s to %(name)s: %(rights)s.", code=provider_code, name=assistant, rights=held)
    return _done(request, user, "delegate", f"delegation {assistant} {provider_code}", held, message)
