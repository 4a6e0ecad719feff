"""Deposit status for providers (and assistants with the read right)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from tierspayant.platform.accounts import Right, Role
from tierspayant.platform.api.deps import Context, CurrentPrincipal, DepositId, require_right
from tierspayant.platform.audit import Channel
from tierspayant.platform.deposits import DepositInfo, DepositStatus

router = APIRouter(tags=["deposits (providers)"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}}


@router.get("/deposits", response_model=list[DepositInfo], responses=ERRORS, summary="My deposits, newest first")
def list_deposits(
    principal: CurrentPrincipal,
    context: Context,
    mailbox: Annotated[str | None, Query(max_length=8)] = None,
    status_: Annotated[DepositStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[DepositInfo]:
    if mailbox is not None:
        require_right(principal, Right.READ, mailbox)
        codes = [mailbox]
    else:
        codes = principal.providers_with(Right.READ)
    deposits = [_without_findings(d) for d in context.deposits.list(codes, status_, limit, offset)]
    subject = f"deposits of mailbox {mailbox}" if mailbox else f"deposits of mailboxes {' '.join(codes) or '(none)'}"
    context.audit.record(principal, Channel.API, "view", subject, ", ".join(str(d.id) for d in deposits)[:1000])
    return deposits


@router.get("/deposits/{deposit_id}", response_model=DepositInfo, responses=ERRORS, summary="Status of one deposit")
def get_deposit(deposit_id: DepositId, principal: CurrentPrincipal, context: Context) -> DepositInfo:
    deposit = context.deposits.get(deposit_id)
    # Someone else's deposit answers like a missing one: its existence is not revealed.
    if deposit is None or not (principal.role is Role.FUND_AGENT or principal.may(Right.READ, deposit.mailbox)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such deposit")
    context.audit.record(principal, Channel.API, "view", f"deposit {deposit_id} mailbox {deposit.mailbox}")
    return _without_findings(deposit)


def _without_findings(deposit: DepositInfo) -> DepositInfo:
    """Status answers carry counts; the findings (which may name patients) are in the files of out/."""
    return deposit.model_copy(update={"findings": []})
