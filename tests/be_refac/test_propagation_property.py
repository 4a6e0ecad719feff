"""Propagation against a plain, record-by-record statement of the rule, on random small files."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.core.rules.engine import FINDING_COLUMNS
from tierspayant.schemes.be_nursing.mutuality.propagation import propagate
from tierspayant.schemes.be_nursing.mutuality.tables import build_tables

from .helpers import DAY, OTHER, PLAIN, history, invoices_for, lines, sample_reference

LINE = st.fixed_dictionaries(
    {
        "niss": st.sampled_from([PLAIN, OTHER]),
        "day": st.integers(0, 2),
        "statistical": st.booleans(),
        "faulty": st.booleans(),
    }
)


@settings(max_examples=30, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=12), st.sets(st.sampled_from([PLAIN, OTHER]), max_size=1))
def test_rejected_iff_own_error_or_same_block_day_or_invoice(rows: list[dict[str, object]], bad: set[str]) -> None:
    # one invoice per patient, lines in the given order
    keys = {PLAIN: 2, OTHER: 500}
    batch = lines(
        *[
            {
                "niss": r["niss"],
                "invoice_key": keys[str(r["niss"])],
                "invoice_index": 1 if r["niss"] == PLAIN else 2,
                "first_service_date": DAY + timedelta(days=int(str(r["day"]))),
                "nomenclature_code": 425736 if r["statistical"] else 424255,
                "service_norm": 9 if r["statistical"] else 0,
            }
            for r in rows
        ]
    ).sort(["invoice_key", "key"])
    table = build_tables(batch, invoices_for(batch), history(), sample_reference())["lines"]
    findings = [("r", "500545", "line", "reject_line", 10 + i, None) for i, r in enumerate(rows) if r["faulty"]]
    findings += [("u", "200742", "invoice", "reject_block", keys[n], None) for n in bad]
    frame = pl.DataFrame(
        [(a, b, c, d, str(k), e) for a, b, c, d, k, e in findings], schema=FINDING_COLUMNS, orient="row"
    ).with_columns(pl.col("key").cast(pl.Int64))
    result = propagate(table, frame)

    # the oracle: blocks by walking each invoice's lines in order
    ordered = sorted(range(len(rows)), key=lambda i: (keys[str(rows[i]["niss"])], i))
    block: dict[int, tuple[str, int]] = {}
    counters: dict[str, int] = {}
    for i in ordered:
        niss = str(rows[i]["niss"])
        number = counters.get(niss, 0)
        block[i] = (niss, number)
        if not rows[i]["statistical"]:
            counters[niss] = number + 1
    faulty = {i for i, r in enumerate(rows) if r["faulty"]}
    expected = {}
    for i, r in enumerate(rows):
        rejected = (
            i in faulty
            or r["niss"] in bad
            or any(block[j] == block[i] for j in faulty)
            or any(rows[j]["niss"] == r["niss"] and rows[j]["day"] == r["day"] for j in faulty)
        )
        expected[10 + i] = "rejected" if rejected else "accepted"
    assert dict(zip(result.lines["key"], result.lines["status"], strict=True)) == expected
    own = sum(1 for i, r in enumerate(rows) if i in faulty or r["niss"] in bad)
    assert result.lines_in_error == own
