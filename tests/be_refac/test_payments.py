"""Seed sentences about paying: reception + 14 days in the order of reception (even when processed later), and the
M38 regularisations compensated on a payment — real files through RefacService, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from tierspayant.schemes.be_nursing.mutuality.service import RefacService

from . import files
from .helpers import FIRST_VISIT, OTHER, PLAIN


@pytest.fixture
def refac(database_url: str) -> Iterator[RefacService]:
    service = RefacService(database_url)
    yield service
    service.close()


def _sending(tmp_path: Path, number: int, niss: str, name: str) -> Path:
    # one first visit (20.00) and one injection (10.00): 30.00 accepted
    model = files.sending(files.invoice(niss, files.service(FIRST_VISIT, amount="20.00"), files.service()),
                          number=number)
    return files.write(model, tmp_path, name)


def test_a_sending_received_earlier_but_processed_later_is_paid_first(refac: RefacService, tmp_path: Path) -> None:
    early = _sending(tmp_path, 1, PLAIN, "early.txt")
    late = _sending(tmp_path, 2, OTHER, "late.txt")
    processed_first = refac.process(late, tmp_path / "out", datetime(2025, 4, 3, 8, 0))
    processed_second = refac.process(early, tmp_path / "out", datetime(2025, 4, 2, 17, 0))
    assert processed_first.payment_date == date(2025, 4, 17)
    assert processed_second.payment_date == date(2025, 4, 16)  # its own reception + 14 days, not the other's
    paid = [(p.file_name, p.payment_order, p.payment_date) for p in refac.registry.payments()]
    assert paid == [("early.txt", 1, date(2025, 4, 16)), ("late.txt", 2, date(2025, 4, 17))]


def test_sendings_processed_in_reception_order_keep_that_order(refac: RefacService, tmp_path: Path) -> None:
    refac.process(_sending(tmp_path, 1, PLAIN, "a.txt"), tmp_path / "out", datetime(2025, 4, 2, 17, 0))
    refac.process(_sending(tmp_path, 2, OTHER, "b.txt"), tmp_path / "out", datetime(2025, 4, 2, 17, 1))
    paid = [(p.file_name, p.payment_order, p.payment_date) for p in refac.registry.payments()]
    assert paid == [("a.txt", 1, date(2025, 4, 16)), ("b.txt", 2, date(2025, 4, 16))]


def test_m38_regularisations_are_taken_off_the_next_payment(refac: RefacService, tmp_path: Path) -> None:
    refac.registry.add_regularisation(files.THIRD_PARTY, 450, "M38 envoi 001/2025: 425014 du 03/02 payee deux fois",
                                      datetime(2025, 3, 20))
    refac.registry.add_regularisation(files.THIRD_PARTY, -125, "M38 envoi 002/2025: supplement oublie",
                                      datetime(2025, 3, 21))
    refac.process(_sending(tmp_path, 1, PLAIN, "a.txt"), tmp_path / "out", datetime(2025, 4, 2, 9, 0))
    (payment,) = refac.registry.payments()
    assert payment.accepted_cents == 3000
    assert [r.amount_cents for r in payment.regularisations] == [450, -125]
    assert payment.paid_cents == 2675  # 30.00 − 4.50 + 1.25
    assert refac.registry.payment_letter(payment.sending_id) == payment


def test_a_regularisation_larger_than_the_payment_waits_for_the_next_one(refac: RefacService, tmp_path: Path) -> None:
    refac.registry.add_regularisation(files.THIRD_PARTY, 3001, "M38: plus que l'envoi", datetime(2025, 3, 20))
    refac.process(_sending(tmp_path, 1, PLAIN, "a.txt"), tmp_path / "out", datetime(2025, 4, 2, 9, 0))
    (first,) = refac.registry.payments()
    assert first.regularisations == () and first.paid_cents == 3000
    refac.registry.add_regularisation(files.THIRD_PARTY, 3000, "M38: exactement l'envoi", datetime(2025, 4, 3))
    # near miss of the amount: 30.00 is compensated whole on a 30.00 payment (the 30.01 one keeps waiting)
    refac.process(_sending(tmp_path, 2, OTHER, "b.txt"), tmp_path / "out", datetime(2025, 4, 4, 9, 0))
    second = refac.registry.payments()[1]
    assert [r.amount_cents for r in second.regularisations] == [3000] and second.paid_cents == 0
    open_ones = [r for r in refac.registry.regularisations(files.THIRD_PARTY) if r.sending_id is None]
    assert [r.amount_cents for r in open_ones] == [3001]


def test_another_third_partys_regularisation_is_not_taken(refac: RefacService, tmp_path: Path) -> None:
    refac.registry.add_regularisation("30012345002", 450, "M38 d'un autre groupe", datetime(2025, 3, 20))
    refac.process(_sending(tmp_path, 1, PLAIN, "a.txt"), tmp_path / "out", datetime(2025, 4, 2, 9, 0))
    (payment,) = refac.registry.payments()
    assert payment.regularisations == () and payment.paid_cents == 3000
