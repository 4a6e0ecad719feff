"""The REST API (FastAPI, OpenAPI at ``/api/openapi.json``): token authentication, one router per audience."""

from __future__ import annotations

from fastapi import APIRouter

from tierspayant.platform.api import admin, auth, deposits, fund, mailboxes


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    router.include_router(auth.router)
    router.include_router(mailboxes.router)
    router.include_router(deposits.router)
    router.include_router(fund.router)
    router.include_router(admin.router)
    return router
