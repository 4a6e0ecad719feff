"""Read a 920000 sending into typed Polars frames, one per record type, checking its structure set-at-a-time.

The fast path never loops over records in Python: the file's bytes become one Arrow string column without copying
(records of a fixed width), the record check digits are computed for all records at once (``bytes.translate`` maps
each character to its value, a fixed-size array sum adds them up), every zone's format is checked by one regular
expression per record type, and the columns are cut with ``str.slice`` per zone. Files that are not uniform (a
record of the wrong length, non-ASCII bytes) go through the same checks on a column built line by line.

Findings carry the eFact error code (official list; project codes ``E…`` for the envelope), the file, the record
index (its line in the file, 1-based: segment 200 is 1, segment 300 is 2, record 10 is 3) and the zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
import pyarrow as pa

from tierspayant.core.findings import Effect, Finding
from tierspayant.schemes.be_nursing.formats import error_codes
from tierspayant.schemes.be_nursing.formats.checks import (
    DEFAULT_POLICY,
    CheckNumberPolicy,
    byte_value_table,
    mod97,
    record_check,
)
from tierspayant.schemes.be_nursing.formats.records import ZoneError, parse_value
from tierspayant.schemes.be_nursing.formats.zones import (
    BODY_RECORD_TYPES,
    CHECKED_LENGTH,
    RECORD_LENGTH,
    RECORDS,
    SEGMENT_200,
    SEGMENT_300,
    RecordLayout,
    Zone,
)

MAX_FILE_BYTES = 2 * 1024**3
SEGMENT_200_LENGTH = SEGMENT_200.length
SEGMENT_300_LENGTH = SEGMENT_300.length
FIRST_BODY_INDEX = 3  # record index of record 10 (segments 200 and 300 are 1 and 2)
FILE_RECORD_TYPES = (*BODY_RECORD_TYPES, "95", "96")
RULE = "efact-structure"
# Zone 2 has 6 digits: a sending holds at most 999,999 records. Bigger (benchmark) files wrap to 000000.
SEQUENCE_MODULUS = 1_000_000

# Which record may precede which (None = the first record after segment 300).
ALLOWED_PREVIOUS: dict[str, frozenset[str | None]] = {
    "10": frozenset({None}),
    "20": frozenset({"10", "80"}),
    "50": frozenset({"20", "50", "51", "52"}),
    "51": frozenset({"50"}),
    "52": frozenset({"50", "51"}),
    "80": frozenset({"50", "51", "52"}),
    "90": frozenset({"80"}),
    "95": frozenset({"90", "95"}),
    "96": frozenset({"95"}),
}
ERROR_SCHEMA: dict[str, Any] = {
    "record_index": pl.Int64,
    "record_type": pl.Utf8,
    "code": pl.Utf8,
    "location": pl.Utf8,
    "message": pl.Utf8,
}
TOTAL_COLUMNS_50 = ("nomenclature_code", "insurance_amount", "account_reference")
EFFECT_OF_TYPE = {"B": Effect.REJECT_FILE, "F": Effect.REJECT_BLOCK, "R": Effect.REJECT_LINE}
_VALUE_TABLE = bytes(byte_value_table())


# --- the result -----------------------------------------------------------------------------------------------------


@dataclass
class Sending:
    """A read 920000: typed header fields, one frame per record type, and every structural problem found."""

    name: str
    segment_200: dict[str, Any]
    segment_300: dict[str, Any]
    frames: dict[str, pl.DataFrame]
    raw: pl.DataFrame  # record_index, record_type, line (the body records as read)
    errors: pl.DataFrame  # every problem: record_index, record_type, code, location, message
    findings: list[Finding]  # the same, capped per code, for people
    policy: CheckNumberPolicy = field(default=DEFAULT_POLICY)

    @property
    def ok(self) -> bool:
        return self.errors.height == 0

    @property
    def blocking(self) -> bool:
        """True when any problem is blocking (type B): the file cannot be processed."""
        return any(error_codes.is_blocking(code) for code in self.errors["code"].unique().to_list())

    def single(self, record_type: str) -> dict[str, Any] | None:
        """The first record of a type as a dict (records 10, 90, 96)."""
        frame = self.frames.get(record_type)
        if frame is None or frame.height == 0:
            return None
        return frame.row(0, named=True)

    @property
    def record_10(self) -> dict[str, Any] | None:
        return self.single("10")

    @property
    def record_90(self) -> dict[str, Any] | None:
        return self.single("90")

    @property
    def record_96(self) -> dict[str, Any] | None:
        return self.single("96")

    @property
    def sending_number(self) -> int | None:
        value = self.segment_300.get("sending_number")
        return value if isinstance(value, int) else None

    @property
    def invoiced_period(self) -> int | None:
        value = self.segment_300.get("invoiced_period")
        return value if isinstance(value, int) else None

    @property
    def is_test(self) -> bool:
        return self.segment_200.get("message_type") == 92


# --- loading and splitting ------------------------------------------------------------------------------------------


@dataclass
class _Body:
    lines: pl.Series  # Utf8, one record per row, as read (without line ends)
    checks: pl.Series | None  # computed record check per row when the body was uniform (fast path)


class _Errors:
    """Collects problems as small frames (vectorised) or single rows."""

    def __init__(self) -> None:
        self.frames: list[pl.DataFrame] = []
        self.rows: list[dict[str, Any]] = []

    def add(self, index: int | None, record_type: str | None, code: str, location: str | None, message: str) -> None:
        self.rows.append(
            {"record_index": index, "record_type": record_type, "code": code, "location": location, "message": message}
        )

    def add_frame(self, frame: pl.DataFrame) -> None:
        if frame.height:
            self.frames.append(frame.select(list(ERROR_SCHEMA)).cast(dict(ERROR_SCHEMA.items())))

    def frame(self) -> pl.DataFrame:
        parts = [*self.frames, pl.DataFrame(self.rows, schema=ERROR_SCHEMA)]
        return pl.concat(parts).sort("record_index", nulls_last=True, maintain_order=True)


def load_bytes(source: Path | bytes, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    else:
        size = Path(source).stat().st_size
        if size > max_bytes:
            raise ValueError(f"{source}: {size} bytes, more than the limit of {max_bytes}")
        data = Path(source).read_bytes()
    if len(data) > max_bytes:
        raise ValueError(f"{len(data)} bytes, more than the limit of {max_bytes}")
    return data


def _split_segments(data: bytes) -> tuple[str, str, int, bool]:
    """Segment 200, segment 300, where the body starts, and whether records are separated by line ends."""
    both = SEGMENT_200_LENGTH + SEGMENT_300_LENGTH
    first_end = data.find(b"\n", 0, both + 2)
    if first_end >= 0:
        first = data[:first_end].rstrip(b"\r").decode("latin-1")
        if len(first) == both:  # both segments on one line
            return first[:SEGMENT_200_LENGTH], first[SEGMENT_200_LENGTH:], first_end + 1, True
        second_end = data.find(b"\n", first_end + 1)
        if second_end < 0:
            second_end = len(data)
        second = data[first_end + 1 : second_end].rstrip(b"\r").decode("latin-1")
        return first, second, second_end + 1, True
    head = data[:both].decode("latin-1")
    return head[:SEGMENT_200_LENGTH], head[SEGMENT_200_LENGTH:], both, False


def body_offset(data: bytes) -> int:
    """Where the records after segments 200 and 300 start in a file's bytes (as the reader splits them)."""
    return min(_split_segments(data)[2], len(data))


def _u8(data: bytes) -> pl.Series:
    return pl.from_arrow(pa.Array.from_buffers(pa.uint8(), len(data), [None, pa.py_buffer(data)]))  # type: ignore[return-value]


CHECK_BLOCK_RECORDS = 32_768  # records per block of the check-digit computation (~11 MB)
READ_WORKERS = 2  # threads over the record types' zone formats and typed frames (1: the single pass)
CHECK_WORKERS = 2  # threads: one translates a block (GIL held) while Polars sums another (GIL released)


def record_checks_of_uniform(
    data: bytes, width: int, count: int, *, block_records: int | None = None, workers: int | None = None
) -> pl.Series:
    """Record check (1..97) of ``count`` records of ``width`` bytes each (350, or 351 with a line end).

    Computed by blocks of records on a few threads, joined in file order: the same column as one pass (the
    reader's equivalence test compares them). Small blocks also keep the translated bytes in memory the allocator
    reuses, instead of one fresh copy of the whole file."""
    size = block_records or CHECK_BLOCK_RECORDS
    firsts = range(0, count, size)

    def block(first: int) -> pl.Series:
        n = min(size, count - first)
        values = _u8(data[first * width : (first + n) * width].translate(_VALUE_TABLE)).reshape((n, width))
        total = values.arr.sum().cast(pl.Int64)
        for position in range(CHECKED_LENGTH, width):
            total = total - values.arr.get(position).cast(pl.Int64)
        return total

    if len(firsts) <= 1 or (workers or CHECK_WORKERS) <= 1:
        parts = [block(first) for first in firsts]
    else:
        with ThreadPoolExecutor(workers or CHECK_WORKERS, thread_name_prefix="efact-checks") as pool:
            parts = list(pool.map(block, firsts))
    total = pl.concat(parts, rechunk=True) if parts else pl.Series(dtype=pl.Int64)
    remainder = total % 97
    return remainder.set(remainder == 0, 97).alias("computed_check")


def _uniform_lines(data: bytes, width: int, count: int) -> pl.Series:
    """The body as one Utf8 column without copying the bytes (each row = ``width`` bytes)."""
    offsets = pl.int_range(0, count + 1, eager=True, dtype=pl.Int64) * width
    array = pa.Array.from_buffers(
        pa.large_string(), count, [None, pa.py_buffer(offsets.to_arrow().buffers()[1]), pa.py_buffer(data)]
    )
    lines = pl.from_arrow(array)
    assert isinstance(lines, pl.Series)
    if width > RECORD_LENGTH:
        lines = lines.str.head(RECORD_LENGTH)
    return lines.alias("line")


def _split_body(body: bytes, separated: bool) -> _Body:
    if separated:
        if b"\r" in body:
            body = body.replace(b"\r\n", b"\n")
        if body and not body.endswith(b"\n"):
            body += b"\n"
        width = RECORD_LENGTH + 1
        count = len(body) // width
        uniform = (
            body.isascii()
            and len(body) % width == 0
            and count > 0
            and bool((_u8(body).reshape((count, width)).arr.get(RECORD_LENGTH) == ord("\n")).all())
        )
    else:
        width = RECORD_LENGTH
        count = len(body) // width
        uniform = body.isascii() and count > 0 and len(body) % width == 0
    if uniform:
        return _Body(_uniform_lines(body, width, count), record_checks_of_uniform(body, width, count))
    text = body.decode("latin-1")
    if separated:
        pieces = text.split("\n")
        if pieces and pieces[-1] == "":
            pieces.pop()
    else:
        pieces = [text[i : i + RECORD_LENGTH] for i in range(0, len(text), RECORD_LENGTH)]
    return _Body(pl.Series("line", pieces, dtype=pl.Utf8), None)


# --- segment and single-record parsing ------------------------------------------------------------------------------


def parse_zones_lenient(
    layout: RecordLayout, text: str, errors: _Errors | None, index: int | None, code_of: Any = None
) -> dict[str, Any]:
    """Typed values of a record that may be damaged: a zone that does not parse is None and reported."""
    values: dict[str, Any] = {}
    for zone in layout.zones:
        piece = text[zone.offset : zone.end]
        try:
            values[zone.name] = parse_value(layout.record_type, zone, piece) if len(piece) == zone.length else None
        except ZoneError as exc:
            values[zone.name] = None
            if errors is not None:
                code = code_of(zone) if code_of else error_codes.GENERIC_NOT_NUMERIC
                errors.add(index, layout.record_type, code, zone.where(layout.record_type), exc.problem)
    return values


def _read_segments(seg200: str, seg300: str, errors: _Errors) -> tuple[dict[str, Any], dict[str, Any]]:
    def segment(layout: RecordLayout, text: str, index: int, missing_code: str) -> dict[str, Any]:
        if len(text) != layout.length:
            errors.add(
                index,
                layout.record_type,
                missing_code,
                f"segment {layout.record_type}",
                f"segment {layout.record_type} has {len(text)} characters instead of {layout.length}",
            )
            text = text[: layout.length].ljust(layout.length)
        return parse_zones_lenient(layout, text, errors, index)

    header = segment(SEGMENT_200, seg200, 1, "E200010")
    sending = segment(SEGMENT_300, seg300, 2, "E300010")
    if header.get("message_name") is not None and header["message_name"] != 920000:
        errors.add(
            1,
            "200",
            "E200020",
            SEGMENT_200.zone("message_name").where("200"),
            f"message {header['message_name']} is not an invoicing file 920000",
        )
    if header.get("message_type") not in (None, 12, 92):
        errors.add(
            1,
            "200",
            "E202030",
            SEGMENT_200.zone("message_type").where("200"),
            f"message type {header['message_type']}: 12 (production) or 92 (test) expected",
        )
    return header, sending


# --- vectorised checks ----------------------------------------------------------------------------------------------


DATE_PATTERN = "(?:0{8}|[0-9]{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))"


def _zone_pattern(zone: Zone) -> str:
    if zone.is_date:
        return DATE_PATTERN  # zeros (absent) or a plausible YYYYMMDD
    if zone.name == "check_digits":
        return r"[0-9]{2}"
    if zone.is_reserve and zone.kind == "N":
        return f"0{{{zone.length}}}"
    if zone.kind == "A":
        return f"[ -~]{{{zone.length}}}"
    if zone.kind == "S":
        return f"[+-][0-9]{{{zone.length - 1}}}"
    return f"[0-9]{{{zone.length}}}"


def record_pattern(layout: RecordLayout) -> str:
    """One regular expression a well-formed record of this type matches (every zone's format at once)."""
    return "^" + "".join(_zone_pattern(z) for z in layout.zones) + "$"


def _zone_failure_code(record_type: str, zone: Zone, text: str) -> str:
    if zone.kind == "S" and text[:1] not in ("+", "-"):
        return error_codes.bad_sign(record_type, zone)
    if zone.is_reserve:
        return error_codes.zone_code(record_type, zone, "01", "09", "04")
    return error_codes.not_numeric(record_type, zone)


def _check_zone_formats(record_type: str, rows: pl.DataFrame, errors: _Errors) -> None:
    """Find which zones of the rows (already known to be malformed) are wrong; vectorised per zone."""
    layout = RECORDS[record_type]
    for zone in layout.zones:
        if zone.kind == "A" and not zone.is_reserve:
            continue  # any printable text is allowed; non-printable characters show in the record check
        piece = pl.col("line").str.slice(zone.offset, zone.length)
        bad = rows.filter(~piece.str.contains("^" + _zone_pattern(zone) + "$")).select(
            "record_index", piece.alias("text")
        )
        if not bad.height:
            continue
        where = zone.where(record_type)
        codes = [_zone_failure_code(record_type, zone, t) for t in bad["text"].to_list()]
        what = "not zeros" if zone.is_reserve and zone.kind == "N" else "not in the zone's format"
        errors.add_frame(
            bad.with_columns(
                pl.lit(record_type).alias("record_type"),
                pl.Series("code", codes, dtype=pl.Utf8),
                pl.lit(where).alias("location"),
                pl.format("{} is " + what + f" ({zone.kind}{zone.length})", pl.col("text")).alias("message"),
            )
        )


def _check_order(raw: pl.DataFrame, errors: _Errors) -> None:
    types = raw.select("record_index", "record_type", pl.col("record_type").shift(1).alias("previous"))
    allowed = pl.DataFrame(
        [(cur, prev) for cur, prevs in ALLOWED_PREVIOUS.items() for prev in prevs],
        schema={"record_type": pl.Utf8, "previous": pl.Utf8},
        orient="row",
    )
    known = types.filter(pl.col("record_type").is_in(list(ALLOWED_PREVIOUS)))
    wrong = known.join(allowed, on=["record_type", "previous"], how="anti", nulls_equal=True)
    for index, record_type, previous in wrong.iter_rows():
        code = error_codes.not_preceded_by(record_type)
        if code is None or record_type == "10":
            code = (error_codes.not_followed_by(previous) if previous else None) or (
                "E950010" if record_type == "95" else "E960010" if record_type == "96" else error_codes.UNKNOWN_RECORD
            )
        after = f"after record {previous}" if previous else "first after segment 300"
        errors.add(
            index,
            record_type,
            code,
            f"record {record_type} zone 1 (positions 1–2)",
            f"record {record_type} is out of order: {after}",
        )
    unknown = types.filter(~pl.col("record_type").is_in(list(ALLOWED_PREVIOUS)))
    for index, record_type, previous in unknown.iter_rows():
        code = (error_codes.not_followed_by(previous) if previous else None) or error_codes.UNKNOWN_RECORD
        errors.add(
            index,
            record_type,
            code,
            "record zone 1 (positions 1–2)",
            f"unknown record type {record_type!r}" + (f" after record {previous}" if previous else ""),
        )
    present = set(raw["record_type"].unique().to_list())
    last_index = raw.height + FIRST_BODY_INDEX - 1
    if "90" not in present:
        errors.add(None, "90", error_codes.MISSING_90, "record 90", "record 90 (batch trailer) is missing")
    if "95" not in present:
        errors.add(None, "95", "E950010", "record 95", "no record 95 (totals per mutuality)")
    if raw.height == 0 or raw["record_type"][-1] != "96":
        errors.add(last_index, "96", "E960010", "record 96", "record 96 (totals of the sending) is missing or not last")


def _check_sequence(raw: pl.DataFrame, errors: _Errors) -> None:
    body = raw.filter(pl.col("record_type").is_in(list(BODY_RECORD_TYPES))).with_columns(
        (pl.int_range(1, pl.len() + 1) % SEQUENCE_MODULUS).alias("expected"),
        pl.col("line").str.slice(2, 6).cast(pl.Int64, strict=False).alias("sequence"),
    )
    wrong = body.filter(pl.col("sequence").is_null() | (pl.col("sequence") != pl.col("expected")))
    for index, record_type, sequence, expected in wrong.select(
        "record_index", "record_type", "sequence", "expected"
    ).iter_rows():
        errors.add(
            index,
            record_type,
            error_codes.sequence_code(record_type),
            f"record {record_type} zone 2 (positions 3–8)",
            f"sequence number {sequence} where {expected:06d} is expected",
        )


def _check_digits(raw: pl.DataFrame, checks: pl.Series | None, errors: _Errors) -> None:
    if checks is None:
        computed = [record_check(line) if len(line) >= CHECKED_LENGTH else None for line in raw["line"].to_list()]
        checks = pl.Series("computed_check", computed, dtype=pl.Int64)
    frame = raw.with_columns(
        checks.alias("computed_check"),
        pl.col("line").str.slice(CHECKED_LENGTH, 2).alias("stored_text"),
    ).filter(pl.col("record_type").is_in(list(BODY_RECORD_TYPES)) & (pl.col("line").str.len_chars() == RECORD_LENGTH))
    wrong = frame.filter(
        pl.col("stored_text").cast(pl.Int64, strict=False).is_null()
        | (pl.col("stored_text").cast(pl.Int64, strict=False) != pl.col("computed_check"))
    )
    if wrong.height:
        errors.add_frame(
            wrong.select(
                "record_index",
                "record_type",
                pl.concat_str(pl.col("record_type"), pl.lit("9902")).alias("code"),
                pl.format("record {} zone 99 (positions 349–350)", pl.col("record_type")).alias("location"),
                pl.format(
                    "check digits {} where {} is computed over positions 1–348",
                    pl.col("stored_text"),
                    pl.col("computed_check").cast(pl.Utf8).str.zfill(2),
                ).alias("message"),
            )
        )


# --- typed frames ---------------------------------------------------------------------------------------------------


def zone_expression(zone: Zone, source: str = "line") -> pl.Expr:
    """The typed column of one zone cut out of the record text: Int64 (N), Int64 cents (S), Date, or Utf8 (A)."""
    piece = pl.col(source).str.slice(zone.offset, zone.length)
    if zone.kind == "A":
        expr = piece.str.strip_chars_end(" ")
    elif zone.kind == "S":
        expr = piece.cast(pl.Int64, strict=False)  # "+000000001851" / "-…": the sign is read by the cast
    elif zone.is_date:
        expr = piece.str.to_date("%Y%m%d", strict=False)  # all zeros (absent) and impossible dates → null
    elif zone.length <= 18:
        expr = piece.cast(pl.Int64, strict=False)
    else:
        expr = piece
    return expr.alias(zone.name)


def typed_frame(lines: pl.DataFrame, layout: RecordLayout, columns: Iterable[str] | None = None) -> pl.DataFrame:
    """One row per record, one column per zone (data zones by default), plus the context columns kept."""
    zones = layout.data_zones() if columns is None else tuple(layout.zone(c) for c in columns)
    context = [c for c in ("record_index", "invoice_index", "service_record_index") if c in lines.columns]
    return lines.select(*context, *(zone_expression(z) for z in zones))


def _with_context(raw: pl.DataFrame) -> pl.DataFrame:
    """invoice_index: the n-th 20..80 block a record belongs to; service_record_index: the record 50 of a 51/52."""
    in_invoice = pl.col("record_type").is_in(["20", "50", "51", "52", "80"])
    is_service = pl.col("record_type") == "50"
    return raw.with_columns(
        pl.when(in_invoice)
        .then((pl.col("record_type") == "20").cast(pl.Int64).cum_sum())
        .otherwise(None)
        .alias("invoice_index"),
        pl.when(pl.col("record_type").is_in(["50", "51", "52"]))
        .then(pl.when(is_service).then(pl.col("record_index")).otherwise(None).forward_fill())
        .otherwise(None)
        .alias("service_record_index"),
    )


# --- totals ---------------------------------------------------------------------------------------------------------


def _totals(raw: pl.DataFrame, policy: CheckNumberPolicy, errors: _Errors, frames: Mapping[str, pl.DataFrame]) -> None:
    """Invoice / sending check numbers and amounts (80, 90) and the recapitulations per mutuality (95, 96)."""
    r50 = RECORDS["50"]
    # The record-50 frame already holds these columns (read_sending makes sure of it): no second cut.
    lines = frames["50"].select("invoice_index", "nomenclature_code", "insurance_amount", "account_reference")
    coded = pl.concat(
        [
            frames[t].select("invoice_index", "nomenclature_code")
            if "nomenclature_code" in frames[t].columns
            else raw.filter(pl.col("record_type") == t).select(
                "invoice_index", zone_expression(r50.zone("nomenclature_code"))
            )
            for t in sorted(policy.record_types)
        ]
    )
    per_invoice = (
        coded.group_by("invoice_index")
        .agg(pl.col("nomenclature_code").sum().alias("code_sum"))
        .join(
            lines.group_by("invoice_index").agg(
                pl.col("insurance_amount").filter(pl.col("account_reference") != 1).sum().alias("sum_a"),
                pl.col("insurance_amount").filter(pl.col("account_reference") == 1).sum().alias("sum_b"),
            ),
            on="invoice_index",
            how="full",
            coalesce=True,
        )
        .join(
            raw.filter(pl.col("invoice_index").is_not_null()).group_by("invoice_index").agg(pl.len().alias("count")),
            on="invoice_index",
            how="full",
            coalesce=True,
        )
        .with_columns(pl.col("code_sum", "sum_a", "sum_b").fill_null(0))
    )
    r80 = RECORDS["80"]
    trailers = raw.filter(pl.col("record_type") == "80").select(
        "record_index",
        "invoice_index",
        *(
            zone_expression(r80.zone(n))
            for n in ("invoice_check_number", "amount_account_a", "amount_account_b", "destination_mutuality")
        ),
    )
    checked = trailers.join(per_invoice, on="invoice_index", how="left").with_columns(
        (pl.col("code_sum").fill_null(0) % 97).replace(0, 97).alias("expected_check"),
        pl.col("sum_a", "sum_b").fill_null(0),
    )
    wrong = checked.filter(  # only the invoices that disagree are looked at one by one
        pl.col("invoice_check_number").ne_missing(pl.col("expected_check"))
        | pl.col("amount_account_a").ne_missing(pl.col("sum_a"))
        | pl.col("amount_account_b").ne_missing(pl.col("sum_b"))
    )
    for row in wrong.iter_rows(named=True):
        index = row["record_index"]
        if row["invoice_check_number"] != row["expected_check"]:
            errors.add(
                index,
                "80",
                error_codes.INVOICE_CHECK_NUMBER,
                r80.zone("invoice_check_number").where("80"),
                f"invoice check number {row['invoice_check_number']} where {row['expected_check']:02d} "
                f"is the sum of the nomenclature codes mod 97 (records {'/'.join(sorted(policy.record_types))})",
            )
        if row["amount_account_a"] != (row["sum_a"] or 0):
            errors.add(
                index,
                "80",
                error_codes.INVOICE_AMOUNT_A,
                r80.zone("amount_account_a").where("80"),
                f"account A total {row['amount_account_a']} cents, the lines add up to {row['sum_a'] or 0}",
            )
        if row["amount_account_b"] != (row["sum_b"] or 0):
            errors.add(
                index,
                "80",
                "801510",
                r80.zone("amount_account_b").where("80"),
                f"account B total {row['amount_account_b']} cents, the lines add up to {row['sum_b'] or 0}",
            )

    all_codes = int(coded["nomenclature_code"].fill_null(0).sum())
    r90 = RECORDS["90"]
    record_90 = frames.get("90")
    if record_90 is not None and record_90.height:
        row90 = record_90.row(0, named=True)
        index90 = row90["record_index"]
        expected = mod97(all_codes)
        if row90.get("sending_check_number") != expected:
            errors.add(
                index90,
                "90",
                error_codes.SENDING_CHECK_NUMBER,
                r90.zone("sending_check_number").where("90"),
                f"sending check number {row90.get('sending_check_number')} where {expected:02d} is expected",
            )
        total_a = int(trailers["amount_account_a"].fill_null(0).sum())
        if row90.get("amount_account_a") != total_a:
            errors.add(
                index90,
                "90",
                error_codes.SENDING_AMOUNT_A,
                r90.zone("amount_account_a").where("90"),
                f"account A total {row90.get('amount_account_a')} cents, the records 80 add up to {total_a}",
            )
        total_b = int(trailers["amount_account_b"].fill_null(0).sum())
        if row90.get("amount_account_b") != total_b:
            errors.add(
                index90,
                "90",
                "901510",
                r90.zone("amount_account_b").where("90"),
                f"account B total {row90.get('amount_account_b')} cents, the records 80 add up to {total_b}",
            )
        record_10 = frames.get("10")
        if record_10 is not None and record_10.height:
            row10 = record_10.row(0, named=True)
            if row10.get("sending_number") != row90.get("sending_number"):
                errors.add(
                    index90,
                    "90",
                    "900712",
                    r90.zone("sending_number").where("90"),
                    f"sending number {row90.get('sending_number')} differs from record 10 "
                    f"({row10.get('sending_number')})",
                )

    per_mutuality = (
        trailers.join(per_invoice, on="invoice_index", how="left")
        .group_by("destination_mutuality")
        .agg(
            pl.col("amount_account_a").sum(),
            pl.col("amount_account_b").sum(),
            pl.col("count").sum(),
            pl.col("code_sum").sum(),
        )
    )
    expected_95 = {row["destination_mutuality"]: row for row in per_mutuality.iter_rows(named=True)}
    r95 = RECORDS["95"]
    seen: set[int] = set()
    sums = {"amount_account_a": 0, "amount_account_b": 0, "amount_total": 0, "record_count": 0}
    for row in frames.get("95", pl.DataFrame()).iter_rows(named=True):
        index, mutuality = row["record_index"], row["mutuality_number"]
        for key in sums:
            sums[key] += row.get(key) or 0
        exp = expected_95.get(mutuality)
        if exp is None:
            errors.add(
                index,
                "95",
                "E950120",
                r95.zone("mutuality_number").where("95"),
                f"record 95 for mutuality {mutuality}, which no invoice (record 80 zone 18) is sent to",
            )
            continue
        seen.add(mutuality)
        _compare_totals(
            errors,
            index,
            "95",
            row,
            exp["amount_account_a"],
            exp["amount_account_b"],
            exp["count"],
            mod97(exp["code_sum"]),
        )
    for mutuality in sorted(set(expected_95) - seen, key=lambda m: (m is None, m)):
        if frames.get("95") is not None and frames["95"].height:
            errors.add(
                None,
                "95",
                "E950010",
                "record 95",
                f"no record 95 for mutuality {mutuality}, to which invoices are sent",
            )
    record_96 = frames.get("96")
    if record_96 is not None and record_96.height:
        row96 = record_96.row(0, named=True)
        _compare_totals(
            errors,
            row96["record_index"],
            "96",
            row96,
            sums["amount_account_a"],
            sums["amount_account_b"],
            sums["record_count"],
            mod97(all_codes),
        )


def _compare_totals(
    errors: _Errors,
    index: int,
    record_type: str,
    row: Mapping[str, Any],
    amount_a: int,
    amount_b: int,
    count: int,
    check: int,
) -> None:
    layout = RECORDS[record_type]
    prefix = f"E{record_type}0"
    expectations = (
        ("amount_account_a", amount_a, "441", "amount requested on account A"),
        ("amount_account_b", amount_b, "541", "amount requested on account B"),
        ("amount_total", (row.get("amount_account_a") or 0) + (row.get("amount_account_b") or 0), "620", "total A + B"),
        ("record_count", count, "720", "number of records 20..80"),
        ("check_number", check, "820", "check number"),
    )
    for name, expected, suffix, what in expectations:
        if row.get(name) != expected:
            errors.add(
                index,
                record_type,
                prefix + suffix,
                layout.zone(name).where(record_type),
                f"{what}: {row.get(name)} where {expected} is expected",
            )


# --- findings -------------------------------------------------------------------------------------------------------


def findings_of(errors: pl.DataFrame, name: str, per_code: int = 50) -> list[Finding]:
    """Findings for people: every problem, at most ``per_code`` per code plus one line saying how many more."""
    out: list[Finding] = []
    for (code,), group in errors.group_by("code", maintain_order=True):
        entry = error_codes.lookup(str(code))
        effect = EFFECT_OF_TYPE.get(error_codes.type_of(str(code)), Effect.INFORM)
        label = entry.label("fr") if entry else ""
        for row in group.head(per_code).iter_rows(named=True):
            message = row["message"] + (f" — {label}" if label else "")
            out.append(Finding(str(code), message, name, row["record_index"], row["location"], RULE, effect))
        if group.height > per_code:
            out.append(
                Finding(
                    str(code),
                    f"… and {group.height - per_code} more records with this error",
                    name,
                    None,
                    None,
                    RULE,
                    effect,
                )
            )
    return out


# --- the reader -----------------------------------------------------------------------------------------------------


def read_sending(
    source: Path | bytes,
    name: str | None = None,
    *,
    policy: CheckNumberPolicy = DEFAULT_POLICY,
    columns: Mapping[str, Sequence[str]] | None = None,
    max_findings_per_code: int = 50,
    max_bytes: int = MAX_FILE_BYTES,
) -> Sending:
    """Read and check a 920000 sending.

    ``columns`` limits the zones materialised per record type (``{"50": ["nomenclature_code", …]}``); by default
    every data zone (no reserve) is a column. Structure, formats, check digits and totals are checked either way.
    """
    name = name or (source.name if isinstance(source, Path) else "<bytes>")
    errors = _Errors()
    data = load_bytes(source, max_bytes)
    if not data or data.isspace():
        errors.add(None, None, "E000001", None, "the file is empty")
        frame = errors.frame()
        return Sending(name, {}, {}, {}, _empty_raw(), frame, findings_of(frame, name), policy)
    seg200, seg300, body_start, separated = _split_segments(data)
    segment_200, segment_300 = _read_segments(seg200, seg300, errors)
    body = _split_body(data[body_start:], separated)
    raw = (
        pl.DataFrame({"line": body.lines})
        .with_row_index("record_index", offset=FIRST_BODY_INDEX)
        .with_columns(pl.col("record_index").cast(pl.Int64), pl.col("line").str.head(2).alias("record_type"))
    )
    raw = _with_context(raw.select("record_index", "record_type", "line"))

    wrong_length = raw.filter(pl.col("line").str.len_chars() != RECORD_LENGTH)
    if wrong_length.height:
        errors.add_frame(
            wrong_length.select(
                "record_index",
                "record_type",
                pl.lit(error_codes.WRONG_LENGTH).alias("code"),
                pl.format("record {}", pl.col("record_type")).alias("location"),
                pl.format(
                    "{} characters instead of 350 (truncated or overlong record)", pl.col("line").str.len_chars()
                ).alias("message"),
            )
        )
    _check_order(raw, errors)
    _check_sequence(raw, errors)
    _check_digits(raw, body.checks, errors)

    well_sized = raw.filter(pl.col("line").str.len_chars() == RECORD_LENGTH) if wrong_length.height else raw
    by_type = well_sized.partition_by("record_type", as_dict=True)

    def one_type(record_type: str) -> tuple[pl.DataFrame, _Errors]:
        """Zone formats and typed frame of one record type: independent of the other types."""
        found = _Errors()
        lines = by_type.get((record_type,), well_sized.clear())
        layout = RECORDS[record_type]
        malformed = lines.filter(~pl.col("line").str.contains(record_pattern(layout)))
        if malformed.height:
            _check_zone_formats(record_type, malformed, found)
        wanted = None if columns is None or record_type not in columns else list(columns[record_type])
        if record_type in ("10", "90", "95", "96") and wanted is not None:
            wanted = None  # the totals need these whole
        if record_type == "50" and wanted is not None:  # the totals need these
            wanted += [n for n in TOTAL_COLUMNS_50 if n not in wanted]
        return typed_frame(lines, layout, wanted), found

    # the record types in parallel (Polars releases the GIL), their findings merged in the single pass's order
    if READ_WORKERS > 1:
        with ThreadPoolExecutor(READ_WORKERS, thread_name_prefix="efact-types") as pool:
            per_type = list(pool.map(one_type, FILE_RECORD_TYPES))
    else:
        per_type = [one_type(t) for t in FILE_RECORD_TYPES]
    frames: dict[str, pl.DataFrame] = {}
    for record_type, (frame_of_type, found) in zip(FILE_RECORD_TYPES, per_type, strict=True):
        frames[record_type] = frame_of_type
        errors.frames.extend(found.frames)
        errors.rows.extend(found.rows)
    _totals(well_sized, policy, errors, frames)

    frame = errors.frame()
    return Sending(
        name, segment_200, segment_300, frames, raw, frame, findings_of(frame, name, max_findings_per_code), policy
    )


def _empty_raw() -> pl.DataFrame:
    return pl.DataFrame(schema={"record_index": pl.Int64, "record_type": pl.Utf8, "line": pl.Utf8})


# --- streaming ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawRecord:
    index: int  # line in the file, 1-based
    record_type: str
    text: str


def iter_records(
    stream: BinaryIO, record_length: int = RECORD_LENGTH, chunk_size: int = 1 << 20
) -> Iterator[RawRecord]:
    """Records of an eFact file one by one, in constant memory: segments 200 and 300 first, then the records.

    Works on files with line ends and on continuous streams (records of ``record_length`` characters).
    """
    head = stream.read(SEGMENT_200_LENGTH + SEGMENT_300_LENGTH + 2)  # enough to see a line end if there is one
    buffer = head
    separated = b"\n" in head
    index = 0
    lengths = iter((SEGMENT_200_LENGTH, SEGMENT_300_LENGTH))
    while True:
        if separated:
            while b"\n" not in buffer:
                chunk = stream.read(chunk_size)
                if not chunk:
                    break
                buffer += chunk
            line, found, buffer = buffer.partition(b"\n")
            if not found and not line:
                return
            text = line.rstrip(b"\r").decode("latin-1")
            if index == 0 and len(text) == SEGMENT_200_LENGTH + SEGMENT_300_LENGTH:
                yield RawRecord(1, "200", text[:SEGMENT_200_LENGTH])
                yield RawRecord(2, "300", text[SEGMENT_200_LENGTH:])
                index = 2
                continue
        else:
            length = next(lengths, record_length)
            while len(buffer) < length:
                chunk = stream.read(chunk_size)
                if not chunk:
                    break
                buffer += chunk
            if not buffer:
                return
            text, buffer = buffer[:length].decode("latin-1"), buffer[length:]
        index += 1
        record_type = "200" if index == 1 else "300" if index == 2 else text[:2]
        yield RawRecord(index, record_type, text)


# --- the baseline --------------------------------------------------------------------------------------------------


def bare_split(
    source: Path | bytes,
    record_type: str = "50",
    columns: Sequence[str] | None = None,
    *,
    every_line: bool = False,
) -> pl.DataFrame:
    """The bare fixed-width split of a file into text columns — no check, no typing: the yardstick the benchmarks
    compare the reader (and REFAC) with. Lines are read with Polars' CSV reader into one Utf8 column; the zones of
    ``record_type`` (its data zones by default) are cut from its records, or from ``every_line`` of the file."""
    data = source if isinstance(source, Path) else load_bytes(source)
    lines = pl.read_csv(
        data,
        has_header=False,
        separator="\x1f",
        quote_char=None,
        new_columns=["line"],
        schema={"line": pl.Utf8},
        truncate_ragged_lines=True,
    )
    layout = RECORDS[record_type]
    zones = layout.data_zones() if columns is None else tuple(layout.zone(c) for c in columns)
    if not every_line:
        lines = lines.filter(pl.col("line").str.head(2) == record_type)
    return lines.select(pl.col("line").str.slice(z.offset, z.length).alias(z.name) for z in zones)
