"""The fund agent's pages: incoming files and their state, findings with explanations, payments due by date."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from tierspayant.platform.accounts import Principal, Role
from tierspayant.platform.api.deps import DepositId
from tierspayant.platform.deposits import DepositStatus
from tierspayant.platform.fundview import FundView, handles, payments_for
from tierspayant.platform.web.charts import Series, grouped_bars
from tierspayant.platform.web.common import Forbidden, User, audit, context_of, render
from tierspayant.platform.web.i18n import gettext as _
from tierspayant.platform.worker import archive_path

router = APIRouter(prefix="/fund", include_in_schema=False)


def fund_agent(user: User) -> Principal:
    if user.role is not Role.FUND_AGENT:
        raise Forbidden(_("these pages are for the fund's agents"))
    return user


Agent = Annotated[Principal, Depends(fund_agent)]


@router.get("", response_class=HTMLResponse)
def intake_page(request: Request, user: Agent, status: Annotated[DepositStatus | None, Query()] = None) -> HTMLResponse:
    context = context_of(request)
    fund = request.app.state.fund
    deposits = [d for d in context.deposits.list(None, status, limit=200) if handles(fund, d.name, user)]
    audit(request, user, "view", f"fund intake {status.value if status else 'all'}", f"{len(deposits)} deposits")
    return render(
        request,
        "fund_intake.html",
        user,
        section="intake",
        deposits=deposits,
        counts=context.deposits.counts_by_status(),
        status=status.value if status else "",
        statuses=list(DepositStatus),
    )


@router.get("/deposits/{deposit_id}", response_class=HTMLResponse)
def deposit_page(request: Request, deposit_id: DepositId, user: Agent) -> HTMLResponse:
    context = context_of(request)
    deposit = context.deposits.get(deposit_id)
    if deposit is None:
        return render(
            request, "error.html", user, heading=_("Not found"), message=_("No such deposit."), status_code=404
        )
    audit(request, user, "findings", f"deposit {deposit_id} mailbox {deposit.mailbox}")
    fund: FundView | None = request.app.state.fund
    archived = archive_path(context, deposit)
    if not handles(fund, deposit.name, user):
        raise Forbidden(_("this deposit is for another fund's agents"))
    explanations = (
        fund.explain(archived, deposit.findings) if fund is not None and deposit.findings and archived.exists() else []
    )
    return render(request, "fund_deposit.html", user, section="intake", deposit=deposit, explanations=explanations)


@router.get("/payments", response_class=HTMLResponse)
def payments_page(request: Request, user: Agent) -> HTMLResponse:
    fund: FundView | None = request.app.state.fund
    payments = payments_for(fund, user)
    audit(request, user, "view", "fund payments due", f"{len(payments)} payments")
    by_date: dict[str, Decimal] = defaultdict(Decimal)
    for payment in payments:
        by_date[payment.due_date.isoformat()] += payment.amount
    dates = sorted(by_date)
    chart = grouped_bars(
        "Payments due by date",
        dates,
        [Series("amount due", "var(--covered)")],
        [[by_date[d]] for d in dates],
    )
    total = sum((p.amount for p in payments), Decimal("0.00"))
    return render(request, "fund_payments.html", user, section="payments", payments=payments, chart=chart, total=total)
