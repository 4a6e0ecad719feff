"""A FAC inside its transaction: history, billing rules and pricing, ledger, findings, payment, RETFAC staged."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from tierspayant.core.money import from_cents
from tierspayant.core.outbox import Staging
from tierspayant.schemes.lu_kin.fund import history, ledger, payments, recording, returns
from tierspayant.schemes.lu_kin.fund.adjudication import adjudicate
from tierspayant.schemes.lu_kin.fund.intake import Opened
from tierspayant.schemes.lu_kin.fund.ledger import LEDGER_COLUMNS
from tierspayant.schemes.lu_kin.fund.outcome import ProcessOutcome, Refused, Timer, as_findings, locate, stored_outcome
from tierspayant.schemes.lu_kin.reference import ReferenceSet
from tierspayant.schemes.lu_kin.rules_tables import distinct, file_frame


def bill(
    session: Session,
    staging: Staging,
    path: Path,
    opened: Opened,
    received_at: datetime,
    sha: str,
    reference: ReferenceSet,
    timed: Timer,
) -> ProcessOutcome:
    assert opened.lines is not None
    header, received_on = opened.header, received_at.date()
    facturier = header.billing_provider
    lines = opened.lines.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row_id"),
        "invoice_number",
        "matricule",
        "fund",
        pl.col("line_number").cast(pl.Int64),
        "titre_id",
        "service_date",
        "act_code",
        "performer_code",
        "place_category",
        "tariff_cents",
        pl.col("insured_share_cents").alias("insured_cents"),
        pl.col("amount_asked_cents").alias("asked_cents"),
        pl.lit(facturier).alias("facturier"),
    )
    opened.lines = None  # the reader's frame is no longer needed: a national file's frame is ~100 MB
    with timed("history"):
        matricules = distinct(lines, "matricule")
        titres, titre_acts = history.titres(session, distinct(lines, "titre_id"))
        first_day, last_day = lines["service_date"].min(), lines["service_date"].max()
        assert isinstance(first_day, date) and isinstance(last_day, date)
        past = {
            "titres": titres,
            "titre_acts": titre_acts,
            "ledger": history.ledger(session, matricules, first_day, last_day),
            "insured": history.insured(session, matricules),
            "affiliations": history.affiliations(session, matricules),
            "providers": history.providers(session, [facturier]),
            "memberships": history.memberships(session, [facturier]),
        }
    with timed("rules + pricing"):
        result = adjudicate(lines, file_frame(header, path.name, received_on), past, reference)
    if result.file_rejected:
        file_level = result.findings.filter(pl.col("level") == "file")
        raise Refused(as_findings(locate(file_level, None, "invoice"), path.name))
    delay = reference.int_parameter("payment_delay_days", received_on)
    due_on = received_on + timedelta(days=delay)
    out, findings = result.lines, result.findings
    del lines, result  # the adjudicated lines carry every column the rest needs
    # only the ledger's columns of the paid lines are copied (a national month's lines are mostly paid)
    paid = out.select(*LEDGER_COLUMNS[1:]).filter(out["paid"])
    asked = int(out["asked_cents"].sum())
    covered = int(out["covered_cents"].sum())
    reduced = out.filter(pl.col("paid") & (pl.col("covered_cents") < pl.col("asked_cents"))).height
    retfac_header = returns.return_header(
        header, "RETFAC", received_on, deposit_date=received_on, payment_due_date=due_on
    )
    retfac_path = staging.path(returns.return_name(opened.file_name, "RETFAC", received_on))
    # The RETFAC needs only the adjudication: it is written on another thread (Polars works without the GIL) while
    # this one records the deposit, the ledger, the findings and the payment.
    with ThreadPoolExecutor(1, thread_name_prefix="retfac") as pool:
        retfac = pool.submit(returns.write_returned_retfac, retfac_path, retfac_header, out, findings)
        deposit = recording.add_deposit(
            session,
            file_name=path.name,
            sha256=sha,
            provider_code=opened.file_name.provider_code,
            file_type="FAC",
            reference=opened.file_name.reference,
            period_year=opened.file_name.year,
            period_month=opened.file_name.month,
            received_at=received_at,
            acknowledged_on=received_on,
            payment_due_on=due_on,
            reference_version=reference.version,
            item_count=out.height,
            accepted_count=paid.height,
            asked_cents=asked,
            covered_cents=covered,
            outcome_json="{}",
        )
        recording.claim_billing_month(session, facturier, opened.file_name.year, opened.file_name.month, deposit.id)
        with timed("ledger"):
            ledger.add_ledger(session, deposit.id, paid)
            ledger.count_sessions(session, paid)
        with timed("findings"):
            located = locate(findings, out, "invoice")
            recording.add_findings(session, deposit.id, located)
        if covered:
            payments.add_payment(session, deposit.id, facturier, covered, due_on)
        with timed("RETFAC"):  # what is left of its writing once the rest is recorded
            retfac.result()
    outcome = ProcessOutcome(
        status="accepted",
        file_type="FAC",
        file_name=path.name,
        received_at=received_at,
        notes=opened.notes,
        rule_findings=located,
        items=out.height,
        accepted=paid.height,
        refused=out.height - paid.height,
        reduced=reduced,
        asked=from_cents(asked),
        covered=from_cents(covered),
        acknowledged_on=received_on,
        payment_due_on=due_on,
        deposit_id=deposit.id,
        reference_version=reference.version,
    )
    deposit.outcome_json = stored_outcome(outcome, staging.names)
    return outcome
