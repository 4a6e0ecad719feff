from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.schemes.lu_kin.pricing import (
    COEFFICIENT_SCALE,
    KEY_VALUE_SCALE,
    RATE_SCALE,
    official_tariff,
    price,
    price_frame,
    price_lines,
    scaled,
)
from tierspayant.schemes.lu_kin.reference import load_sample_reference


@pytest.mark.parametrize(
    ("coefficient", "key_value", "tariff"),
    [
        ("1", "21.005", "21.01"),  # exactly half a cent rounds up
        ("1", "21.0049", "21.00"),  # below half rounds down
        ("0.5", "10.01", "5.01"),  # 5.005 → 5.01
        ("3", "1.66833", "5.00"),  # 5.00499 → 5.00
        ("1.25", "14.49", "18.11"),  # 18.1125 → 18.11
    ],
)
def test_tariff_rounds_half_up(coefficient: str, key_value: str, tariff: str) -> None:
    assert official_tariff(Decimal(coefficient), Decimal(key_value)) == Decimal(tariff)


def test_insured_share_half_up_and_shares_add_up() -> None:
    line = price(Decimal("1"), Decimal("21.05"), Decimal("70"))
    assert line.tariff == Decimal("21.05")
    assert line.insured_share == Decimal("6.32")  # 30 % of 21.05 = 6.315 → 6.32
    assert line.fund_share == Decimal("14.73")
    assert price(Decimal("1"), Decimal("21.05"), Decimal("100")).insured_share == Decimal("0.00")


def test_rate_outside_0_100_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        price(Decimal(1), Decimal(1), Decimal("100.5"))


def test_scaled_refuses_extra_decimals() -> None:
    assert scaled(Decimal("1.2345"), COEFFICIENT_SCALE, "coefficient") == 12345
    with pytest.raises(ValueError, match="decimals"):
        scaled(Decimal("1.23456"), COEFFICIENT_SCALE, "coefficient")


decimals = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)
key_values = st.decimals(min_value=0, max_value=200, places=5, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=50)
@given(st.lists(st.tuples(decimals, key_values, rates), min_size=1, max_size=20))
def test_batch_pricing_agrees_with_decimal_pricing(cases: list[tuple[Decimal, Decimal, Decimal]]) -> None:
    frame = pl.DataFrame(
        {
            "coefficient_e4": [scaled(c, COEFFICIENT_SCALE, "c") for c, _, _ in cases],
            "key_value_e5": [scaled(k, KEY_VALUE_SCALE, "k") for _, k, _ in cases],
            "rate_e2": [scaled(r, RATE_SCALE, "r") for _, _, r in cases],
        },
        schema={"coefficient_e4": pl.Int64, "key_value_e5": pl.Int64, "rate_e2": pl.Int64},
    )
    priced = price_frame(frame).collect()
    for (coefficient, key_value, rate), row in zip(cases, priced.iter_rows(named=True), strict=True):
        expected = price(coefficient, key_value, rate)
        assert row["tariff_cents"] == int(expected.tariff * 100)
        assert row["insured_cents"] == int(expected.insured_share * 100)
        assert row["fund_cents"] == int(expected.fund_share * 100)


# --- price_lines: every line of a batch priced by the reference tables, checked against ``price`` line by line ---

_REFERENCE = load_sample_reference()
_ACTS = [*sorted(set(_REFERENCE["nomenclature"]["act_code"].to_list())), "ZZ99"]  # ZZ99: in no nomenclature
_TITRES = pl.DataFrame(
    {"titre_id": ["T1", "T2", "T3"], "rate_e2": [8800, 10000, 0]},
    schema={"titre_id": pl.Utf8, "rate_e2": pl.Int64},
)


def _expected(act: str, day: date, titre: str) -> tuple[int | None, int | None, int | None]:
    """One line's (tariff, insured, fund) cents from the tables read row by row, priced by ``price``."""
    acts = _REFERENCE["nomenclature"].filter(
        (pl.col("act_code") == act) & (pl.col("valid_from") <= day) & (pl.col("valid_to") >= day)
    )
    if acts.height == 0:
        return None, None, None
    act_row = acts.row(0, named=True)
    keys = _REFERENCE["letter_keys"].filter(
        (pl.col("letter_key") == act_row["letter_key"]) & (pl.col("valid_from") <= day) & (pl.col("valid_to") >= day)
    )
    if keys.height == 0:
        return None, None, None
    coefficient, key_value = act_row["coefficient"], keys.row(0, named=True)["value"]
    tariff = int(official_tariff(coefficient, key_value) * 100)
    rates = _TITRES.filter(pl.col("titre_id") == titre)
    if rates.height == 0:
        return tariff, None, None
    line = price(coefficient, key_value, Decimal(rates.row(0, named=True)["rate_e2"]) / RATE_SCALE)
    return tariff, int(line.insured_share * 100), int(line.fund_share * 100)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_ACTS),
            st.dates(min_value=date(2009, 6, 1), max_value=date(2025, 12, 31)),
            st.sampled_from(["T1", "T2", "T3", "T-unknown"]),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_price_lines_agrees_with_pricing_line_by_line(rows: list[tuple[str, date, str]]) -> None:
    lines = pl.DataFrame(
        {
            "row_id": list(range(len(rows))),
            "act_code": [act for act, _, _ in rows],
            "service_date": [day for _, day, _ in rows],
            "titre_id": [titre for _, _, titre in rows],
        },
        schema={"row_id": pl.Int64, "act_code": pl.Utf8, "service_date": pl.Date, "titre_id": pl.Utf8},
    )
    priced = price_lines(lines, _REFERENCE["nomenclature"], _REFERENCE["letter_keys"], _TITRES)
    assert priced["row_id"].to_list() == lines["row_id"].to_list()  # the lines' order
    got = priced.select("tariff_cents", "insured_cents", "fund_cents").rows()
    assert got == [_expected(act, day, titre) for act, day, titre in rows]


def test_price_lines_gives_one_chunk_per_column() -> None:
    # The rules take the lines (one chunk per column, as the reader makes them) and their prices side by side as one
    # Arrow table: prices cut in pieces would make that table a copy of everything.
    size = 200_000  # enough rows for a parallel engine to cut its output in pieces
    lines = pl.DataFrame(
        {
            "row_id": pl.int_range(size, eager=True),
            "act_code": ["ZK11", "ZZ99"] * (size // 2),
            "service_date": [date(2024, 3, 1)] * size,
            "titre_id": ["T1", "T-unknown"] * (size // 2),
        }
    )
    assert set(lines.n_chunks("all")) == {1}
    priced = price_lines(lines, _REFERENCE["nomenclature"], _REFERENCE["letter_keys"], _TITRES)
    assert set(priced.n_chunks("all")) == {1}
    assert "coefficient_e4" not in priced.columns and priced.height == size
