"""Administration: accounts, keys, delegations and the audit log (no personal data besides the log itself)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from tierspayant.core.findings import FindingsError
from tierspayant.platform.accounts import Right, Role
from tierspayant.platform.api.auth import PrincipalOut
from tierspayant.platform.api.deps import Administrator, Context
from tierspayant.platform.audit import Channel

router = APIRouter(prefix="/admin", tags=["administrators"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    channel: str
    action: str
    subject: str
    detail: str


class AccountOut(PrincipalOut):
    active: bool


class NewAccount(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=8, max_length=1024)
    role: Role
    display_name: str = Field(min_length=1, max_length=200)
    provider_code: str | None = Field(None, min_length=5, max_length=8)


class NewKey(BaseModel):
    openssh: str = Field(min_length=20, max_length=8000, description="one OpenSSH public key line")


class DelegationIn(BaseModel):
    rights: list[Right]


@router.get("/audit", response_model=list[AuditOut], responses=ERRORS, summary="The audit log, newest first")
def audit(
    admin: Administrator,
    context: Context,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    entries = context.audit.entries(limit=limit, actor=actor, subject_contains=subject)
    return [AuditOut.model_validate(e, from_attributes=True) for e in entries]


@router.get("/accounts", response_model=list[AccountOut], responses=ERRORS, summary="All accounts")
def accounts(admin: Administrator, context: Context) -> list[AccountOut]:
    return [
        AccountOut(**PrincipalOut.of(p).model_dump(), active=active) for p, active in context.accounts.list_accounts()
    ]


@router.post(
    "/accounts",
    response_model=AccountOut,
    status_code=status.HTTP_201_CREATED,
    responses={**ERRORS, 422: {}},
    summary="Create an account (a provider account gets its mailbox)",
)
def create_account(new: NewAccount, admin: Administrator, context: Context) -> AccountOut:
    try:
        if new.role is Role.PROVIDER and new.provider_code:
            principal = context.create_provider(new.username, new.password, new.display_name, new.provider_code)
        else:
            principal = context.accounts.create_account(
                new.username, new.password, new.role, new.display_name, new.provider_code
            )
    except FindingsError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [f.message for f in error.findings]) from error
    context.audit.record(admin, Channel.API, "create_account", f"account {new.username}", new.role.value)
    return AccountOut(**PrincipalOut.of(principal).model_dump(), active=True)


@router.post(
    "/accounts/{username}/keys",
    status_code=status.HTTP_201_CREATED,
    responses={**ERRORS, 404: {}, 422: {}},
    summary="Accept an SSH public key for the account's SFTP login",
)
def add_key(username: str, key: NewKey, admin: Administrator, context: Context) -> dict[str, str]:
    if context.accounts.principal(username) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such account")
    try:
        fingerprint = context.accounts.add_public_key(username, key.openssh)
    except FindingsError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, [f.message for f in error.findings]) from error
    context.audit.record(admin, Channel.API, "add_key", f"account {username}", fingerprint)
    return {"fingerprint": fingerprint}


@router.put(
    "/accounts/{username}/delegations/{provider_code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**ERRORS, 404: {}, 422: {}},
    summary="Set what an assistant may do for a provider (empty list: nothing)",
)
def delegate(username: str, provider_code: str, body: DelegationIn, admin: Administrator, context: Context) -> None:
    principal = context.accounts.principal(username)
    if principal is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such account")
    if principal.role is not Role.ASSISTANT:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "only an assistant receives delegations")
    context.accounts.delegate(username, provider_code, set(body.rights))
    context.audit.record(
        admin, Channel.API, "delegate", f"account {username} provider {provider_code}", ",".join(body.rights)
    )
