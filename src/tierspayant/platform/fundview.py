"""What the platform shows of the fund side: payments due and explained findings (see :mod:`.processing`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from tierspayant.platform.accounts import Principal


class PaymentDue(BaseModel):
    due_date: date
    provider_code: str
    amount: Decimal
    reference: str = ""


class FundView(Protocol):
    def payments_due(self) -> list[PaymentDue]: ...

    def explain(self, path: Path, findings: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]: ...


def handles(fund: object, file_name: str, agent: Principal) -> bool:
    """A fund agent of one scheme sees that scheme's deposits only (the platform may serve several funds)."""
    belongs_to = getattr(fund, "belongs_to", None)
    return belongs_to is None or bool(belongs_to(file_name, agent.scheme))


def payments_for(fund: FundView | None, agent: Principal) -> list[PaymentDue]:
    """The payments due by the agent's own fund (every fund's for an agent of no scheme)."""
    if fund is None:
        return []
    by_scheme = getattr(fund, "payments_due_for", None)
    return list(by_scheme(agent.scheme)) if by_scheme is not None else fund.payments_due()
