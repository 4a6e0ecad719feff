"""Dependencies shared by the API routes: the platform context, the bearer token's principal, role checks."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tierspayant.platform.accounts import Principal, Right, Role
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.sftp.mailbox import MailboxError, MailboxErrorKind

MAX_ID = 2_147_483_647  # store ids are 32-bit integers on PostgreSQL
DepositId = Annotated[int, Path(ge=1, le=MAX_ID, description="a deposit number")]

bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/tokens")


# Dependencies are ``async`` so that FastAPI runs them on the event loop: a sync one costs a thread hop per call.
async def get_context(request: Request) -> PlatformContext:
    context: PlatformContext = request.app.state.context
    return context


Context = Annotated[PlatformContext, Depends(get_context)]


async def current_principal(
    context: Context, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    found, principal = context.accounts.cached_principal_for_token(credentials.credentials)
    if not found:
        principal = await run_in_threadpool(context.accounts.principal_for_token, credentials.credentials)
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "unknown, expired or revoked token", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"reserved to: {', '.join(r.value for r in roles)}")
        return principal

    return check


FundAgent = Annotated[Principal, Depends(require_roles(Role.FUND_AGENT))]
Administrator = Annotated[Principal, Depends(require_roles(Role.ADMINISTRATOR))]


def require_right(principal: Principal, right: Right, provider_code: str) -> None:
    """A provider acts on its own code; an assistant on the codes delegated to it with that right."""
    if not principal.may(right, provider_code):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"no {right.value} right on provider {provider_code}")


def mailbox_http_error(error: MailboxError) -> HTTPException:
    codes = {
        MailboxErrorKind.NOT_FOUND: status.HTTP_404_NOT_FOUND,
        MailboxErrorKind.DENIED: status.HTTP_403_FORBIDDEN,
        MailboxErrorKind.EXISTS: status.HTTP_409_CONFLICT,
        MailboxErrorKind.TOO_LARGE: status.HTTP_413_CONTENT_TOO_LARGE,
        MailboxErrorKind.QUOTA: status.HTTP_507_INSUFFICIENT_STORAGE,
        MailboxErrorKind.BAD_NAME: status.HTTP_422_UNPROCESSABLE_CONTENT,
    }
    return HTTPException(codes[error.kind], str(error))
