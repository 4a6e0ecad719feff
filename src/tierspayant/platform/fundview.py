"""What the platform shows of the fund side: payments due and explained findings (see :mod:`.processing`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel


class PaymentDue(BaseModel):
    due_date: date
    provider_code: str
    amount: Decimal
    reference: str = ""


class FundView(Protocol):
    def payments_due(self) -> list[PaymentDue]: ...

    def explain(self, path: Path) -> list[dict[str, Any]]: ...
