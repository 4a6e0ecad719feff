"""The ASGI application: the REST API under ``/api/v1`` and the server-rendered pages, the schemes' included."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import FastAPI

from tierspayant import __version__
from tierspayant.platform.api import api_router
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.fundview import FundView
from tierspayant.platform.schemes import Scheme, SchemeRuntime, registered_schemes
from tierspayant.platform.web import i18n, mount_web
from tierspayant.platform.web.common import add_template_folder


def create_app(
    context: PlatformContext,
    fund: FundView | None = None,
    runtimes: Mapping[str, SchemeRuntime] | None = None,
    schemes: Sequence[Scheme] | None = None,
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
    app.state.practice_desk = None
    app.include_router(api_router())
    mount_web(app, context.settings.session_secret())
    for scheme in registered_schemes() if schemes is None else schemes:
        i18n.add_scheme(scheme.name, scheme.languages, scheme.templates)
        if scheme.templates is not None:
            add_template_folder(scheme.templates)
    for runtime in (runtimes or {}).values():
        for key, value in runtime.app_state.items():
            setattr(app.state, key, value)
        for router in runtime.routers:
            app.include_router(router)
    return app
