"""Server-rendered pages (Jinja2 templates, one stylesheet, plain forms): sign-in, fund agents, administration;
the schemes add their own (see :mod:`tierspayant.platform.schemes`)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from tierspayant.platform.web import admin_pages, auth_pages, fund_pages
from tierspayant.platform.web.common import HERE, Forbidden, LoginRequired, redirect, render

SESSION_HOURS = 8


def mount_web(app: FastAPI, secret_key: str) -> None:
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

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/login?next={target}" if request.method == "GET" else "/login")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, error: Forbidden) -> HTMLResponse:
        return render(request, "error.html", None, heading="Not allowed", message=error.message, status_code=403)
