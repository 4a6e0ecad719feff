"""The ASGI application: the REST API under ``/api/v1`` and the server-rendered pages."""

from __future__ import annotations

from fastapi import FastAPI

from tierspayant import __version__
from tierspayant.platform.api import api_router
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.fundview import FundView
from tierspayant.platform.practice_desk import PracticeDesk
from tierspayant.platform.web import mount_web


def create_app(
    context: PlatformContext, fund: FundView | None = None, practice_desk: PracticeDesk | None = None
) -> FastAPI:
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
    app.state.practice_desk = practice_desk
    app.include_router(api_router())
    mount_web(app, context.settings.session_secret())
    return app
