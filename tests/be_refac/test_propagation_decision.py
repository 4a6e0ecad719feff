"""Propagation (500119 block, 500118 day), the 5 % threshold on both sides, and the payment date."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest

from tierspayant.core.rules.engine import FINDING_COLUMNS
from tierspayant.schemes.be_nursing.mutuality.decision import decide, error_percentage
from tierspayant.schemes.be_nursing.mutuality.payment import schedule_payment
from tierspayant.schemes.be_nursing.mutuality.propagation import propagate
from tierspayant.schemes.be_nursing.mutuality.tables import build_tables

from .helpers import DAY, FIRST_VISIT, INJECTION, OTHER, history, invoices_for, lines, sample_reference


def _findings(*rows: tuple[str, str, str, str, int, str | None]) -> pl.DataFrame:
    """(rule, code, level, effect, key, detail)"""
    return pl.DataFrame(
        [(r, c, lv, e, str(k), d) for r, c, lv, e, k, d in rows], schema=FINDING_COLUMNS, orient="row"
    ).with_columns(pl.col("key").cast(pl.Int64))


def _table(batch: pl.DataFrame) -> pl.DataFrame:
    return build_tables(batch, invoices_for(batch), history(), sample_reference())["lines"]


def _errors(propagated_errors: pl.DataFrame) -> dict[int, list[str]]:
    return {r["record_index"]: r["codes"] for r in propagated_errors.iter_rows(named=True)}


def test_rejected_line_rejects_its_day_with_500118_and_spares_other_days_and_patients() -> None:
    batch = _table(
        lines(
            {"nomenclature_code": FIRST_VISIT},
            {"nomenclature_code": INJECTION},
            {"nomenclature_code": INJECTION, "first_service_date": DAY + timedelta(days=1)},
            {"nomenclature_code": INJECTION, "niss": OTHER, "invoice_key": 50, "invoice_index": 2},
        )
    )
    result = propagate(batch, _findings(("r", "500545", "line", "reject_line", 10, "Hospitalisé")))
    assert _errors(result.errors) == {10: ["500545"], 11: ["500118"]}
    assert result.lines["status"].to_list() == ["rejected", "rejected", "accepted", "accepted"]
    assert result.lines_in_error == 1
    comments = dict(zip(result.errors["record_index"], result.errors["comment"], strict=True))
    assert comments == {10: "Hospitalisé", 11: "Erreur dans l'enregistrement 10 du même jour"}


def test_statistical_records_and_their_flat_fee_form_a_block_500119() -> None:
    # norm-9 statistical lines (425736) precede the flat fee (425272) they justify; the next line is its own block
    batch = _table(
        lines(
            {"nomenclature_code": 425736, "service_norm": 9},
            {"nomenclature_code": 425736, "service_norm": 9},
            {"nomenclature_code": 425272},
            {"nomenclature_code": INJECTION, "first_service_date": DAY + timedelta(days=1)},
        )
    )
    result = propagate(batch, _findings(("r", "500444", "line", "reject_line", 12, None)))
    assert _errors(result.errors) == {10: ["500119"], 11: ["500119"], 12: ["500444"]}
    assert result.rejected_lines == 3


def test_attached_records_51_52_follow_their_line() -> None:
    batch = _table(lines({}, {"first_service_date": DAY + timedelta(days=1)}))
    attached = pl.DataFrame({"record_index": [20, 21], "line_key": [10, 11]})
    result = propagate(batch, _findings(("r", "500112", "line", "reject_line", 10, None)), attached)
    assert _errors(result.errors) == {10: ["500112"], 20: ["500119"]}


def test_invoice_level_rejection_rejects_every_line_of_the_invoice() -> None:
    batch = _table(lines({}, {"first_service_date": DAY + timedelta(days=3)}))
    result = propagate(batch, _findings(("u", "200742", "invoice", "reject_block", 2, "NISS inconnu")))
    assert _errors(result.errors) == {2: ["200742"], 10: ["500119"], 11: ["500119"]}
    assert result.lines_in_error == 2


def test_informative_findings_reject_nothing_and_at_most_three_codes() -> None:
    batch = _table(lines({}))
    findings = _findings(
        ("i", "500452", "line", "inform", 10, "info"),
        ("a", "500545", "line", "reject_line", 10, None),
        ("b", "500444", "line", "reject_line", 10, "autre"),
        ("c", "500445", "line", "reject_line", 10, None),
    )
    result = propagate(batch, findings)
    assert _errors(result.errors) == {10: ["500545", "500444", "500445"]}
    assert result.errors["comment"].to_list() == ["autre"]
    informative = propagate(batch, _findings(("i", "500452", "line", "inform", 10, "info")))
    assert informative.rejected_lines == 0 and informative.errors["informative_only"].to_list() == [True]


@pytest.mark.parametrize(
    ("in_error", "total", "percent", "accepted", "refusal"),
    [
        (5, 100, "5.00", True, None),  # exactly 5.00 % — not over the threshold
        (6, 100, "6.00", False, "02"),
        (20, 400, "5.00", True, None),  # 5.00 % ...
        (20, 399, "5.01", False, "02"),  # ... and one line fewer: 5.0125 → 5.01 %, the first rate over 5 %
        (1, 19, "5.26", False, "02"),  # 5.263… %
        (1, 20, "5.00", True, None),  # 5.00 %
        (10, 201, "4.98", True, None),  # 4.975… → 4.98 %
        (0, 0, "0.00", True, None),
    ],
)
def test_five_percent_threshold_on_both_sides(
    in_error: int, total: int, percent: str, accepted: bool, refusal: str | None
) -> None:
    rows = [{"first_service_date": DAY + timedelta(days=i)} for i in range(total)]
    batch = _table(lines(*rows)) if total else _table(lines({})).clear()
    findings = _findings(*[("r", "500545", "line", "reject_line", 10 + i, None) for i in range(in_error)])
    decision = decide(propagate(batch, findings), blocking=False, has_errors_to_report=in_error > 0)
    assert decision.accepted is accepted
    assert decision.refusal_type == refusal
    assert decision.error_percentage == Decimal(percent)  # written here, not computed by error_percentage()
    if accepted:
        assert decision.replies == (("920098", "920900") if in_error else ("920900",))
        assert decision.rejected_lines == in_error and decision.accepted_cents == (total - in_error) * 1000
    else:
        assert decision.replies == ("920099",)


def test_blocking_error_rejects_whatever_the_percentage() -> None:
    batch = _table(lines({}))
    decision = decide(propagate(batch, _findings()), blocking=True, has_errors_to_report=True)
    assert (decision.accepted, decision.refusal_type, decision.error_percentage) == (False, "01", Decimal("0.00"))


def test_error_percentage_rounds_half_up() -> None:
    assert error_percentage(1, 3) == Decimal("33.33")
    assert error_percentage(1, 8) == Decimal("12.50")
    assert error_percentage(1, 16) == Decimal("6.25")
    assert error_percentage(1, 1600) == Decimal("0.06")  # 0.0625 → 0.06
    assert error_percentage(1, 800) == Decimal("0.13")  # 0.125 → 0.13


def test_payment_two_weeks_after_reception_whatever_the_processing_order() -> None:
    first = schedule_payment(datetime(2025, 4, 2, 9), 1)
    assert (first.order, first.payment_date) == (1, date(2025, 4, 16))
    # received on 1 April but processed after the others: its own reception + 14 days, never with the later ones
    late_processed = schedule_payment(datetime(2025, 4, 1, 23, 59), 1)
    assert (late_processed.order, late_processed.payment_date) == (1, date(2025, 4, 15))
