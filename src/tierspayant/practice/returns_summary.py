"""What importing a return file did, for the user (and the web page) to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tierspayant.core.findings import Finding


@dataclass
class ImportSummary:
    file_name: str
    file_type: str  # RETAUT | RETFAC
    status: str  # imported | already imported | returned untreated
    accords: int = 0
    refusals: int = 0
    suspensions: int = 0
    titres: list[str] = field(default_factory=list)
    lines_paid: int = 0
    lines_reduced: int = 0
    lines_refused: int = 0
    amount_asked: Decimal = Decimal("0.00")
    amount_covered: Decimal = Decimal("0.00")
    # refusals, suspensions and contested lines, each with the fund's anomaly label and what to do
    notices: list[Finding] = field(default_factory=list)

    @property
    def amount_contested(self) -> Decimal:
        return self.amount_asked - self.amount_covered

    @property
    def changed(self) -> bool:
        return self.status != "already imported"
