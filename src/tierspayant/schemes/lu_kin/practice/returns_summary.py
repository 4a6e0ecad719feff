"""What importing a return file did, for the user (and the web page) to read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from tierspayant.core.findings import Finding
from tierspayant.core.money import ZERO
from tierspayant.schemes.lu_kin.formats.models import Anomaly


def anomaly_labels(anomalies: Iterable[Anomaly]) -> str:
    """The fund's anomalies as the user reads them: ``K209 label (remark); K212 label``."""
    return "; ".join(f"{a.code} {a.label}" + (f" ({a.remark})" if a.remark else "") for a in anomalies)


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
    amount_asked: Decimal = ZERO
    amount_covered: Decimal = ZERO
    # refusals, suspensions and contested lines, each with the fund's anomaly label and what to do
    notices: list[Finding] = field(default_factory=list)

    @property
    def amount_contested(self) -> Decimal:
        return self.amount_asked - self.amount_covered

    @property
    def changed(self) -> bool:
        return self.status != "already imported"
