"""The annual flat rate for IT costs (annex 07, seed 002): €1,600 per practice and year for at least 2,000 covered
services there, both prorated by days of activity when the practice opens or closes during the year; one request per
postal address (however many providers bill from it); asked between 1 January and 31 March of the following year.

Rounding: the amount half-up to the cent; the prorated threshold half-up to a whole number of services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tierspayant.core.money import from_cents
from tierspayant.schemes.lu_kin.it_flat_rate import address_key, days_in, prorated
from tierspayant.schemes.lu_kin.practice.domain import LineStatus
from tierspayant.schemes.lu_kin.practice.months import checked_year
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.practice.setup import practice_info
from tierspayant.schemes.lu_kin.reference import ReferenceSet
from tierspayant.schemes.lu_kin.store.practice.models import BilledLine, ItFlatRateRequest, TreatmentSession


@dataclass(frozen=True)
class ItFlatRate:
    year: int
    address_key: str
    active_from: date
    active_to: date
    days_active: int
    days_in_year: int
    services_counted: int
    threshold: int
    amount: Decimal
    eligible: bool
    requested_on: date


def it_flat_rate(db: Session, year: int, today: date, reference: ReferenceSet) -> ItFlatRate:
    """Compute and record the request for ``year``; asking again returns the recorded request unchanged. The amount
    and threshold are prorated from the reference table ``it_flat_rate``, as the fund prorates them."""
    checked_year(year)
    if not date(year + 1, 1, 1) <= today <= date(year + 1, 3, 31):
        refuse(
            "PRA-IT-PERIOD",
            f"the IT flat rate for {year} is asked between 01/01/{year + 1} and 31/03/{year + 1}; today is "
            f"{today:%d/%m/%Y}",
        )
    info = practice_info(db)
    key = address_key(info.street, info.postal_code, info.city)
    recorded = db.scalar(select(ItFlatRateRequest).where(ItFlatRateRequest.year == year))
    if recorded is not None and recorded.address_key != key:
        refuse(
            "PRA-IT-ONE-PER-ADDRESS",
            f"the IT flat rate for {year} was already asked on {recorded.requested_on} for address "
            f"{recorded.address_key!r}",
        )
    start, end = date(year, 1, 1), date(year, 12, 31)
    active_from = max(start, info.opened_on or start)
    active_to = min(end, info.closed_on or end)
    if active_to < active_from:
        refuse("PRA-IT-INACTIVE", f"the practice was not active in {year}")
    days_in_year = days_in(year)
    days_active = (active_to - active_from).days + 1
    if recorded is not None:
        requested_on, services_recorded = recorded.requested_on, recorded.services_counted
        return ItFlatRate(
            year,
            key,
            active_from,
            active_to,
            days_active,
            days_in_year,
            services_recorded,
            recorded.threshold,
            recorded.amount,
            recorded.eligible,
            requested_on,
        )
    cents, threshold = prorated(reference, active_from, active_to)
    amount = from_cents(cents)
    services = covered_services(db, active_from, active_to)
    eligible = services >= threshold
    db.add(
        ItFlatRateRequest(
            year=year,
            address_key=key,
            services_counted=services,
            threshold=threshold,
            amount=amount,
            eligible=eligible,
            requested_on=today,
        )
    )
    return ItFlatRate(
        year, key, active_from, active_to, days_active, days_in_year, services, threshold, amount, eligible, today
    )


def covered_services(db: Session, start: date, end: date) -> int:
    """Sessions in [start, end] whose latest billed line the fund covered (paid or reduced), every facturier."""
    latest = (
        select(BilledLine.session_id, func.max(BilledLine.id).label("line_id"))
        .group_by(BilledLine.session_id)
        .subquery()
    )
    query = (
        select(func.count())
        .select_from(latest)
        .join(BilledLine, BilledLine.id == latest.c.line_id)
        .join(TreatmentSession, TreatmentSession.id == latest.c.session_id)
        .where(
            TreatmentSession.performed_on >= start,
            TreatmentSession.performed_on <= end,
            BilledLine.status.in_([LineStatus.PAID.value, LineStatus.REDUCED.value]),
        )
    )
    return int(db.scalar(query) or 0)
