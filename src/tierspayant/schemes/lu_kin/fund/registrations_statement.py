"""The liberal association's annual statement per member (seed 002, "Liberal association"): each member receives the
amounts charged to the association for the period during which they were a member.

The periods are the member's confirmed ones (the dated join/leave declarations each confirmed by the member's signed
document, ``fund.registrations``); an unconfirmed change does not count. The amounts are what the fund paid the
association (the ledger of its accepted FACs) for services dated inside those periods and inside the year.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_kin.fund.registrations import RegistrationError
from tierspayant.schemes.lu_kin.fund.registries import _provider_code as provider_code
from tierspayant.schemes.lu_kin.store.fund.models import Deposit, LedgerEntry, Membership, Provider


@dataclass(frozen=True, slots=True)
class MemberStatement:
    member_code: str
    member_name: str
    periods: tuple[tuple[date, date], ...]  # inside the year, first and last day in
    services: int
    covered_cents: int


def annual_statement(session: Session, association_code: str, year: int) -> list[MemberStatement]:
    """One statement per member who was (confirmed) a member during ``year``, by member code."""
    code = provider_code(association_code)
    association = session.get(Provider, code)
    if association is None or association.kind != "association":
        raise RegistrationError(f"{code} is not a registered liberal association")
    first, last = date(year, 1, 1), date(year, 12, 31)
    periods: dict[str, list[tuple[date, date]]] = {}
    rows = session.scalars(
        select(Membership)
        .where(Membership.group_code == code, Membership.valid_from <= last, Membership.valid_to >= first)
        .order_by(Membership.member_code, Membership.valid_from)
    )
    for m in rows:
        periods.setdefault(m.member_code, []).append((max(m.valid_from, first), min(m.valid_to, last)))
    names = dict(session.execute(select(Provider.code, Provider.name).where(Provider.code.in_(list(periods)))).all())
    out = []
    for member, spans in sorted(periods.items()):
        services, cents = 0, 0
        for start, end in spans:
            count, total = session.execute(
                select(func.count(), func.coalesce(func.sum(LedgerEntry.covered_cents), 0))
                .select_from(LedgerEntry)
                .join(Deposit, Deposit.id == LedgerEntry.deposit_id)
                .where(
                    Deposit.provider_code == code,
                    LedgerEntry.service_date >= start,
                    LedgerEntry.service_date <= end,
                )
            ).one()
            services, cents = services + int(count), cents + int(total)
        out.append(MemberStatement(member, names.get(member, member), tuple(spans), services, cents))
    return out


STATEMENT_COLUMNS = ("member_code", "member_name", "periods", "services", "amount")


def statement_csv(statements: list[MemberStatement]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(STATEMENT_COLUMNS)
    for s in statements:
        spans = " ".join(f"{a.isoformat()}/{b.isoformat()}" for a, b in s.periods)
        writer.writerow([s.member_code, s.member_name, spans, s.services, str(Decimal(s.covered_cents).scaleb(-2))])
    return buffer.getvalue()
