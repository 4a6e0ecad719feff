"""The fund's store of digital fee notes (insured persons, claims, payments, compensation statements), shared by
the reimbursement, PID and compensation services."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierspayant.schemes.lu_doctors.store.reimbursement import MIGRATIONS_PACKAGE
from tierspayant.schemes.lu_doctors.store.reimbursement.models import Claim, Insured, Payment
from tierspayant.store.database import make_engine, migrate, session_factory, transaction


class FundDigitalStore:
    def __init__(self, url: str, now: Callable[[], datetime] = datetime.now) -> None:
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)
        self.now = now

    def init(self) -> None:
        migrate(self.engine, MIGRATIONS_PACKAGE)

    @contextmanager
    def unit(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    def add_insured(self, matricule: str, fund: str, valid_from: date, valid_to: date | None = None) -> None:
        """A new affiliation closes the open one the day before (a person is insured with one fund at a time)."""
        with self.unit() as session:
            for open_row in session.scalars(
                select(Insured).where(Insured.matricule == matricule, Insured.valid_to.is_(None))
            ):
                if open_row.valid_from < valid_from:
                    open_row.valid_to = valid_from - timedelta(days=1)
            session.add(Insured(matricule=matricule, fund=fund, valid_from=valid_from, valid_to=valid_to))

    def fund_of(self, matricule: str, on: date) -> str | None:
        with self.sessions() as session:
            for row in session.scalars(select(Insured).where(Insured.matricule == matricule)):
                if row.valid_from <= on and (row.valid_to is None or on <= row.valid_to):
                    return row.fund
        return None

    def payment(self, doctor_code: str, number: str) -> Payment | None:
        with self.sessions() as session:
            query = select(Payment).where(Payment.doctor_code == doctor_code, Payment.fee_note_number == number)
            return session.scalars(query).first()

    def payments(self, doctor_code: str | None = None) -> list[Payment]:
        query = select(Payment).order_by(Payment.id)
        if doctor_code:
            query = query.where(Payment.doctor_code == doctor_code)
        with self.sessions() as session:
            return list(session.scalars(query))

    def claims(self, doctor_code: str | None = None) -> list[Claim]:
        query = select(Claim).order_by(Claim.id)
        if doctor_code:
            query = query.where(Claim.doctor_code == doctor_code)
        with self.sessions() as session:
            return list(session.scalars(query))

    def record_claim(self, session: Session, **values: object) -> None:
        session.add(Claim(received_at=self.now(), **values))


def transfer_id(prefix: str) -> str:
    """A SEPA end-to-end identifier (at most 35 characters)."""
    return f"{prefix}-{uuid.uuid4().hex[:24].upper()}"
