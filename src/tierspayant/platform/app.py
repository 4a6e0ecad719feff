"""The ASGI application: the REST API under ``/api/v1`` and the server-rendered pages."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from tierspayant import __version__
from tierspayant.platform.api import api_router
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.fundview import FundView


def create_app(context: PlatformContext, fund: FundView | None = None, practice: Any = None) -> FastAPI:
    app = FastAPI(
        title="tierspayant platform",
        version=__version__,
        description="Mailboxes, deposit status, intake queue, findings and payments of the tiers payant exchange.",
        openapi_url="/api/openapi.json",
        # The interactive docs pages load their scripts from a CDN; the platform works on a closed network.
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context
    app.state.fund = fund
    app.state.practice = practice
    app.include_router(api_router())
    return app
