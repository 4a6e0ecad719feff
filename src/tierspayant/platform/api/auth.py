"""Tokens: exchange a username and password for a bearer token; who am I."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from tierspayant.platform.accounts import Principal, Right
from tierspayant.platform.api.deps import Context, CurrentPrincipal
from tierspayant.platform.audit import Channel

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
    responses={400: {"description": "malformed JSON body"}, 401: {"description": "wrong username or password"}},
    summary="Exchange a username and password for a bearer token",
)
def create_token(credentials: Credentials, context: Context) -> TokenOut:
    principal = context.accounts.authenticate_password(credentials.username, credentials.password)
    if principal is None:
        context.audit.record(credentials.username[:64], Channel.API, "login_refused", "api token", role="unknown")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    ttl = timedelta(hours=context.settings.token_ttl_hours)
    token = context.accounts.issue_token(principal.username, "api", ttl)
    return TokenOut(token=token, expires_at=datetime.now(UTC) + ttl)


@router.get("/me", response_model=PrincipalOut, summary="The account behind the token", responses={401: {}})
def me(principal: CurrentPrincipal) -> PrincipalOut:
    return PrincipalOut.of(principal)
