"""Digital fee notes on the platform: the eDocuments vault (its own database, its API under ``/edocuments`` and its
pages "my documents" under ``/edocuments/my``) and the fund's reimbursement store, started beside the doctors'
scheme. ``start_lu_doctors`` adds :func:`start_digital`'s routers, demo lines and close to its runtime.

The vault stays its own party: its own database (``edocuments``), its own callers' tokens (a JSON file under
``var_dir/edocuments/``, created with random demo tokens on first start), its own audit.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel

from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.core.signing import SigningKey
from tierspayant.platform.accounts import Principal
from tierspayant.platform.accounts import Right as PlatformRight
from tierspayant.platform.schemes import SchemeHost
from tierspayant.schemes.lu_doctors.digital.fee_note_qr import shares_of, signed_qr_text
from tierspayant.schemes.lu_doctors.digital.keys import load_or_create_key
from tierspayant.schemes.lu_doctors.digital.pdf import render_fee_note
from tierspayant.schemes.lu_doctors.edocuments.api import api_router, tokens_from_json
from tierspayant.schemes.lu_doctors.edocuments.local import LocalVault
from tierspayant.schemes.lu_doctors.edocuments.model import Actor, Deposit, Role
from tierspayant.schemes.lu_doctors.edocuments.pages import pages_router
from tierspayant.schemes.lu_doctors.edocuments.vault import EDocumentsVault
from tierspayant.schemes.lu_doctors.formats.fee_note import FeeNote, FeeNoteAct
from tierspayant.schemes.lu_doctors.fund.digital_store import FundDigitalStore
from tierspayant.schemes.lu_doctors.fund.pid import PidService, pid_router
from tierspayant.schemes.lu_doctors.fund.reimbursement import AcceleratedReimbursement
from tierspayant.schemes.lu_doctors.platform import digital_pages
from tierspayant.schemes.lu_doctors.practice.feenotes_digital import Right as DeskRight
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

PREFIX = "/edocuments"
DEMO_DOCTOR = "10234567"
DEMO_PATIENT = compute_matricule(date(1980, 5, 4), 12)


@dataclass
class DigitalParts:
    vault: EDocumentsVault
    fund_store: FundDigitalStore
    tokens: dict[str, Actor]
    routers: list[APIRouter]
    demo_lines: list[str] = field(default_factory=list)
    close: Callable[[], None] = lambda: None
    fund: AcceleratedReimbursement | None = None


def _tokens(folder: Path) -> dict[str, Actor]:
    path = folder / "tokens.json"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        entries = {
            secrets.token_urlsafe(18): {"role": "doctor", "name": "dr.demo", "doctor_code": DEMO_DOCTOR},
            secrets.token_urlsafe(18): {"role": "patient", "name": DEMO_PATIENT},
            secrets.token_urlsafe(18): {"role": "fund", "name": "CNS"},
        }
        path.write_text(json.dumps(entries, indent=2))
        path.chmod(0o600)
    return tokens_from_json(path.read_text())


def _demo(vault: EDocumentsVault, tokens: dict[str, Actor], folder: Path, pseudonymisation_key: bytes) -> None:
    """One paid fee note of the demo patient, signed and deposited, so the pages show something."""
    doctor = next(actor for actor in tokens.values() if actor.role is Role.DOCTOR)
    if vault.documents(doctor):
        return
    key: SigningKey = load_or_create_key(folder / "keys", DEMO_DOCTOR)
    vault.publish_key(doctor, key.published(date(2025, 7, 1), date(2027, 12, 31)))
    today = date.today()
    act = FeeNoteAct(line=1, act_code="C1", service_date=today, unit_amount=Decimal("58.50"), amount=Decimal("58.50"))
    note = FeeNote(
        fee_note_id="DEMO-1", doctor_code=DEMO_DOCTOR, patient_matricule=DEMO_PATIENT, patient_name="Marie Exemple",
        issued_on=today, acts=(act,), total=act.amount, paid_on=today,
    )  # fmt: skip
    shares = shares_of(note, DigitalReference.sample())
    text = signed_qr_text(note, shares, pseudonymisation_key, key, datetime.now(UTC))
    pdf = render_fee_note(note, shares, text, "Dr Demo")
    vault.deposit(doctor, Deposit.of(note, shares, text, pdf, doctor.name))


def delegated_rights(principal: Principal, doctor_code: str) -> Callable[[DeskRight], bool]:
    """The platform's delegations as the digital desk's rights: the platform's ``prepare`` is preparing; its
    ``send`` (the act with legal effect) covers signing the QR code and sending to eDocuments."""
    held = principal.rights_for(doctor_code)
    mapping = {DeskRight.PREPARE: PlatformRight.PREPARE, DeskRight.SIGN: PlatformRight.SEND,
               DeskRight.SEND: PlatformRight.SEND}  # fmt: skip

    def may(right: DeskRight) -> bool:
        return mapping[right] in held

    return may


def start_digital(host: SchemeHost) -> DigitalParts:
    settings = host.settings
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    vault = EDocumentsVault(host.database_url("edocuments"))
    vault.init()
    fund_store = FundDigitalStore(host.database_url("doctors_reimbursement"))
    fund_store.init()
    folder = settings.var_dir / "edocuments"
    tokens = _tokens(folder)
    key_file = folder / "pseudonymisation.key"  # the funds' secret (shared with the issuing platforms)
    if not key_file.exists():
        key_file.write_bytes(secrets.token_bytes(32))
        key_file.chmod(0o600)
    pseudonymisation_key = key_file.read_bytes()
    lines: list[str] = []
    if settings.demo:
        _demo(vault, tokens, folder, pseudonymisation_key)
        if fund_store.fund_of(DEMO_PATIENT, date.today()) is None:
            fund_store.add_insured(DEMO_PATIENT, "CNS", date(2000, 1, 1))
        lines = [f"eDocuments: {PREFIX}/my/login — tokens in {folder / 'tokens.json'} (doctor, patient, fund)"]

    def close() -> None:
        vault.engine.dispose()
        fund_store.engine.dispose()

    fund = AcceleratedReimbursement(
        fund_store, LocalVault(vault, Actor(Role.FUND, "CNS")), DigitalReference.sample(), pseudonymisation_key
    )
    doctors = {token: actor.doctor_code for token, actor in tokens.items() if actor.role is Role.DOCTOR}
    routers = [
        api_router(vault, tokens, PREFIX),
        pages_router(vault, tokens, PREFIX),
        digital_pages.router,
        pid_router(PidService(fund), {t: c for t, c in doctors.items() if c}, "/cns"),
        fund_router(fund, {t for t, a in tokens.items() if a.role is Role.FUND}),
    ]
    return DigitalParts(vault, fund_store, tokens, routers, lines, close, fund)


class PaperClaim(BaseModel):
    qr_text: str


def fund_router(fund: AcceleratedReimbursement, fund_tokens: set[str]) -> APIRouter:
    """The fund's intake of digital claims: a scanned paper fee note's QR text, and the queue of page claims."""
    router = APIRouter(prefix="/cns/digital", tags=["CNS digital fee notes"])

    def agent(authorization: Annotated[str | None, Header()] = None) -> None:
        if (authorization or "").removeprefix("Bearer ").strip() not in fund_tokens:
            raise HTTPException(401, "unknown or missing bearer token")

    @router.post("/paper", dependencies=[Depends(agent)])
    def paper(claim: PaperClaim) -> dict[str, object]:
        return asdict(fund.claim_paper(claim.qr_text))

    @router.post("/process", dependencies=[Depends(agent)])
    def process() -> list[dict[str, object]]:
        return [asdict(outcome) for outcome in fund.process_submitted()]

    return router
