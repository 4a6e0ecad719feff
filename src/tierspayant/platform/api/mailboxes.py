"""Providers' mailboxes over HTTP: the same ``in/`` and ``out/`` as SFTP, the same limits and atomic deposits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from tierspayant.platform.accounts import Right
from tierspayant.platform.api.deps import Context, CurrentPrincipal, mailbox_http_error, require_right
from tierspayant.platform.audit import Channel
from tierspayant.platform.deposits import DepositInfo
from tierspayant.platform.sftp.mailbox import Area, MailboxError, MailboxErrorKind, Upload

router = APIRouter(tags=["mailboxes (providers)"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}}


class MailboxOut(BaseModel):
    provider_code: str
    rights: list[str]
    quota_bytes: int
    max_file_bytes: int


class FileOut(BaseModel):
    name: str
    size: int
    modified: datetime


@router.get("/mailboxes", response_model=list[MailboxOut], responses=ERRORS, summary="Mailboxes I may use")
def list_mailboxes(principal: CurrentPrincipal, context: Context) -> list[MailboxOut]:
    result = []
    for code in principal.providers_with(Right.READ):
        quota, max_file = context.limits(code)
        rights = sorted(r.value for r in principal.rights_for(code))
        result.append(MailboxOut(provider_code=code, rights=rights, quota_bytes=quota, max_file_bytes=max_file))
    return result


@router.get(
    "/mailboxes/{provider_code}/{area}", response_model=list[FileOut], responses=ERRORS, summary="Files in in/ or out/"
)
def list_files(provider_code: str, area: Area, principal: CurrentPrincipal, context: Context) -> list[FileOut]:
    require_right(principal, Right.READ, provider_code)
    try:
        entries = context.mailboxes.get(provider_code).list(area)
    except MailboxError as error:
        raise mailbox_http_error(error) from error
    context.audit.record(principal, Channel.API, "list", f"mailbox {provider_code} {area.value}/", f"{len(entries)}")
    return [FileOut(name=e.name, size=e.size, modified=e.modified) for e in entries]


@router.get(
    "/mailboxes/{provider_code}/{area}/{name}",
    response_class=StreamingResponse,
    responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}, "description": "the file's bytes"}},
    summary="Fetch a file (a return file from out/, or a deposit still waiting in in/)",
)
def fetch_file(
    provider_code: str, area: Area, name: str, principal: CurrentPrincipal, context: Context
) -> StreamingResponse:
    require_right(principal, Right.READ, provider_code)
    try:
        handle = context.mailboxes.get(provider_code).open_read(area, name)
    except MailboxError as error:
        raise mailbox_http_error(error) from error
    context.audit.record(principal, Channel.API, "fetch", f"mailbox {provider_code} {area.value}/{name}")

    def chunks() -> Iterator[bytes]:
        with handle:
            yield from iter(lambda: handle.read(1 << 16), b"")

    return StreamingResponse(
        chunks(),
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.put(
    "/mailboxes/{provider_code}/in/{name}",
    response_model=DepositInfo,
    status_code=status.HTTP_201_CREATED,
    responses={**ERRORS, 409: {}, 413: {}, 422: {}, 507: {}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    summary="Deposit a file (the request body) in in/; the worker processes it like an SFTP upload",
)
async def deposit_file(
    provider_code: str, name: str, request: Request, principal: CurrentPrincipal, context: Context
) -> DepositInfo:
    require_right(principal, Right.SEND, provider_code)
    try:
        upload: Upload = await run_in_threadpool(context.begin_upload, provider_code, name)
    except MailboxError as error:
        raise mailbox_http_error(error) from error
    offset = 0
    try:
        async for chunk in request.stream():
            if chunk:
                await run_in_threadpool(upload.write, offset, chunk)
                offset += len(chunk)
        if offset == 0:
            raise MailboxError(MailboxErrorKind.BAD_NAME, "an empty file is not a deposit")
    except MailboxError as error:
        await run_in_threadpool(upload.abort)
        raise mailbox_http_error(error) from error
    except BaseException:
        await run_in_threadpool(upload.abort)  # a dropped connection leaves nothing in in/
        raise
    try:
        _, deposit_id = await run_in_threadpool(context.complete_upload, upload, principal, Channel.API)
    except MailboxError as error:
        raise mailbox_http_error(error) from error
    deposit = context.deposits.get(deposit_id)
    if deposit is None:  # processed and gone cannot happen: rows are never deleted
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, "deposit not registered")
    return deposit


@router.delete(
    "/mailboxes/{provider_code}/out/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ERRORS,
    summary="Remove a collected file from out/",
)
def remove_file(provider_code: str, name: str, principal: CurrentPrincipal, context: Context) -> None:
    require_right(principal, Right.SEND, provider_code)
    try:
        context.mailboxes.get(provider_code).remove(Area.OUT, name)
    except MailboxError as error:
        raise mailbox_http_error(error) from error
    context.audit.record(principal, Channel.API, "remove", f"mailbox {provider_code} out/{name}")
