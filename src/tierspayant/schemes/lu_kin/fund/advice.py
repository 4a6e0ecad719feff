"""A suspended request decided later (rule K112: the Contrôle médical's advice; or the information the fund waited
for): the accord it would have got was kept with the suspension; the fund now grants it — with the sessions the
advice allows — or refuses it (K113), and a RETAUT answering the same DEMAUT tells the practice."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.core.findings import Finding, FindingsError
from tierspayant.schemes.lu_kin.formats.models import DecisionOutcome, FileHeader
from tierspayant.schemes.lu_kin.formats.naming import KinFileName
from tierspayant.schemes.lu_kin.fund import recording, returns
from tierspayant.schemes.lu_kin.fund.decisions import RequestDecision
from tierspayant.schemes.lu_kin.reference import ReferenceSet
from tierspayant.schemes.lu_kin.store.fund.models import Decision, Deposit, Titre
from tierspayant.schemes.lu_kin.titre import make_titre_id

UNFAVOURABLE = ("K113", "Avis défavorable du Contrôle médical")


def pending_accord(decision: RequestDecision, facturier: str) -> str:
    """What the suspended request would be granted, kept as JSON on its decision."""
    return json.dumps(
        {
            "facturier": facturier,
            "pathology": decision.pathology,
            "prescription_date": decision.prescription_date.isoformat() if decision.prescription_date else None,
            "prescriber_code": decision.prescriber_code,
            "covered_acts": decision.covered_acts,
            "rate_e2": decision.rate_e2,
        }
    )


def _refuse(message: str, request_id: str) -> FindingsError:
    return FindingsError([Finding(code="FUND-ADVICE", message=message, location=f"request {request_id}")])


def decide_after_advice(
    session: Session,
    request_id: str,
    favourable: bool,
    decided_on: date,
    outbox: Path,
    reference: ReferenceSet,
    sessions: int | None = None,
    remark: str | None = None,
) -> Path:
    """Decide a suspended request; returns the RETAUT written into ``outbox``. ``sessions``: what the advice allows
    (default: what the request would have been granted)."""
    row = session.scalar(
        select(Decision).where(Decision.request_id == request_id, Decision.outcome == DecisionOutcome.SUSPENS.value)
    )
    if row is None or row.pending is None:
        raise _refuse(f"no suspended request {request_id} waits for a decision", request_id)
    deposit = session.get(Deposit, row.deposit_id)
    assert deposit is not None
    pending = json.loads(row.pending)
    prescription_date = date.fromisoformat(pending["prescription_date"])
    common = {
        "request_id": request_id,
        "matricule": row.matricule,
        "pathology": pending["pathology"],
        "prescription_date": prescription_date,
        "prescriber_code": pending["prescriber_code"],
    }
    titre = None
    if favourable:
        acts = [(str(act), int(count)) for act, count in pending["covered_acts"]]
        if sessions is not None:
            if sessions < 1:
                raise _refuse("a favourable advice allows at least one session", request_id)
            acts = [(acts[0][0], sessions)]
        decision = RequestDecision(
            outcome=DecisionOutcome.ACCORD, covered_acts=acts, rate_e2=pending["rate_e2"], **common
        )
        [serial] = recording.next_serials(session, f"titre-{decided_on.year}", 1)
        validity = timedelta(days=reference.int_parameter("titre_validity_days", decided_on))
        titre = returns.GrantedTitre(
            make_titre_id(decided_on.year, serial), decided_on, prescription_date, decided_on + validity
        )
        recording.add_titre(
            session,
            Titre(
                titre_id=titre.titre_id,
                deposit_id=deposit.id,
                request_id=request_id,
                matricule=row.matricule,
                facturier=pending["facturier"],
                prescriber_code=pending["prescriber_code"],
                prescription_date=prescription_date,
                pathology=pending["pathology"],
                issued_on=titre.issued_on,
                valid_from=titre.valid_from,
                valid_to=titre.valid_to,
                rate_e2=pending["rate_e2"],
            ),
            acts,
        )
        row.titre_id = titre.titre_id
    else:
        decision = RequestDecision(outcome=DecisionOutcome.REFUS, anomalies=[(*UNFAVOURABLE, remark)], **common)
    row.outcome = decision.outcome.value
    row.pending = None
    row.decided_on = decided_on
    demaut = KinFileName.parse(deposit.file_name)
    header = FileHeader(
        file_type="DEMAUT",
        sender=deposit.provider_code,
        billing_provider=pending["facturier"],
        reference=deposit.reference,
        send_date=demaut.send_date,
        layout=demaut.layout,
        software=returns.software_for(demaut.layout),
    )
    model = returns.retaut(header, decided_on, [(decision, titre)])
    outbox.mkdir(parents=True, exist_ok=True)
    name = returns.return_name(demaut, "RETAUT", decided_on)
    path = outbox / name
    if path.exists():  # names are unique: one RETAUT per DEMAUT and day
        raise _refuse(f"{name} is already in the outbox: decide the other requests of that DEMAUT tomorrow", request_id)
    returns.write_retaut(path, model)
    return path
