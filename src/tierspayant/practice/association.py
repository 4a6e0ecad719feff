"""The liberal association's annual member statement (seed 002): the amounts the association billed during the
member's membership — every session billed under the association's code whose date falls in a membership period."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.documents.content import ProviderBlock, StatementContent, StatementMonth
from tierspayant.practice.domain import InvoicingForm, LineStatus
from tierspayant.practice.identifiers import provider_code
from tierspayant.practice.months import month_of
from tierspayant.practice.refusals import refuse
from tierspayant.practice.setup import memberships_of, physiotherapist_name, practice_info
from tierspayant.store.practice.models import BilledLine, TreatmentSession


def association_statement(db: Session, member: str, year: int, today: date) -> StatementContent:
    info = practice_info(db)
    if info.invoicing_form is not InvoicingForm.ASSOCIATION or info.facturier_code is None:
        refuse("PRA-NOT-ASSOCIATION", "member statements are for a liberal association (common provider code)")
    code = provider_code(member, "member code")
    start_of_year, end_of_year = date(year, 1, 1), date(year, 12, 31)
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
    totals: dict[str, list[Decimal | int]] = defaultdict(
        lambda: [0, Decimal("0.00"), Decimal("0.00"), 0, Decimal("0.00")]
    )
    for line, session in latest.values():
        if not any(start <= session.performed_on <= end for start, end in periods):
            continue
        month = totals[month_of(session.performed_on)]
        covered = line.amount_covered if line.status != LineStatus.BILLED.value and line.amount_covered else Decimal(0)
        month[0] = int(month[0]) + 1
        month[1] = Decimal(month[1]) + line.amount_asked
        month[2] = Decimal(month[2]) + covered
        if session.performer_code == code:
            month[3] = int(month[3]) + 1
            month[4] = Decimal(month[4]) + line.amount_asked
    months = [
        StatementMonth(key, int(v[0]), Decimal(v[1]), Decimal(v[2]), int(v[3]), Decimal(v[4]))
        for key, v in sorted(totals.items())
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
