"""The REFAC registry on SQLite and PostgreSQL: migrations, numbers taken for good, ledger history in one query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from tierspayant.schemes.be_nursing.store.mutuality.models import Base
from tierspayant.schemes.be_nursing.store.mutuality.registry import RefacRegistry, SendingKey, SendingRecord

from .helpers import OTHER, PLAIN, history

KEY = SendingKey("90000000001", 2025, 7)


@pytest.fixture
def registry(database_url: str) -> Iterator[RefacRegistry]:
    opened = RefacRegistry(database_url)
    yield opened
    opened.close()


def _accepted(key: SendingKey = KEY, digest: str = "a" * 64, order: int = 1) -> SendingRecord:
    return SendingRecord(
        file_name="920000.txt",
        digest=digest,
        key=key,
        invoiced_month=3,
        received_at=datetime(2025, 4, 2, 10, 0),
        status="accepted",
        reply_kind="920900",
        line_count=2,
        accepted_lines=2,
        accepted_cents=2000,
        payment_date=date(2025, 4, 16),
        payment_order=order,
    )


def test_migrations_match_the_models(registry: RefacRegistry) -> None:
    with registry.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_accepted_sending_takes_its_number_and_adds_its_services(registry: RefacRegistry) -> None:
    services = history(
        {"niss": PLAIN, "first_service_date": date(2025, 3, 3)},
        {"niss": OTHER, "first_service_date": date(2025, 3, 4), "nomenclature_code": 424896},
    )
    registry.record(_accepted(), services)
    assert registry.accepted_with_number(KEY) is not None
    assert registry.service_count() == 2
    window = registry.history([PLAIN, OTHER], date(2025, 3, 3), date(2025, 3, 3))
    assert window["niss"].to_list() == [PLAIN]
    assert window.schema == services.schema
    with_prerequisites = registry.history([OTHER], date(2025, 3, 10), date(2025, 3, 31), codes_any_time=[424896])
    assert with_prerequisites["nomenclature_code"].to_list() == [424896]
    assert registry.payment_rank(datetime(2025, 4, 2, 11)) == 2  # received after it: second
    assert registry.payment_rank(datetime(2025, 4, 2, 9)) == 1  # received before it: first


def test_history_comes_in_order_of_acceptance_and_skips_other_segments(registry: RefacRegistry) -> None:
    registry.record(_accepted(), history({"niss": PLAIN, "invoice_number": "1"}, {"niss": OTHER}))
    later = SendingKey("90000000001", 2025, 8)
    registry.record(_accepted(later, "b" * 64, 2), history({"niss": PLAIN, "invoice_number": "2"}))
    april = SendingKey("90000000001", 2025, 9)
    registry.record(_accepted(april, "c" * 64, 3), history({"niss": PLAIN, "first_service_date": date(2025, 4, 9)}))
    found = registry.history([PLAIN], date(2025, 3, 1), date(2025, 3, 31))
    assert found["invoice_number"].to_list() == ["1", "2"]
    assert registry.history([], date(2025, 3, 1), date(2025, 3, 31)).height == 0
    assert registry.service_count() == 4


def test_a_number_cannot_be_accepted_twice_and_nothing_is_half_written(registry: RefacRegistry) -> None:
    registry.record(_accepted(), history({}))
    with pytest.raises(IntegrityError):
        registry.record(_accepted(digest="b" * 64), history({}, {}))
    assert registry.service_count() == 1
    assert [s.digest for s in registry.sendings()] == ["a" * 64]


def test_cancelled_sending_keeps_its_number(registry: RefacRegistry) -> None:
    registry.record(_accepted())
    registry.cancel(KEY, datetime(2025, 5, 1))
    taken = registry.accepted_with_number(KEY)
    assert taken is not None and taken.cancelled_at == datetime(2025, 5, 1)
    with pytest.raises(KeyError):
        registry.cancel(SendingKey("90000000001", 2025, 8), datetime(2025, 5, 1))


def test_rejected_sending_does_not_take_its_number(registry: RefacRegistry) -> None:
    rejected = SendingRecord(
        file_name="920000.txt",
        digest="c" * 64,
        key=KEY,
        invoiced_month=3,
        received_at=datetime(2025, 4, 2),
        status="rejected",
        reply_kind="920099",
        refusal_type="02",
        error_percentage=12.5,
    )
    registry.record(rejected, history({}))
    assert registry.accepted_with_number(KEY) is None
    assert registry.service_count() == 0
    assert [p.status for p in registry.prior_sendings(KEY)] == ["rejected"]
