"""The columnar writer: whole frames of typed values → record texts, one Polars expression per zone.

The vectorised twin of :func:`tierspayant.schemes.be_nursing.formats.records.format_record` (tests keep the two in
step):
used to build big sendings and replies without a Python loop per record.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from tierspayant.schemes.be_nursing.formats.frames import record_checks_of_uniform
from tierspayant.schemes.be_nursing.formats.records import neutral_text
from tierspayant.schemes.be_nursing.formats.zones import CHECKED_LENGTH, RecordLayout, Zone


def zone_text(zone: Zone, frame_columns: set[str], record_type: str) -> pl.Expr:
    """The text of one zone from the frame's column of the same name (neutral when absent or null).

    Values must fit their zone (as :func:`format_record` would require); text is assumed to be eFact ASCII.
    """
    if zone.name not in frame_columns:
        if zone.name == "record_type":
            return pl.lit(record_type)
        return pl.lit(neutral_text(zone))
    column = pl.col(zone.name)
    if zone.kind == "A":
        return column.fill_null("").str.slice(0, zone.length).str.pad_end(zone.length, " ")
    if zone.kind == "S":
        digits = column.fill_null(0).abs().cast(pl.Utf8).str.zfill(zone.length - 1)
        sign = pl.when(column.fill_null(0) < 0).then(pl.lit("-")).otherwise(pl.lit("+"))
        return pl.concat_str(sign, digits)
    if zone.is_date:
        return column.dt.strftime("%Y%m%d").fill_null("0" * zone.length)
    return column.fill_null(0).cast(pl.Utf8).str.zfill(zone.length)


def format_records(layout: RecordLayout, frame: pl.DataFrame, *, with_check: bool = True) -> pl.Series:
    """One record text per row; columns named after zones give the values, other zones are neutral.

    ``with_check=False`` returns the 348 characters before the check digits (records 10..90), for callers that
    still change the text (the sequence number) before computing them.
    """
    columns = set(frame.columns)
    zones = [z for z in layout.zones if not (layout.has_check_digits and z.name == "check_digits")]
    pieces: list[pl.Expr] = []
    pending = ""
    for zone in zones:  # neighbouring constant zones are merged into one literal
        expr = zone_text(zone, columns, layout.record_type)
        if zone.name not in columns:
            pending += neutral_text(zone) if zone.name != "record_type" else layout.record_type
            continue
        if pending:
            pieces.append(pl.lit(pending))
            pending = ""
        pieces.append(expr)
    if pending:
        pieces.append(pl.lit(pending))
    texts = frame.select(pl.concat_str(pieces).alias("text"))["text"]
    if layout.has_check_digits and with_check:
        return with_record_checks(texts)
    return texts


def contiguous_bytes(texts: pl.Series) -> bytes:
    """The texts one after the other, as bytes, taken from the Arrow buffer (one copy, no Python string)."""
    array = texts.to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.cast(pa.large_string())
    offsets = pa.Array.from_buffers(pa.int64(), len(array) + 1, [None, array.buffers()[1]], offset=array.offset)
    start, end = offsets[0].as_py(), offsets[-1].as_py()
    data: bytes = array.buffers()[2][start:end].to_pybytes()
    return data


def with_record_checks(bodies: pl.Series) -> pl.Series:
    """348-character record bodies → full records with their check digits, computed for all rows at once."""
    if bodies.len() == 0:
        return bodies
    if not bool((bodies.str.len_bytes() == CHECKED_LENGTH).all()):
        raise ValueError(f"every record body must be {CHECKED_LENGTH} ASCII characters")
    checks = record_checks_of_uniform(contiguous_bytes(bodies), CHECKED_LENGTH, bodies.len())
    return pl.select(pl.concat_str(pl.lit(bodies), pl.lit(checks).cast(pl.Utf8).str.zfill(2)).alias("text")).to_series()
