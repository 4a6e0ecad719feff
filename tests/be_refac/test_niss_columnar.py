"""The column-wise NISS check of the REFAC tables says exactly what ``core.identifiers.niss.check_niss`` says."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.core.identifiers.niss import check_niss, compute_niss
from tierspayant.schemes.be_nursing.mutuality.tables import niss_valid, with_niss_check

ELEVEN_DIGITS = st.text(alphabet="0123456789", min_size=11, max_size=11)
VALID = st.builds(
    compute_niss,
    st.dates(date(1900, 1, 1), date(2099, 12, 31)),
    st.integers(1, 997),
    st.sampled_from([None, 20, 40]),
)


def columnar(texts: Sequence[str | None]) -> list[bool]:
    return pl.DataFrame({"niss": texts}, schema={"niss": pl.Utf8}).select(niss_valid())["niss"].to_list()


@settings(max_examples=300, deadline=None)
@given(st.lists(ELEVEN_DIGITS | VALID | VALID.map(lambda n: n[:9] + f"{(int(n[9:]) + 1) % 100:02d}"), max_size=40))
def test_same_verdict_as_check_niss(texts: list[str]) -> None:
    assert columnar(texts) == [check_niss(t).valid for t in texts]


def test_examples() -> None:
    texts = [
        "85073003328",  # valid, born 1985
        "00010100105",  # valid from 2000 (check on 2 000 000 000 + ...)
        "85073003329",  # wrong check
        "85023003355",  # 30 February
        "85000012345",  # month and day unknown: day 00 allowed
        "85273003359",  # BIS month + 20
        "85073099859",  # serial 998
        "8507300332",  # 10 digits
        "8507300332A",
        None,
    ]
    expected = [False if t is None else check_niss(t).valid for t in texts]
    assert columnar(texts) == expected
    assert expected[:3] == [True, True, False]  # independent of the function under test: literal verdicts
    frame = with_niss_check(pl.DataFrame({"niss": ["85073003328", "85073003329"]}))
    assert frame["niss_valid"].to_list() == [True, False]
