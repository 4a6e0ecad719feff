"""Column types shared by the doctors' stores.

Money is stored as integer cents: SQLite has no exact decimal type (SQLAlchemy would go through float), and cents
keep both backends identical. The Python side always sees ``Decimal`` euros.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Dialect
from sqlalchemy.types import TypeDecorator

from tierspayant.core.money import from_cents, to_cents


class Euros(TypeDecorator[Decimal]):
    """``Decimal`` euros in Python, integer cents in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        return None if value is None else to_cents(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_cents(int(value))
