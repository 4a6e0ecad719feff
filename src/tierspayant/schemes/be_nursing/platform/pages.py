"""The mutuality agent's own page: the sending-number registry (which third party took which number, and what
REFAC answered to each reception). Intake, findings and payments are the platform's fund pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tierspayant.platform.web.common import render
from tierspayant.platform.web.fund_pages import Agent

router = APIRouter(prefix="/mutuality", include_in_schema=False)


@router.get("/sendings", response_class=HTMLResponse)
def sendings_page(request: Request, user: Agent) -> HTMLResponse:
    refac = getattr(request.app.state, "refac", None)
    sendings = [] if refac is None else refac.service.registry.sending_rows()
    return render(request, "mutuality_sendings.html", user, section="sendings", sendings=sendings)
