"""The fund's side of the annual flat rate for IT costs (seed 002, convention art. 38, form annex 07).

A practice asks for the flat rate of year Y between 1 January and 31 March of Y + 1; the fund decides from its own
records, not from the practice's figures:

- **window**: a request received outside 1 January – 31 March of Y + 1 is refused (``IT-WINDOW``);
- **who**: the codes the practice bills under (its facturiers) must be registered (``IT-PROVIDER``), and a code is
  paid once a year (``IT-DUPLICATE``; the ``it_flat_rate_code`` primary key backs it);
- **activity period**: the year, cut at the declared opening or closing date; a service the fund paid to these
  facturiers in Y outside that period contradicts the declaration (``IT-PERIOD``);
- **services counted** from the ledger (lines the fund accepted and paid), by facturier, service dates in the period;
  the practice's own count is kept for information only;
- **threshold and amount** from the reference table ``it_flat_rate`` (SAMPLE: €1,600 and 2,000 services), prorated by
  days of activity over the days of the year (each day at the value valid that day), half-up to the cent and to a
  whole service; fewer services than the prorated threshold → refused (``IT-THRESHOLD``);
- **one payment per postal address** (normalised), unless the request shows a separate practice: its unit (floor,
  lot) differs from every accepted request at that address and a supporting PDF comes with it (``IT-ADDRESS``,
  ``IT-EVIDENCE``);
- **paid in June** of Y + 1 by a payment run (``it_payment_file``) that pays every accepted, unpaid request of Y.

Every decision is recorded, refusals with their reasons; nothing is recorded when the request cannot be read at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tierspayant.core.findings import Finding
from tierspayant.core.money import from_cents
from tierspayant.core.outbox import Staging
from tierspayant.schemes.lu_kin.fund import it_payment_file
from tierspayant.schemes.lu_kin.fund.registrations import Document, document_findings
from tierspayant.schemes.lu_kin.fund.registries import _provider_code
from tierspayant.schemes.lu_kin.it_flat_rate import ItFlatRateError, address_key, days_in, prorated, unit_key
from tierspayant.schemes.lu_kin.reference import ReferenceSet
from tierspayant.schemes.lu_kin.store.fund.models import (
    Deposit,
    ItFlatRateCode,
    ItFlatRateRequest,
    LedgerEntry,
    Provider,
)

RULE = "seed 002: Request for flat-rate payment for IT costs (convention art. 38, annex 07)"
WINDOW_END = (3, 31)  # requests from 1 January to 31 March of the following year
PAYMENT_MONTH = 6  # paid in June


@dataclass(frozen=True)
class ItRequest:
    """What the form (annex 07) tells the fund."""

    year: int
    practice_name: str
    street: str
    postal_code: str
    city: str
    facturiers: tuple[str, ...]  # the codes the practice bills under (each physio's code when invoicing separately)
    opened_on: date | None = None
    closed_on: date | None = None
    services_claimed: int | None = None
    unit: str | None = None  # floor or unit, for a separate practice at a shared postal address
    evidence: Document | None = None  # the supporting document of a separate practice (PDF)

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"


@dataclass(frozen=True)
class ItDecision:
    request_id: int
    year: int
    status: str  # accepted | refused
    practice_name: str
    address: str
    facturiers: tuple[str, ...]
    active_from: date
    active_to: date
    days_active: int
    days_in_year: int
    services_counted: int
    services_claimed: int | None
    threshold: int
    amount: object  # Decimal: the prorated amount (paid only when accepted)
    received_on: date
    paid_on: date | None = None
    payment_file: str | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(f.message for f in self.findings)


def window(year: int) -> tuple[date, date]:
    """The days on which the flat rate of ``year`` is asked."""
    return date(year + 1, 1, 1), date(year + 1, *WINDOW_END)


def _finding(code: str, message: str, location: str | None = None) -> Finding:
    return Finding(code, message, location=location, rule=RULE)


def decide(session: Session, request: ItRequest, received_on: date, reference: ReferenceSet) -> ItDecision:
    """Decide a request and record the decision (accepted or refused, with the reasons)."""
    facturiers = _checked_request(request)
    start, end = date(request.year, 1, 1), date(request.year, 12, 31)
    active_from = max(start, request.opened_on or start)
    active_to = min(end, request.closed_on or end)
    if active_to < active_from:
        raise ItFlatRateError(f"the practice was not active in {request.year} (opened / closed dates)")
    findings: list[Finding] = []
    first, last = window(request.year)
    if not first <= received_on <= last:
        findings.append(
            _finding(
                "IT-WINDOW",
                f"the IT flat rate for {request.year} is asked from {first:%d/%m/%Y} to {last:%d/%m/%Y}; this request "
                f"was received on {received_on:%d/%m/%Y}",
                "received on",
            )
        )
    known = set(session.scalars(select(Provider.code).where(Provider.code.in_(facturiers))))
    for code in facturiers:
        if code not in known:
            findings.append(_finding("IT-PROVIDER", f"{code} is not a provider code known to the fund", "facturiers"))
    taken = session.execute(
        select(ItFlatRateCode.provider_code, ItFlatRateCode.request_id).where(
            ItFlatRateCode.year == request.year, ItFlatRateCode.provider_code.in_(facturiers)
        )
    ).all()
    for code, earlier in taken:
        findings.append(
            _finding(
                "IT-DUPLICATE",
                f"{code} already had the IT flat rate for {request.year} (request {earlier}): once a year per practice",
                "facturiers",
            )
        )
    findings += _period_findings(session, facturiers, start, end, active_from, active_to)
    findings += _address_findings(session, request)
    counted = services_counted(session, facturiers, active_from, active_to)
    cents, threshold = prorated(reference, active_from, active_to)
    if counted < threshold:
        findings.append(
            _finding(
                "IT-THRESHOLD",
                f"the fund's ledger counts {counted} covered services for {', '.join(facturiers)} from "
                f"{active_from:%d/%m/%Y} to {active_to:%d/%m/%Y}; the threshold for these "
                f"{(active_to - active_from).days + 1} days is {threshold}",
                "services",
            )
        )
    row = ItFlatRateRequest(
        year=request.year,
        received_on=received_on,
        practice_name=request.practice_name,
        address=request.address,
        address_key=address_key(request.street, request.postal_code, request.city),
        unit=request.unit or None,
        evidence_name=request.evidence.file_name if request.evidence else None,
        evidence=request.evidence.content if request.evidence else None,
        facturiers=" ".join(facturiers),
        opened_on=request.opened_on,
        closed_on=request.closed_on,
        services_claimed=request.services_claimed,
        services_counted=counted,
        threshold=threshold,
        amount_cents=cents,
        days_active=(active_to - active_from).days + 1,
        status="refused" if findings else "accepted",
        reasons=json.dumps([{"code": f.code, "message": f.message} for f in findings], ensure_ascii=False),
        reference_version=reference.version,
    )
    session.add(row)
    session.flush()
    if not findings:
        session.add_all(ItFlatRateCode(year=request.year, provider_code=c, request_id=row.id) for c in facturiers)
        session.flush()
    return _decision(row, findings)


def _checked_request(request: ItRequest) -> tuple[str, ...]:
    if not 2000 <= request.year <= 9998:
        raise ItFlatRateError(f"year {request.year} is not a year with 4 digits")
    if not request.facturiers:
        raise ItFlatRateError("the request names no provider code (the codes the practice bills under)")
    if not (request.practice_name.strip() and request.street.strip() and request.postal_code.strip()):
        raise ItFlatRateError("the request needs the practice's name and postal address (street, postal code, city)")
    if request.opened_on and request.closed_on and request.closed_on < request.opened_on:
        raise ItFlatRateError(f"closed on {request.closed_on} is before opened on {request.opened_on}")
    try:
        return tuple(sorted({_provider_code(code) for code in request.facturiers}))
    except ValueError as error:
        raise ItFlatRateError(str(error)) from None


def services_counted(session: Session, facturiers: tuple[str, ...], first: date, last: date) -> int:
    """Services the fund accepted and paid to these facturiers, with a service date from ``first`` to ``last``."""
    query = (
        select(func.count())
        .select_from(LedgerEntry)
        .join(Deposit, Deposit.id == LedgerEntry.deposit_id)
        .where(
            Deposit.provider_code.in_(facturiers),
            LedgerEntry.service_date >= first,
            LedgerEntry.service_date <= last,
        )
    )
    return int(session.scalar(query) or 0)


def _period_findings(
    session: Session, facturiers: tuple[str, ...], start: date, end: date, active_from: date, active_to: date
) -> list[Finding]:
    """Services paid in the year but outside the declared activity period: the declaration is wrong."""
    findings = []
    outside = []
    if active_from > start:
        outside.append((start, active_from - timedelta(days=1), f"before the declared opening {active_from:%d/%m/%Y}"))
    if active_to < end:
        outside.append((active_to + timedelta(days=1), end, f"after the declared closing {active_to:%d/%m/%Y}"))
    for first, last, what in outside:
        found = session.execute(
            select(func.count(), func.min(LedgerEntry.service_date))
            .select_from(LedgerEntry)
            .join(Deposit, Deposit.id == LedgerEntry.deposit_id)
            .where(
                Deposit.provider_code.in_(facturiers),
                LedgerEntry.service_date >= first,
                LedgerEntry.service_date <= last,
            )
        ).one()
        if found[0]:
            findings.append(
                _finding(
                    "IT-PERIOD",
                    f"the fund paid {found[0]} service(s) of {', '.join(facturiers)} {what} (the first on "
                    f"{found[1]:%d/%m/%Y}): correct the opening or closing date",
                    "activity period",
                )
            )
    return findings


def _address_findings(session: Session, request: ItRequest) -> list[Finding]:
    key = address_key(request.street, request.postal_code, request.city)
    others = list(
        session.scalars(
            select(ItFlatRateRequest).where(
                ItFlatRateRequest.year == request.year,
                ItFlatRateRequest.address_key == key,
                ItFlatRateRequest.status == "accepted",
            )
        )
    )
    if not others:
        return []
    names = ", ".join(f"request {o.id} ({o.practice_name}, {o.facturiers})" for o in others)
    if not request.unit or request.evidence is None:
        return [
            _finding(
                "IT-ADDRESS",
                f"one IT flat rate per postal address: {names} was already accepted for {request.address} in "
                f"{request.year}; a separate practice at the same address names its unit (floor, lot) and sends a "
                "supporting document",
                "address",
            )
        ]
    same_unit = [o for o in others if unit_key(o.unit) == unit_key(request.unit)]
    if same_unit:
        return [
            _finding(
                "IT-ADDRESS",
                f"unit {request.unit!r} at {request.address} already had the IT flat rate for {request.year} ({names})",
                "unit",
            )
        ]
    return [
        _finding(
            "IT-EVIDENCE", f"the supporting document of a separate practice is not usable: {f.message}", "evidence"
        )
        for f in document_findings(request.evidence, RULE)
    ]


def _decision(row: ItFlatRateRequest, findings: list[Finding] | None = None) -> ItDecision:
    if findings is None:
        findings = [_finding(r["code"], r["message"]) for r in json.loads(row.reasons or "[]")]
    active_to = date(row.year, 12, 31) if row.closed_on is None else min(row.closed_on, date(row.year, 12, 31))
    return ItDecision(
        request_id=row.id,
        year=row.year,
        status=row.status,
        practice_name=row.practice_name,
        address=row.address,
        facturiers=tuple(row.facturiers.split()),
        active_from=active_to - timedelta(days=row.days_active - 1),
        active_to=active_to,
        days_active=row.days_active,
        days_in_year=days_in(row.year),
        services_counted=row.services_counted,
        services_claimed=row.services_claimed,
        threshold=row.threshold,
        amount=from_cents(row.amount_cents),
        received_on=row.received_on,
        paid_on=row.paid_on,
        payment_file=row.payment_file,
        findings=findings,
    )


def decisions(session: Session, year: int | None = None) -> list[ItDecision]:
    query = select(ItFlatRateRequest).order_by(ItFlatRateRequest.year, ItFlatRateRequest.id)
    if year is not None:
        query = query.where(ItFlatRateRequest.year == year)
    return [_decision(row) for row in session.scalars(query)]


@dataclass(frozen=True)
class ItPaymentRun:
    year: int
    paid_on: date
    count: int
    total: object  # Decimal
    path: Path | None  # the payment file once published (None when there was nothing to pay)


def pay(session: Session, year: int, paid_on: date, staging: Staging) -> ItPaymentRun:
    """Pay every accepted, unpaid request of ``year``: one payment file (``it_payment_file`` layout) staged for the
    commit, each request marked paid. Only in June of ``year`` + 1."""
    if (paid_on.year, paid_on.month) != (year + 1, PAYMENT_MONTH):
        raise ItFlatRateError(
            f"the IT flat rate for {year} is paid in June {year + 1}, not on {paid_on:%d/%m/%Y} (seed 002)"
        )
    rows = list(
        session.scalars(
            select(ItFlatRateRequest)
            .where(
                ItFlatRateRequest.year == year,
                ItFlatRateRequest.status == "accepted",
                ItFlatRateRequest.paid_on.is_(None),
            )
            .order_by(ItFlatRateRequest.id)
        )
    )
    if not rows:
        return ItPaymentRun(year, paid_on, 0, from_cents(0), None)
    name = it_payment_file.file_name(year, paid_on)
    payments = [
        it_payment_file.Payment(
            request_id=row.id,
            facturiers=tuple(row.facturiers.split()),
            practice_name=row.practice_name,
            address=row.address,
            days_active=row.days_active,
            services_counted=row.services_counted,
            threshold=row.threshold,
            amount=from_cents(row.amount_cents),
        )
        for row in rows
    ]
    it_payment_file.write(staging.path(name), it_payment_file.PaymentFile(year, paid_on, payments))
    for row in rows:
        row.paid_on, row.payment_file = paid_on, name
    total = from_cents(sum(row.amount_cents for row in rows))
    return ItPaymentRun(year, paid_on, len(rows), total, staging.outbox / name)


__all__ = [
    "ItDecision",
    "ItFlatRateError",
    "ItPaymentRun",
    "ItRequest",
    "address_key",
    "decide",
    "decisions",
    "pay",
    "prorated",
    "services_counted",
    "window",
]
