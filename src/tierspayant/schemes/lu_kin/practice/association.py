"""The liberal association's annual member statement (seed 002): the amounts the association billed during the
member's membership — every session billed under the association's code whose date falls in a membership period."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.core.money import ZERO
from tierspayant.schemes.lu_kin.practice.documents.content import ProviderBlock, StatementContent, StatementMonth
from tierspayant.schemes.lu_kin.practice.domain import InvoicingForm, LineStatus
from tierspayant.schemes.lu_kin.practice.identifiers import provider_code
from tierspayant.schemes.lu_kin.practice.months import checked_year, month_of
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.practice.setup import memberships_of, physiotherapist_name, practice_info
from tierspayant.schemes.lu_kin.store.practice.models import BilledLine, TreatmentSession


@dataclass
class _MonthTotals:
    sessions: int = 0
    billed: Decimal = ZERO
    covered: Decimal = ZERO
    own_sessions: int = 0  # performed by the member
    own_billed: Decimal = ZERO


def association_statement(db: Session, member: str, year: int, today: date) -> StatementContent:
    info = practice_info(db)
    if info.invoicing_form is not InvoicingForm.ASSOCIATION or info.facturier_code is None:
        refuse("PRA-NOT-ASSOCIATION", "member statements are for a liberal association (common provider code)")
    code = provider_code(member, "member code")
    start_of_year, end_of_year = date(checked_year(year), 1, 1), date(year, 12, 31)
    periods = [
        (max(m.joined_on, start_of_year), min(m.left_on or end_of_year, end_of_year))
        for m in memberships_of(db, code)
        if m.facturier_code == info.facturier_code
        and m.joined_on <= end_of_year
        and (m.left_on is None or m.left_on >= start_of_year)
    ]
    if not periods:
        refuse("PRA-NOT-MEMBER", f"{code} was not a member of association {info.facturier_code} in {year}")
    # One query for the year: every billed line of the association with its session, the latest line per session.
    rows = db.execute(
        select(BilledLine, TreatmentSession)
        .join(TreatmentSession, TreatmentSession.id == BilledLine.session_id)
        .where(
            TreatmentSession.facturier_code == info.facturier_code,
            TreatmentSession.performed_on >= start_of_year,
            TreatmentSession.performed_on <= end_of_year,
        )
        .order_by(BilledLine.id)
    )
    latest: dict[int, tuple[BilledLine, TreatmentSession]] = {}
    for line, session in rows:
        latest[session.id] = (line, session)
    totals: dict[str, _MonthTotals] = defaultdict(_MonthTotals)
    for line, session in latest.values():
        if not any(start <= session.performed_on <= end for start, end in periods):
            continue
        month = totals[month_of(session.performed_on)]
        month.sessions += 1
        month.billed += line.amount_asked
        if line.status != LineStatus.BILLED.value and line.amount_covered:
            month.covered += line.amount_covered
        if session.performer_code == code:
            month.own_sessions += 1
            month.own_billed += line.amount_asked
    months = [
        StatementMonth(key, t.sessions, t.billed, t.covered, t.own_sessions, t.own_billed)
        for key, t in sorted(totals.items())
    ]
    return StatementContent(
        year=year,
        issued_on=today,
        association=ProviderBlock(info.name, info.address_lines, info.facturier_code),
        member_code=code,
        member_name=physiotherapist_name(db, code) or "",
        periods=[(m.joined_on, m.left_on) for m in memberships_of(db, code) if m.facturier_code == info.facturier_code],
        months=months,
    )
