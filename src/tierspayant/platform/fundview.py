"""What the platform shows of the fund side: the payments due (the fund engine's facade adapted here)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel


class PaymentDue(BaseModel):
    due_date: date
    provider_code: str
    amount: Decimal
    reference: str = ""


class FundView(Protocol):
    def payments_due(self) -> list[PaymentDue]: ...
