"""Server-rendered pages (Jinja2 templates, one stylesheet, plain forms): sign-in, fund agents, administration;
the schemes add their own (see :mod:`tierspayant.platform.schemes`)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from tierspayant.platform.web import admin_pages, auth_pages, fund_pages, language_pages
from tierspayant.platform.web.common import HERE, Forbidden, LoginRequired, redirect, render
from tierspayant.platform.web.i18n import N_, LocaleMiddleware
from tierspayant.platform.web.i18n import gettext as _

SESSION_HOURS = 8


def mount_web(app: FastAPI, secret_key: str) -> None:
    app.add_middleware(LocaleMiddleware)  # added first, so it runs inside the session middleware and reads it
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie="tierspayant_session",
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=False,  # loopback by default; put a TLS proxy in front for anything else
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(auth_pages.router)
    app.include_router(fund_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(language_pages.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/login?next={target}" if request.method == "GET" else "/login")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, error: Forbidden) -> HTMLResponse:
        return render(request, "error.html", None, heading=_("Not allowed"), message=_(error.message), status_code=403)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
        """A person gets a page in their language; the API and programs keep FastAPI's JSON."""
        if request.url.path.startswith("/api") or "text/html" not in request.headers.get("accept", ""):
            return await http_exception_handler(request, error)
        heading, message = ERROR_TEXTS.get(error.status_code, (N_("Something went wrong"), N_("The request failed.")))
        return render(
            request, "error.html", None, heading=_(heading), message=_(message), status_code=error.status_code
        )


ERROR_TEXTS = {
    404: (N_("Page not found"), N_("There is no page at this address. Check the link, or go back to your pages.")),
    405: (N_("Not possible here"), N_("This address does not accept this kind of request.")),
}
