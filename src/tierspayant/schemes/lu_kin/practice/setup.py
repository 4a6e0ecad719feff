"""Practice set-up: the practice, its physiotherapists, and association / group memberships with periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_kin.practice.domain import InvoicingForm, MembershipKind
from tierspayant.schemes.lu_kin.practice.identifiers import provider_code
from tierspayant.schemes.lu_kin.practice.refusals import refuse
from tierspayant.schemes.lu_kin.practice.texts import checked_text
from tierspayant.schemes.lu_kin.store.practice.models import Membership, Physiotherapist, Practice


@dataclass(frozen=True)
class PracticeInfo:
    name: str
    street: str
    postal_code: str
    city: str
    invoicing_form: InvoicingForm
    facturier_code: str | None
    opened_on: date | None = None
    closed_on: date | None = None
    country: str = "LU"

    @property
    def address_lines(self) -> list[str]:
        return [self.street, f"L-{self.postal_code} {self.city}" if self.country == "LU" else self.postal_code]


def setup_practice(db: Session, info: PracticeInfo) -> None:
    """Create or update the practice (one practice per database)."""
    if info.invoicing_form is InvoicingForm.SEPARATE:
        if info.facturier_code is not None:
            refuse("PRA-SETUP", "separate invoicing has no common facturier code: each physiotherapist bills own code")
        facturier = None
    else:
        if info.facturier_code is None:
            refuse("PRA-SETUP", f"a {info.invoicing_form.value} needs its facturier code (the code the CNS pays)")
        facturier = provider_code(info.facturier_code, "facturier code")
    if info.opened_on and info.closed_on and info.closed_on < info.opened_on:
        refuse("PRA-SETUP", f"the practice cannot close ({info.closed_on}) before it opens ({info.opened_on})")
    practice = db.scalar(select(Practice))
    if practice is None:
        practice = Practice()
        db.add(practice)
    practice.name = checked_text(info.name, Practice.name, "practice name")
    practice.street = checked_text(info.street, Practice.street, "street")
    practice.postal_code = checked_text(info.postal_code, Practice.postal_code, "postal code")
    practice.city = checked_text(info.city, Practice.city, "city")
    practice.country = info.country
    practice.invoicing_form = info.invoicing_form.value
    practice.facturier_code = facturier
    practice.opened_on = info.opened_on
    practice.closed_on = info.closed_on


def practice_info(db: Session) -> PracticeInfo:
    practice = db.scalar(select(Practice))
    if practice is None:
        refuse("PRA-NO-PRACTICE", "the practice is not set up yet: run `tierspayant practice init` first")
    return PracticeInfo(
        name=practice.name,
        street=practice.street,
        postal_code=practice.postal_code,
        city=practice.city,
        country=practice.country,
        invoicing_form=InvoicingForm(practice.invoicing_form),
        facturier_code=practice.facturier_code,
        opened_on=practice.opened_on,
        closed_on=practice.closed_on,
    )


def add_physiotherapist(db: Session, code: str, name: str) -> str:
    """Record a physiotherapist of the practice; returns the normalised 8-position code."""
    normalized = provider_code(code, "physiotherapist code")
    full_name = checked_text(name, Physiotherapist.name, "physiotherapist's name")
    existing = db.scalar(select(Physiotherapist).where(Physiotherapist.code == normalized))
    if existing is not None:
        existing.name = full_name
    else:
        db.add(Physiotherapist(code=normalized, name=full_name))
    return normalized


def physiotherapist_name(db: Session, code: str) -> str | None:
    return db.scalar(select(Physiotherapist.name).where(Physiotherapist.code == code))


def physiotherapist_names(db: Session) -> dict[str, str]:
    return {code: name for code, name in db.execute(select(Physiotherapist.code, Physiotherapist.name))}


def add_membership(db: Session, performer_code: str, joined_on: date, left_on: date | None = None) -> None:
    """Declare a physiotherapist as member of the practice's association or joint-invoicing group for a period."""
    info = practice_info(db)
    if info.invoicing_form is InvoicingForm.SEPARATE or info.facturier_code is None:
        refuse("PRA-MEMBERSHIP", "separate invoicing has no association or group to join")
    performer = provider_code(performer_code, "performer code")
    if db.scalar(select(Physiotherapist).where(Physiotherapist.code == performer)) is None:
        refuse("PRA-MEMBERSHIP", f"physiotherapist {performer} is not recorded: add them first")
    if left_on is not None and left_on < joined_on:
        refuse("PRA-MEMBERSHIP", f"a member cannot leave ({left_on}) before joining ({joined_on})")
    kind = MembershipKind.ASSOCIATION if info.invoicing_form is InvoicingForm.ASSOCIATION else MembershipKind.GROUP
    for other in memberships_of(db, performer):
        if _overlaps(joined_on, left_on, other.joined_on, other.left_on):
            refuse(
                "PRA-MEMBERSHIP",
                f"{performer} is already a member from {other.joined_on} to {other.left_on or 'now'}: "
                "close that period first",
            )
    db.add(
        Membership(
            facturier_code=info.facturier_code,
            performer_code=performer,
            kind=kind.value,
            joined_on=joined_on,
            left_on=left_on,
        )
    )


def end_membership(db: Session, performer_code: str, left_on: date) -> None:
    performer = provider_code(performer_code, "performer code")
    open_periods = [m for m in memberships_of(db, performer) if m.left_on is None]
    if not open_periods:
        refuse("PRA-MEMBERSHIP", f"{performer} has no open membership to end")
    for membership in open_periods:
        if left_on < membership.joined_on:
            refuse("PRA-MEMBERSHIP", f"{performer} joined on {membership.joined_on}, cannot leave on {left_on}")
        membership.left_on = left_on


def memberships_of(db: Session, performer_code: str) -> list[Membership]:
    return list(
        db.scalars(select(Membership).where(Membership.performer_code == performer_code).order_by(Membership.joined_on))
    )


def is_member_on(db: Session, facturier_code: str, performer_code: str, day: date) -> bool:
    """Whether ``performer_code`` was a declared member of ``facturier_code`` on ``day`` (one query)."""
    period = select(Membership.id).where(
        Membership.facturier_code == facturier_code,
        Membership.performer_code == performer_code,
        Membership.joined_on <= day,
        or_(Membership.left_on.is_(None), Membership.left_on >= day),
    )
    return db.scalar(period.limit(1)) is not None


def facturier_for(db: Session, performer_code: str) -> str:
    """Who bills a session done by ``performer_code``: own code (separate) or the practice's common code."""
    return facturier_of(practice_info(db), performer_code)


def facturier_of(info: PracticeInfo, performer_code: str) -> str:
    """:func:`facturier_for` when the practice is already read (no query: loops call this one)."""
    if info.invoicing_form is InvoicingForm.SEPARATE or info.facturier_code is None:
        return performer_code
    return info.facturier_code


def _overlaps(start_a: date, end_a: date | None, start_b: date, end_b: date | None) -> bool:
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)
