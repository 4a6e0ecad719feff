"""The columnar reader and writer agree with the record-by-record ones, for every record type."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierspayant.schemes.be_nursing.examples import sample_model
from tierspayant.schemes.be_nursing.formats.columnar import format_records
from tierspayant.schemes.be_nursing.formats.frames import read_sending, typed_frame
from tierspayant.schemes.be_nursing.formats.messages import render_920000
from tierspayant.schemes.be_nursing.formats.records import format_record, parse_record
from tierspayant.schemes.be_nursing.formats.zones import RECORDS

from .strategies import record_values

BODY_TYPES = ["10", "20", "50", "51", "52", "80", "90", "95", "96", "91", "92"]


@pytest.mark.parametrize("record_type", BODY_TYPES)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_frame_reader_equals_record_reader(record_type: str, data: st.DataObject) -> None:
    layout = RECORDS[record_type]
    rows: list[dict[str, Any]] = data.draw(st.lists(record_values(layout), min_size=1, max_size=5))
    texts = [format_record(layout, row) for row in rows]
    frame = typed_frame(pl.DataFrame({"line": texts}), layout)
    for text, typed in zip(texts, frame.iter_rows(named=True), strict=True):
        expected = parse_record(layout, text)
        for name, value in typed.items():
            if isinstance(expected[name], int) and expected[name] >= 2**63:
                continue
            assert value == (expected[name] if not isinstance(value, str) else str(expected[name])), name


@pytest.mark.parametrize("record_type", BODY_TYPES)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_columnar_writer_equals_record_writer(record_type: str, data: st.DataObject) -> None:
    layout = RECORDS[record_type]
    rows = data.draw(st.lists(record_values(layout), min_size=1, max_size=5))
    names = [z.name for z in layout.zones if z.name not in {"record_type", "check_digits"}]
    schema = {z.name: (pl.Utf8 if z.kind == "A" else pl.Date if z.is_date else pl.Int64)
              for z in layout.zones if z.name in names and not (z.kind == "N" and z.length > 18 and not z.is_date)}
    frame = pl.DataFrame([{k: row[k] for k in schema} for row in rows], schema=schema)
    vectorised = format_records(layout, frame).to_list()
    one_by_one = [format_record(layout, {k: row[k] for k in schema}) for row in rows]
    assert vectorised == one_by_one


def test_impossible_date_is_a_finding() -> None:
    lines = render_920000(sample_model())
    i = next(i for i, line in enumerate(lines) if i >= 2 and line.startswith("50"))
    from tierspayant.schemes.be_nursing.formats.checks import with_record_check

    lines[i] = with_record_check(lines[i][:16] + "20241301" + lines[i][24:348])
    sending = read_sending(("\n".join(lines) + "\n").encode(), "d.txt")
    bad = sending.errors.filter(pl.col("code") == "500501")
    assert bad["location"].to_list() == ["record 50 zone 5 (positions 17–24)"]
