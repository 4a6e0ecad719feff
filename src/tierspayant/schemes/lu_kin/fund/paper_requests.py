"""The paper channel of the fund (seed 002, "Request for validation by the insured person"): the insured sends the
original prescription by post; a fund agent records it and answers on paper with a titre de prise en charge or a
written refusal stating the reasons. A titre answered this way is *obtained by the insured* (``channel='post'``):
when a practice later bills on it, rule K218 refuses third-party payment (the insured pays, the fund reimburses).

The answer letter (PDF) is kept exactly as posted, so it can be printed again and shown to whoever asks.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from reportlab.platypus import Spacer
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.core.identifiers.matricule import check_matricule
from tierspayant.documents.layout import DocumentMeta, block, day, grid, paragraph, render
from tierspayant.schemes.lu_kin.fund import recording
from tierspayant.schemes.lu_kin.fund.registrations import RegistrationError
from tierspayant.schemes.lu_kin.fund.registries import _provider_code as provider_code
from tierspayant.schemes.lu_kin.reference import ReferenceSet
from tierspayant.schemes.lu_kin.store.fund.models import PaperRequest, Titre
from tierspayant.schemes.lu_kin.titre import make_titre_id

RULE_PAPER = "seed 002: Request for validation by the insured person"
PATHOLOGIES = ("COMMON", "SERIOUS", "POST_SURGICAL", "LYMPHATIC_DRAINAGE")
DEFAULT_VALIDITY_DAYS = 365  # the SAMPLE reference's titre_validity_days; the caller passes the reference's value


@dataclass(frozen=True, slots=True)
class PaperAnswer:
    request_id: int
    status: str  # granted | refused
    titre_id: str | None
    letter: bytes  # the PDF as posted


def record_request(
    session: Session,
    matricule: str,
    received_on: date,
    prescriber_code: str,
    prescription_date: date,
    pathology: str,
    acts: Sequence[tuple[str, int]],
    agent: str,
    at: datetime,
    facturier: str = "",
) -> int:
    """Record a postal request as the agent reads it from the envelope; returns its number."""
    check = check_matricule(matricule)
    problems = [] if check.valid else [f"matricule {matricule}: {'; '.join(check.reasons)}"]
    if pathology not in PATHOLOGIES:
        problems.append(f"pathology {pathology!r} is not one of {', '.join(PATHOLOGIES)}")
    if not acts or any(not code.strip() or sessions < 1 for code, sessions in acts):
        problems.append("the prescription names at least one act with one session or more")
    if prescription_date > received_on:
        problems.append(f"the prescription of {prescription_date} is dated after its arrival on {received_on}")
    if problems:
        raise RegistrationError("; ".join(problems))
    request = PaperRequest(
        matricule=matricule,
        received_on=received_on,
        prescriber_code=provider_code(prescriber_code),
        prescription_date=prescription_date,
        pathology=pathology,
        acts=json.dumps([[code.strip().upper(), int(sessions)] for code, sessions in acts]),
        facturier=provider_code(facturier) if facturier.strip() else "",
        recorded_by=agent,
        recorded_at=at,
        status="pending",
    )
    session.add(request)
    session.flush()
    return request.id


def answer(
    session: Session,
    request_id: int,
    agent: str,
    at: datetime,
    grant: bool,
    rate_e2: int | None = None,
    reason: str | None = None,
    validity_days: int = DEFAULT_VALIDITY_DAYS,
) -> PaperAnswer:
    """Answer a recorded postal request: a paper titre (``rate_e2`` in 1/100 %) or a written refusal (``reason``)."""
    request = session.get(PaperRequest, request_id, with_for_update=True)
    if request is None:
        raise RegistrationError(f"no postal request {request_id}")
    if request.status != "pending":
        raise RegistrationError(f"postal request {request_id} is already {request.status}")
    acts = [(str(code), int(sessions)) for code, sessions in json.loads(request.acts)]
    request.decided_by, request.decided_at = agent, at
    if not grant:
        if not reason or not reason.strip():
            raise RegistrationError("a written refusal states its reasons (seed 002)")
        request.status, request.reason = "refused", reason.strip()
        request.letter = refusal_letter(request, acts)
        session.flush()
        return PaperAnswer(request.id, "refused", None, request.letter)
    if rate_e2 is None or not 0 < rate_e2 <= 10_000:
        raise RegistrationError("a titre states its coverage rate (1 to 10000 hundredths of a percent)")
    issued_on = at.date()
    (serial,) = recording.next_serials(session, f"titre-{issued_on.year}", 1)
    titre = Titre(
        titre_id=make_titre_id(issued_on.year, serial),
        deposit_id=None,
        request_id=f"POST-{request.id}",
        matricule=request.matricule,
        facturier=request.facturier,
        prescriber_code=request.prescriber_code,
        prescription_date=request.prescription_date,
        pathology=request.pathology,
        issued_on=issued_on,
        valid_from=request.prescription_date,
        valid_to=issued_on + timedelta(days=validity_days),
        rate_e2=rate_e2,
        channel="post",  # obtained by the insured: no third-party payment on it (K218)
    )
    recording.add_titre(session, titre, acts)
    request.status, request.titre_id = "granted", titre.titre_id
    request.letter = titre_letter(request, titre, acts)
    session.flush()
    return PaperAnswer(request.id, "granted", titre.titre_id, request.letter)


def answer_by_reference(
    session: Session,
    reference: ReferenceSet,
    request_id: int,
    agent: str,
    at: datetime,
    grant: bool,
    reason: str | None = None,
    rate_e2: int | None = None,
    validity_days: int | None = None,
) -> PaperAnswer:
    """``answer`` as the fund agent gives it: a titre at the reference's coverage rate for the prescription's pathology
    and date, valid the reference's ``titre_validity_days``, unless ``rate_e2`` / ``validity_days`` say otherwise."""
    request = session.get(PaperRequest, request_id)
    if request is None:
        raise RegistrationError(f"no postal request {request_id}")
    if grant and rate_e2 is None:
        rate_e2 = coverage_rate_e2(reference["rates"], request.pathology, request.prescription_date)
    if validity_days is None:
        validity_days = reference.int_parameter("titre_validity_days", at.date())
    return answer(session, request_id, agent, at, grant, rate_e2, reason, validity_days)


def coverage_rate_e2(rates: pl.DataFrame, pathology: str, on: date) -> int:
    """The coverage rate (1/100 %) of ``pathology`` on ``on`` in the reference ``rates``: a paper titre's rate."""
    rows = rates.filter((pl.col("category") == pathology) & (pl.col("valid_from") <= on) & (pl.col("valid_to") >= on))
    if rows.height != 1:
        raise RegistrationError(f"reference data: no single coverage rate for {pathology} on {on}")
    return int(rows.row(0, named=True)["rate_percent_e2"])


def requests(session: Session, status: str | None = None) -> list[PaperRequest]:
    query = select(PaperRequest).order_by(PaperRequest.id.desc())
    if status is not None:
        query = query.where(PaperRequest.status == status)
    return list(session.scalars(query))


def letter_of(session: Session, request_id: int) -> bytes | None:
    request = session.get(PaperRequest, request_id)
    return None if request is None else request.letter


def export_json(session: Session) -> list[dict[str, Any]]:
    """Every postal request with who recorded it, who answered, when, and the answer (the letter's SHA-256)."""
    return [
        {
            "id": r.id,
            "matricule": r.matricule,
            "received_on": r.received_on.isoformat(),
            "prescriber_code": r.prescriber_code,
            "prescription_date": r.prescription_date.isoformat(),
            "pathology": r.pathology,
            "acts": json.loads(r.acts),
            "facturier": r.facturier,
            "recorded_by": r.recorded_by,
            "recorded_at": r.recorded_at.isoformat(),
            "status": r.status,
            "reason": r.reason,
            "titre_id": r.titre_id,
            "decided_by": r.decided_by,
            "decided_at": r.decided_at.isoformat() if r.decided_at else None,
            "letter_sha256": hashlib.sha256(r.letter).hexdigest() if r.letter else None,
        }
        for r in session.scalars(select(PaperRequest).order_by(PaperRequest.id))
    ]


# --- the letters (French, as the CNS writes to the insured) ---


def _pdf(meta: DocumentMeta, story: list[Any]) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return render(Path(folder) / "letter.pdf", meta, story).read_bytes()


def _request_block(request: PaperRequest) -> Any:
    return block(
        "Votre demande",
        [
            ("Matricule", request.matricule),
            ("Reçue par courrier le", day(request.received_on)),
            ("Ordonnance du", day(request.prescription_date)),
            ("Médecin prescripteur", request.prescriber_code),
            ("Numéro de dossier", f"POST-{request.id}"),
        ],
    )


def titre_letter(request: PaperRequest, titre: Titre, acts: Sequence[tuple[str, int]]) -> bytes:
    meta = DocumentMeta(
        title="Titre de prise en charge",
        subtitle="Kinésithérapie — demande de l'assuré par voie postale (Caisse nationale de santé)",
        author="Caisse nationale de santé",
        reference=titre.titre_id,
    )
    story: list[Any] = [
        _request_block(request),
        block(
            "Titre",
            [
                ("Identifiant du titre", titre.titre_id),
                ("Validité", f"du {day(titre.valid_from)} au {day(titre.valid_to)}"),
                ("Taux de prise en charge", f"{titre.rate_e2 / 100:.2f} %"),
                ("Voie", "obtenu par l'assuré (courrier)"),
            ],
        ),
        grid(["Acte", "Séances autorisées"], [[code, sessions] for code, sessions in acts], [0.5, 0.5], [1]),
        Spacer(1, 6),
        paragraph(
            "Remettez l'ordonnance et ce titre à votre masseur-kinésithérapeute. Le tiers payant est exclu : "
            "vous réglez les honoraires et demandez le remboursement à votre caisse."
        ),
    ]
    return _pdf(meta, story)


def refusal_letter(request: PaperRequest, acts: Sequence[tuple[str, int]]) -> bytes:
    meta = DocumentMeta(
        title="Refus de prise en charge",
        subtitle="Kinésithérapie — demande de l'assuré par voie postale (Caisse nationale de santé)",
        author="Caisse nationale de santé",
        reference=f"POST-{request.id}",
    )
    story: list[Any] = [
        _request_block(request),
        grid(["Acte prescrit", "Séances"], [[code, sessions] for code, sessions in acts], [0.5, 0.5], [1]),
        block("Motifs du refus", [("Motifs", request.reason or "")]),
    ]
    return _pdf(meta, story)
