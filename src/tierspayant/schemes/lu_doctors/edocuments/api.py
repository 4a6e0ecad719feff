"""The eDocuments vault's own HTTP API (a separate ASGI app the platform starts beside its own).

Callers authenticate with a bearer token that the eAdministrative platform issued (here: a token → actor table
given to :func:`create_app`); a refused call answers with its findings. ``GET /keys`` is public: it is the key set
every verifier downloads to check fee note QR codes offline.
"""

import base64
import json
import os
from collections.abc import Callable, Coroutine, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from tierspayant.core.signing import PublishedKey
from tierspayant.schemes.lu_doctors.edocuments.model import (
    Actor,
    Decision,
    Deposit,
    DocumentView,
    Receipt,
    Role,
    Status,
)
from tierspayant.schemes.lu_doctors.edocuments.pages import pages_router
from tierspayant.schemes.lu_doctors.edocuments.vault import EDocumentsVault, VaultError


class Submission(BaseModel):
    channel: str = "page"


class Payment(BaseModel):
    paid_on: date


def create_app(vault: EDocumentsVault, tokens: Mapping[str, Actor]) -> FastAPI:
    """The vault as its own ASGI application: the API at the root, the pages under ``/my``."""
    app = FastAPI(title="eDocuments (Agence eSanté) — faithful implementation", version="1")
    app.include_router(api_router(vault, tokens))
    app.include_router(pages_router(vault, tokens))
    return app


def refused_response(error: VaultError) -> JSONResponse:
    return JSONResponse({"findings": [f.to_dict() for f in error.findings]}, status_code=error.status)


class _RefusalRoute(APIRoute):
    """Answers a refused call with its findings and status, in whichever application includes the router."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except VaultError as error:
                return refused_response(error)

        return handler


def api_router(vault: EDocumentsVault, tokens: Mapping[str, Actor], prefix: str = "") -> APIRouter:
    """The vault's API; a refusal is raised as :class:`VaultError` (the application answers it with its findings:
    :func:`create_app` does, and the platform's application when it includes this router)."""
    app = APIRouter(prefix=prefix, tags=["eDocuments"], route_class=_RefusalRoute)

    def actor(authorization: Annotated[str | None, Header()] = None) -> Actor:
        token = (authorization or "").removeprefix("Bearer ").strip()
        found = tokens.get(token)
        if found is None:
            raise HTTPException(401, "unknown or missing bearer token", headers={"WWW-Authenticate": "Bearer"})
        return found

    Caller = Annotated[Actor, Depends(actor)]

    @app.get("/keys")
    def keys() -> Response:
        return Response(vault.key_set().to_json(), media_type="application/json")

    @app.post("/keys", status_code=201)
    def publish_key(caller: Caller, entry: dict[str, Any]) -> dict[str, str]:
        vault.publish_key(caller, PublishedKey.from_json(entry))
        return {"kid": entry.get("kid", "")}

    @app.post("/documents", status_code=201)
    def deposit(caller: Caller, body: Deposit) -> Receipt:
        return vault.deposit(caller, body)

    @app.post("/documents/{receipt}/replace", status_code=201)
    def replace(caller: Caller, receipt: str, body: Deposit) -> Receipt:
        return vault.replace(caller, receipt, body)

    @app.post("/documents/{receipt}/paid")
    def paid(caller: Caller, receipt: str, body: Payment) -> DocumentView:
        return vault.mark_paid(caller, receipt, body.paid_on)

    @app.get("/documents")
    def documents(
        caller: Caller, doctor: str | None = None, matricule: str | None = None, status: Status | None = None
    ) -> list[DocumentView]:
        return vault.documents(caller, doctor, matricule, status)

    @app.get("/documents/{receipt}")
    def document(caller: Caller, receipt: str) -> DocumentView:
        return vault.document(caller, receipt)

    @app.get("/documents/{receipt}/pdf")
    def pdf(caller: Caller, receipt: str) -> Response:
        content = vault.pdf(caller, receipt)
        if content is None:
            raise HTTPException(404, "no PDF was deposited with this document")
        return Response(content, media_type="application/pdf")

    @app.post("/documents/{receipt}/submit")
    def submit(caller: Caller, receipt: str, body: Submission) -> DocumentView:
        return vault.submit(caller, receipt, body.channel)

    @app.post("/documents/{receipt}/decision")
    def decide(caller: Caller, receipt: str, body: Decision) -> DocumentView:
        return vault.decide(caller, receipt, body.status, body.reason)

    @app.get("/match")
    def match(caller: Caller, doctor: str, number: str) -> DocumentView:
        return vault.current(caller, doctor, number)

    @app.get("/counts")
    def counts(caller: Caller, start: date, end: date) -> dict[str, int]:
        return vault.deposit_counts(caller, start, end)

    return app


def tokens_from_json(text: str) -> dict[str, Actor]:
    """``{"token": {"role": "doctor", "name": "drx", "doctor_code": "10234567"}, …}``."""
    return {
        token: Actor(Role(entry["role"]), entry["name"], entry.get("doctor_code"))
        for token, entry in json.loads(text).items()
    }


def app_from_environment() -> FastAPI:
    """The ASGI factory ``uvicorn --factory`` starts: ``TIERSPAYANT_EDOCUMENTS_URL`` (database) and
    ``TIERSPAYANT_EDOCUMENTS_TOKENS`` (a JSON file of tokens)."""
    vault = EDocumentsVault(os.environ.get("TIERSPAYANT_EDOCUMENTS_URL", "sqlite:///var/edocuments.db"))
    vault.init()
    tokens_file = os.environ.get("TIERSPAYANT_EDOCUMENTS_TOKENS")
    tokens = tokens_from_json(Path(tokens_file).read_text()) if tokens_file else {}
    return create_app(vault, tokens)


def pdf_base64(pdf: bytes) -> str:
    return base64.b64encode(pdf).decode("ascii")
