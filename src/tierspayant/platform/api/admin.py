"""Administration: accounts, keys, delegations and the audit log (no personal data besides the log itself)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from tierspayant.core.findings import FindingsError
from tierspayant.platform.accounts import PROVIDER_CODE, USERNAME, Right, Role
from tierspayant.platform.api.auth import PrincipalOut
from tierspayant.platform.api.deps import Administrator, Context
from tierspayant.platform.audit import Channel

router = APIRouter(prefix="/admin", tags=["administrators"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}
WITH_BODY: dict[int | str, dict[str, Any]] = {**ERRORS, 400: {"description": "malformed JSON body"}, 422: {}}


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
    username: str = Field(pattern=USERNAME.pattern)
    password: str = Field(min_length=8, max_length=1024)
    role: Role
    display_name: str = Field(min_length=1, max_length=200)
    provider_code: str | None = Field(None, pattern=PROVIDER_CODE.pattern, description="required for a provider")


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
    responses={**WITH_BODY, 409: {"description": "the username is taken"}},
    summary="Create an account (a provider account gets its mailbox)",
)
def create_account(new: NewAccount, admin: Administrator, context: Context) -> AccountOut:
    if any(p.username == new.username for p, _ in context.accounts.list_accounts()):
        raise HTTPException(status.HTTP_409_CONFLICT, f"the username {new.username!r} is taken")
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
    responses={**WITH_BODY, 404: {}},
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
    responses={**WITH_BODY, 404: {}, 409: {"description": "the account is not an assistant"}},
    summary="Set what an assistant may do for a provider (empty list: nothing)",
)
def delegate(username: str, provider_code: str, body: DelegationIn, admin: Administrator, context: Context) -> None:
    principal = context.accounts.principal(username)
    if principal is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such account")
    if principal.role is not Role.ASSISTANT:
        raise HTTPException(status.HTTP_409_CONFLICT, "only an assistant receives delegations")
    context.accounts.delegate(username, provider_code, set(body.rights))
    context.audit.record(
        admin, Channel.API, "delegate", f"account {username} provider {provider_code}", ",".join(body.rights)
    )
