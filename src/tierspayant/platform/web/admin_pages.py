"""The administrator's pages: the audit log (who accessed which personal data, when) and the accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from tierspayant.platform.accounts import Principal, Role
from tierspayant.platform.web.common import Forbidden, User, context_of, render
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
def accounts_page(request: Request, user: Admin) -> HTMLResponse:
    context = context_of(request)
    accounts = context.accounts.list_accounts()
    return render(request, "admin_accounts.html", user, section="accounts", accounts=accounts)
