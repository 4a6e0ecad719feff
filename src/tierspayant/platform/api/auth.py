"""Tokens: exchange a username and password for a bearer token; who am I."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from tierspayant.platform.accounts import Principal, Right
from tierspayant.platform.api.deps import Context, CurrentPrincipal
from tierspayant.platform.audit import Channel
from tierspayant.platform.throttle import Throttled

router = APIRouter(tags=["authentication"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: datetime


class PrincipalOut(BaseModel):
    username: str
    display_name: str
    role: str
    provider_code: str | None
    delegations: dict[str, list[str]]

    @classmethod
    def of(cls, principal: Principal) -> PrincipalOut:
        return cls(
            username=principal.username,
            display_name=principal.display_name,
            role=principal.role.value,
            provider_code=principal.provider_code,
            delegations={
                code: sorted(r.value for r in rights if isinstance(r, Right))
                for code, rights in principal.delegations.items()
            },
        )


class Health(BaseModel):
    status: str


@router.get("/health", response_model=Health, summary="Liveness (no authentication; the benchmark's baseline)")
async def health() -> Health:  # async: answered on the event loop, no thread hop (the benchmark's floor)
    return Health(status="ok")


@router.post(
    "/tokens",
    response_model=TokenOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        400: {"description": "malformed JSON body"},
        401: {"description": "wrong username or password"},
        429: {"description": "too many failed logins for this account or address: retry after Retry-After seconds"},
    },
    summary="Exchange a username and password for a bearer token",
)
def create_token(credentials: Credentials, context: Context, request: Request) -> TokenOut:
    address = request.client.host if request.client else None
    try:
        principal = context.login(credentials.username, credentials.password, address, Channel.API)
    except Throttled as throttled:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed logins: try again in {throttled.retry_after} s",
            headers={"Retry-After": str(throttled.retry_after)},
        ) from None
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    ttl = timedelta(hours=context.settings.token_ttl_hours)
    token = context.accounts.issue_token(principal.username, "api", ttl)
    return TokenOut(token=token, expires_at=datetime.now(UTC) + ttl)


@router.get("/me", response_model=PrincipalOut, summary="The account behind the token", responses={401: {}})
def me(principal: CurrentPrincipal) -> PrincipalOut:
    return PrincipalOut.of(principal)
