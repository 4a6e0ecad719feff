"""The fund's staff: intake queue, findings of a deposit, payments due."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel

from tierspayant.platform.api.deps import Context, DepositId, FundAgent
from tierspayant.platform.audit import Channel
from tierspayant.platform.deposits import DepositInfo, DepositStatus
from tierspayant.platform.fundview import FundView, PaymentDue, handles, payments_for

router = APIRouter(prefix="/fund", tags=["fund agents"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}


class IntakeOut(BaseModel):
    counts: dict[str, int]
    deposits: list[DepositInfo]


@router.get("/intake", response_model=IntakeOut, responses=ERRORS, summary="Incoming files and their state")
def intake(
    request: Request,
    agent: FundAgent,
    context: Context,
    status_: Annotated[DepositStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> IntakeOut:
    fund = getattr(request.app.state, "fund", None)
    deposits = [
        d.model_copy(update={"findings": []})
        for d in context.deposits.list(None, status_, limit, offset)
        if handles(fund, d.name, agent)
    ]
    ids = ", ".join(str(d.id) for d in deposits)[:1000]
    context.audit.record(agent, Channel.API, "view", f"fund intake {status_.value if status_ else 'all'}", ids)
    return IntakeOut(counts=context.deposits.counts_by_status(), deposits=deposits)


@router.get(
    "/deposits/{deposit_id}",
    response_model=DepositInfo,
    responses={**ERRORS, 404: {}},
    summary="One deposit with its findings (anomalies, with the rule that found each)",
)
def deposit_findings(deposit_id: DepositId, agent: FundAgent, context: Context, request: Request) -> DepositInfo:
    deposit = context.deposits.get(deposit_id)
    if deposit is None or not handles(getattr(request.app.state, "fund", None), deposit.name, agent):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such deposit")
    context.audit.record(agent, Channel.API, "findings", f"deposit {deposit_id} mailbox {deposit.mailbox}")
    return deposit


@router.get("/payments", response_model=list[PaymentDue], responses=ERRORS, summary="Payments due, by date")
def payments(agent: FundAgent, request: Request, context: Context) -> list[PaymentDue]:
    fund: FundView | None = getattr(request.app.state, "fund", None)
    due = payments_for(fund, agent)
    context.audit.record(agent, Channel.API, "view", "fund payments due", f"{len(due)} payments")
    return due
