"""The file decision: a blocking error or an error percentage over 5 % rejects the whole file (920099, refusal type
01 / 02); otherwise the file is accepted: a 920098 lists its errors for information and the 920900 settles it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tierspayant.schemes.be_nursing.mutuality.propagation import Propagated

THRESHOLD_PERCENT = Decimal("5.00")
BLOCKING_REFUSAL = "01"
RATE_REFUSAL = "02"

REJECTION = "920099"
INFORMATIVE = "920098"
SETTLEMENT = "920900"
REFUSAL = "920999"


@dataclass(frozen=True)
class FileDecision:
    accepted: bool
    refusal_type: str | None  # "01" blocking error(s), "02" more than 5 % of lines in error
    error_percentage: Decimal  # lines in error / lines × 100, two decimals, half-up
    replies: tuple[str, ...]  # in the order they are sent: ("920099",) or ("920098", "920900") or ("920900",)
    line_count: int
    lines_in_error: int
    accepted_lines: int
    rejected_lines: int
    accepted_cents: int
    rejected_cents: int


def error_percentage(lines_in_error: int, line_count: int) -> Decimal:
    """Percentage of the service lines (records 50) with an error of their own or of their invoice.

    Lines rejected only by propagation (500119 / 500118) do not count: they are consequences, and disappear once
    the faulty line is corrected. An empty file has 0 %.
    """
    if line_count == 0:
        return Decimal("0.00")
    return (Decimal(lines_in_error) * 100 / Decimal(line_count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def decide(propagated: Propagated, blocking: bool, has_errors_to_report: bool) -> FileDecision:
    """``blocking``: a blocking (B) error or a rule with effect reject_file was found;
    ``has_errors_to_report``: some record carries a code (rejection or information) — a 920098 is then sent."""
    rate = error_percentage(propagated.lines_in_error, propagated.line_count)
    over = rate > THRESHOLD_PERCENT
    if blocking or over:
        return FileDecision(
            accepted=False,
            refusal_type=BLOCKING_REFUSAL if blocking else RATE_REFUSAL,
            error_percentage=rate,
            replies=(REJECTION,),
            line_count=propagated.line_count,
            lines_in_error=propagated.lines_in_error,
            accepted_lines=0,
            rejected_lines=propagated.line_count,
            accepted_cents=0,
            rejected_cents=propagated.cents("accepted") + propagated.cents("rejected"),
        )
    return FileDecision(
        accepted=True,
        refusal_type=None,
        error_percentage=rate,
        replies=(INFORMATIVE, SETTLEMENT) if has_errors_to_report else (SETTLEMENT,),
        line_count=propagated.line_count,
        lines_in_error=propagated.lines_in_error,
        accepted_lines=propagated.line_count - propagated.rejected_lines,
        rejected_lines=propagated.rejected_lines,
        accepted_cents=propagated.cents("accepted"),
        rejected_cents=propagated.cents("rejected"),
    )
