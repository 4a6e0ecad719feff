"""A DEMAUT inside its transaction: history, authorisation rules, decisions, titres, RETAUT staged."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from tierspayant.core.findings import Effect
from tierspayant.core.outbox import Staging
from tierspayant.schemes.lu_kin.formats.models import DecisionOutcome
from tierspayant.schemes.lu_kin.fund import history, recording, returns
from tierspayant.schemes.lu_kin.fund.advice import pending_accord
from tierspayant.schemes.lu_kin.fund.decisions import RequestDecision, decide
from tierspayant.schemes.lu_kin.fund.intake import Opened
from tierspayant.schemes.lu_kin.fund.outcome import ProcessOutcome, Refused, Timer, as_findings, locate, stored_outcome
from tierspayant.schemes.lu_kin.reference import ReferenceSet
from tierspayant.schemes.lu_kin.rules_tables import distinct, file_frame, requests_frame, with_effective_acts
from tierspayant.schemes.lu_kin.store.fund.models import Titre
from tierspayant.schemes.lu_kin.titre import make_titre_id


def authorise(
    session: Session,
    staging: Staging,
    path: Path,
    opened: Opened,
    received_at: datetime,
    sha: str,
    reference: ReferenceSet,
    timed: Timer,
) -> ProcessOutcome:
    assert opened.demaut is not None
    header, received_on = opened.header, received_at.date()
    requests = with_effective_acts(
        requests_frame(opened.demaut, received_on, opened.document_problems), reference["conversion"]
    )
    matricules = distinct(requests, "matricule")
    past = {
        "insured": history.insured(session, matricules),
        "affiliations": history.affiliations(session, matricules),
        "providers": history.providers(session, [header.billing_provider]),
        "memberships": history.memberships(session, [header.billing_provider]),
    }
    decisions = decide(requests, file_frame(header, path.name, received_on), past, reference)
    located = locate(decisions.findings, None, "request")
    findings = as_findings(located, path.name)
    if decisions.file_rejected:
        raise Refused([f for f in findings if f.effect is Effect.REJECT_FILE])
    counts = {outcome: 0 for outcome in DecisionOutcome}
    for decision in decisions.requests:
        counts[decision.outcome] += 1
    deposit = recording.add_deposit(
        session,
        file_name=path.name,
        sha256=sha,
        provider_code=opened.file_name.provider_code,
        file_type="DEMAUT",
        reference=opened.file_name.reference,
        period_year=opened.file_name.year,
        period_month=opened.file_name.month,
        received_at=received_at,
        reference_version=reference.version,
        item_count=len(decisions.requests),
        accepted_count=counts[DecisionOutcome.ACCORD],
        outcome_json="{}",
    )
    serials = iter(recording.next_serials(session, f"titre-{received_on.year}", counts[DecisionOutcome.ACCORD]))
    validity = timedelta(days=reference.int_parameter("titre_validity_days", received_on))
    granted: list[tuple[RequestDecision, returns.GrantedTitre | None]] = []
    for decision in decisions.requests:
        titre = None
        if decision.outcome is DecisionOutcome.ACCORD:
            assert decision.prescription_date is not None and decision.rate_e2 is not None
            titre = returns.GrantedTitre(
                titre_id=make_titre_id(received_on.year, next(serials)),
                issued_on=received_on,
                valid_from=decision.prescription_date,
                valid_to=received_on + validity,
            )
            recording.add_titre(
                session,
                Titre(
                    titre_id=titre.titre_id,
                    deposit_id=deposit.id,
                    request_id=decision.request_id,
                    matricule=decision.matricule,
                    facturier=header.billing_provider,
                    prescriber_code=decision.prescriber_code,
                    prescription_date=decision.prescription_date,
                    pathology=decision.pathology,
                    issued_on=titre.issued_on,
                    valid_from=titre.valid_from,
                    valid_to=titre.valid_to,
                    rate_e2=decision.rate_e2,
                ),
                decision.covered_acts,
            )
        recording.add_decision(
            session,
            deposit.id,
            decision.request_id,
            decision.matricule,
            decision.outcome.value,
            titre.titre_id if titre else None,
            pending_accord(decision, header.billing_provider) if decision.outcome is DecisionOutcome.SUSPENS else None,
        )
        granted.append((decision, titre))
    recording.add_findings(session, deposit.id, located)
    model = returns.retaut(header, received_on, granted)
    returns.write_retaut(staging.path(returns.return_name(opened.file_name, "RETAUT", received_on)), model)
    outcome = ProcessOutcome(
        status="accepted",
        file_type="DEMAUT",
        file_name=path.name,
        received_at=received_at,
        notes=opened.notes,
        rule_findings=located,
        items=len(decisions.requests),
        accepted=counts[DecisionOutcome.ACCORD],
        refused=counts[DecisionOutcome.REFUS],
        suspended=counts[DecisionOutcome.SUSPENS],
        deposit_id=deposit.id,
        reference_version=reference.version,
    )
    deposit.outcome_json = stored_outcome(outcome, staging.names)
    return outcome


# --- FAC ---
