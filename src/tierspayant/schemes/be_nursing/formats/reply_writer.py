"""The one writer of the replies to a 920000: 931000, 920999, 920098, 920099 and 920900.

A reply returns the sending's header segments (the reply's message name, error percentage, refusal type, zone
errors), then — for 920098 / 920099 / 920900 — every record of the sending as 800 characters: the original 350 and
the error part of ``zones.REPLY_ERROR_PART`` (three rejections at 457-477, the comment of zone 149 at 534-733). A
920098 / 920099 keeps the records 95/96 as they were; a 920900 replaces them by its records 91 (per mutuality) and
92. A 920999 carries only the segments and the records 95/96 with their zone errors; a 931000 only the segments.

The body never loops over the records in Python: when every record is 350 ASCII characters (any file the reader
accepted) the records are taken as large buffers — the received file's own bytes when the caller passes them and
they hold the records exactly as read, else the records joined by Polars — each line end becomes "neutral error
part + line end" in one ``bytes.replace``, and only the error parts of the records with something to say are written
in place. A damaged body (records of other lengths, non-ASCII bytes) is cut and padded column-wise instead. Output is
ASCII: a character eFact does not allow becomes ``?``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import polars as pl
import pyarrow as pa

from tierspayant.core.atomic import write_atomically
from tierspayant.core.money import to_cents
from tierspayant.schemes.be_nursing.formats.columnar import format_records
from tierspayant.schemes.be_nursing.formats.error_codes import rejection_text
from tierspayant.schemes.be_nursing.formats.frames import Sending, body_offset
from tierspayant.schemes.be_nursing.formats.records import format_record, format_value, to_efact_text
from tierspayant.schemes.be_nursing.formats.zones import (
    RECORD_LENGTH,
    RECORDS,
    REPLY_ERROR_OFFSET,
    REPLY_ERROR_PART,
    REPLY_RECORD_LENGTH,
    SEGMENT_200,
    SEGMENT_300,
    RecordLayout,
)

ReplyKind = Literal["920098", "920099", "920900", "920999", "931000"]
REPLY_KINDS: tuple[str, ...] = ("920098", "920099", "920900", "920999", "931000")
ANNOTATED_KINDS = ("920098", "920099", "920900")  # every record of the sending comes back with its error part
REFUSAL, SETTLEMENT = "920999", "920900"
TOTALS_RECORDS = ("95", "96")
REJECTION_ZONES = tuple(z.name for z in REPLY_ERROR_PART.zones if z.name.startswith("rejection_"))
MAX_REJECTIONS = len(REJECTION_ZONES)
COMMENT_LENGTH = REPLY_ERROR_PART.zone("comment").length
ERROR_ZONES = [*REJECTION_ZONES, "comment"]
ERRORS_SCHEMA = pl.Schema([("record_index", pl.Int64), ("codes", pl.List(pl.Utf8)), ("comment", pl.Utf8)])
NEUTRAL_ERROR_PART = format_record(REPLY_ERROR_PART, {}).encode("ascii")
LINE = RECORD_LENGTH + 1  # a received record and its line end
BODY_CHUNK_RECORDS = 500_000  # bounds the memory of one step (and a Polars string's 4 GB)


# --- what a reply says ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineError:
    """What the mutuality says about one record: up to three codes and a comment (zone 149)."""

    codes: tuple[str, ...]
    comment: str = ""

    def __post_init__(self) -> None:
        if len(self.codes) > MAX_REJECTIONS:
            raise ValueError(f"at most {MAX_REJECTIONS} rejection codes per record, got {len(self.codes)}")


@dataclass(frozen=True)
class SettlementTotals:
    """Record 91 (per mutuality) or 92 (whole sending) of a 920900, amounts in cents."""

    mutuality_number: int
    requested_account_a: int = 0
    requested_account_b: int = 0
    accepted_account_a: int = 0
    rejected_account_a: int = 0
    accepted_account_b: int = 0
    rejected_account_b: int = 0
    record_count: int = 0
    check_number: int = 0
    collective_invoice_number: int = 0
    payment_reference_account_a: str = ""
    payment_reference_account_b: str = ""
    payment_date: date | None = None

    def values(self, record_type: str) -> dict[str, Any]:
        values: dict[str, Any] = {
            "mutuality_number": self.mutuality_number,
            "collective_invoice_number": self.collective_invoice_number,
            "requested_account_a": self.requested_account_a,
            "requested_account_b": self.requested_account_b,
            "requested_total": self.requested_account_a + self.requested_account_b,
            "record_count": self.record_count,
            "check_number": self.check_number,
            "accepted_account_a": self.accepted_account_a,
            "rejected_account_a": self.rejected_account_a,
            "accepted_account_b": self.accepted_account_b,
            "rejected_account_b": self.rejected_account_b,
            "accepted_total": self.accepted_account_a + self.accepted_account_b,
            "rejected_total": self.rejected_account_a + self.rejected_account_b,
            "payment_date": self.payment_date,
        }
        if record_type == "91":
            values["payment_reference_account_a"] = self.payment_reference_account_a
            values["payment_reference_account_b"] = self.payment_reference_account_b
        return values


@dataclass(frozen=True)
class ReplyHeader:
    """The reply-specific fields: error percentage and refusal type (920099), settlement (920900), zone errors
    of the header segments and records 95/96 (920999: zone name → 2-digit error)."""

    error_percentage: Decimal | None = None
    refusal_type: int | None = None  # 1 blocking errors, 2 more than 5% errors
    mutuality_reference: str = ""
    settlement: Sequence[SettlementTotals] = ()  # records 91
    settlement_total: SettlementTotals | None = None  # record 92
    segment_errors: Mapping[str, Mapping[str, int]] = field(default_factory=dict)  # "200"/"300"/"95"/"96" → zone → err


RecordErrors = Mapping[int, LineError | tuple[Sequence[str], str]] | pl.DataFrame | None


def errors_frame(errors: RecordErrors) -> pl.DataFrame:
    """The errors as one frame (``ERRORS_SCHEMA``: record_index, codes, comment), checked: at most three codes per
    record and one row per record. ``errors`` maps a record index to a ``LineError`` or a ``(codes, comment)`` pair,
    or is already such a frame."""
    if errors is None:
        return pl.DataFrame(schema=ERRORS_SCHEMA)
    if isinstance(errors, pl.DataFrame):
        frame = errors.select(ERRORS_SCHEMA.names()).cast(ERRORS_SCHEMA)
    else:
        rows = []
        for index, error in errors.items():
            said = error if isinstance(error, LineError) else LineError(tuple(error[0]), error[1])
            rows.append((index, list(said.codes), said.comment))
        frame = pl.DataFrame(rows, schema=ERRORS_SCHEMA, orient="row")
    frame = frame.with_columns(
        pl.col("codes").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))), pl.col("comment").fill_null("")
    )
    crowded = frame.filter(pl.col("codes").list.len() > MAX_REJECTIONS)["record_index"]
    if crowded.len():
        raise ValueError(f"at most {MAX_REJECTIONS} rejection codes per record (record {crowded[0]})")
    repeated = frame.filter(pl.col("record_index").is_duplicated())["record_index"]
    if repeated.len():
        raise ValueError(f"record {repeated[0]} has more than one row of errors")
    return frame


# --- zone 149 -------------------------------------------------------------------------------------------------


def reply_comment(text: str) -> str:
    """Zone 149 as written: accents folded, printable ASCII (else ``?``), cut at 200 with "..." to say so."""
    folded = "".join(c if " " <= c <= "~" else "?" for c in to_efact_text(text))
    if len(folded) > COMMENT_LENGTH:
        folded = folded[: COMMENT_LENGTH - 3] + "..."
    return folded


FOLDED = {
    "à": "a", "â": "a", "ä": "a", "ç": "c", "é": "e", "è": "e", "ê": "e", "ë": "e", "î": "i", "ï": "i",
    "ô": "o", "ö": "o", "ù": "u", "û": "u", "ü": "u", "À": "A", "É": "E", "È": "E", "Ç": "C",
}  # fmt: skip


def reply_comments(comments: pl.Series) -> pl.Series:
    """:func:`reply_comment` column-wise: the accents of French text folded by one ``replace_many``; only the
    distinct comments with other non-ASCII characters go through :func:`reply_comment`."""
    folded = comments.fill_null("").str.replace_many(FOLDED)
    exotic = folded.filter(folded.str.contains(r"[^ -~]")).unique().to_list()
    if exotic:
        folded = folded.replace({text: reply_comment(text) for text in exotic})
    return folded.to_frame("c").select(
        pl.when(pl.col("c").str.len_chars() > COMMENT_LENGTH)
        .then(pl.concat_str(pl.col("c").str.head(COMMENT_LENGTH - 3), pl.lit("...")))
        .otherwise(pl.col("c"))
    )["c"]


# --- the writer -----------------------------------------------------------------------------------------------


def reply_chunks(
    kind: str,
    original: Sending,
    errors: RecordErrors = None,
    header: ReplyHeader | None = None,
    source: bytes = b"",
) -> Iterator[bytes | bytearray]:
    """The reply to ``original`` as a stream of large byte chunks.

    ``errors``: record index (its line in the 920000) → what is said about it; errors on segments, records 95/96
    or indexes the sending lacks are not written. ``source``: the received file's bytes, if at hand — the body is
    then taken from them (they are checked to hold the records as read, else they are not used).
    """
    if kind not in REPLY_KINDS:
        raise ValueError(f"not a reply message: {kind}")
    said = errors_frame(errors)  # checked before anything is produced
    fields = header or ReplyHeader()
    return _chunks(kind, original, said, fields, source)


def render_reply(
    kind: str,
    original: Sending,
    errors: RecordErrors = None,
    header: ReplyHeader | None = None,
    source: bytes = b"",
) -> list[str]:
    """The reply's lines (for small replies and tests; files are written by :func:`write_reply`)."""
    return b"".join(reply_chunks(kind, original, errors, header, source)).decode("ascii").split("\n")[:-1]


def write_reply(
    kind: str,
    original: Sending,
    errors: RecordErrors,
    header: ReplyHeader | None,
    destination: Path,
    source: bytes = b"",
) -> Path:
    """Write a reply (920098, 920099, 920900, 920999 or 931000) to ``original``, atomically; returns the path."""
    return write_atomically(reply_chunks(kind, original, errors, header, source), destination)


def _chunks(
    kind: str, original: Sending, errors: pl.DataFrame, header: ReplyHeader, source: bytes
) -> Iterator[bytes | bytearray]:
    yield _text(_segments(kind, original, header))
    if kind == REFUSAL:
        yield _text(_refusal_records(original, header))
    elif kind in ANNOTATED_KINDS:
        yield from _body(kind, original, errors, source)
        if kind == SETTLEMENT:
            yield _text(_settlement_records(header))


def _text(lines: Iterable[str]) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode("ascii", errors="replace")


def _segments(kind: str, original: Sending, header: ReplyHeader) -> list[str]:
    seg200 = _writable(SEGMENT_200, original.segment_200) | {
        "message_name": int(kind),
        "mutuality_reference": int(header.mutuality_reference or 0),
    }
    seg300 = _writable(SEGMENT_300, original.segment_300) | {
        "error_percentage": to_cents(header.error_percentage) if header.error_percentage is not None else 0,
        "refusal_type": header.refusal_type or 0,
    }
    return [
        _with_zone_errors(SEGMENT_200, format_record(SEGMENT_200, seg200), header.segment_errors.get("200", {})),
        _with_zone_errors(SEGMENT_300, format_record(SEGMENT_300, seg300), header.segment_errors.get("300", {})),
    ]


def _writable(layout: RecordLayout, values: Mapping[str, Any]) -> dict[str, Any]:
    """The header's data zones that can be written back; a damaged zone (the reason of a 920999) goes back empty."""
    kept: dict[str, Any] = {}
    for zone in layout.data_zones():
        if zone.name not in values:
            continue
        try:
            format_value(layout.record_type, zone, values[zone.name])
        except (ValueError, TypeError):
            continue
        kept[zone.name] = values[zone.name]
    return kept


def _with_zone_errors(layout: RecordLayout, text: str, errors: Mapping[str, int]) -> str:
    for zone_name, error in errors.items():
        zone = layout.zone(f"{zone_name}_error")
        text = text[: zone.offset] + format_value(layout.record_type, zone, error) + text[zone.end :]
    return text


def _fixed(line: str) -> str:
    """A received record cut or padded to 350 characters."""
    return line[:RECORD_LENGTH].ljust(RECORD_LENGTH)


def _refusal_records(original: Sending, header: ReplyHeader) -> list[str]:
    """920999: the records 95/96 as received, with the errors of their zones."""
    totals = original.raw.filter(pl.col("record_type").is_in(TOTALS_RECORDS)).select("record_type", "line")
    return [
        _with_zone_errors(RECORDS[record_type], _fixed(line), header.segment_errors.get(record_type, {}))
        for record_type, line in totals.iter_rows()
    ]


def _settlement_records(header: ReplyHeader) -> list[str]:
    lines = [format_record(RECORDS["91"], totals.values("91")) for totals in header.settlement]
    if header.settlement_total is not None:
        lines.append(format_record(RECORDS["92"], header.settlement_total.values("92")))
    return lines


# --- the body of 920098 / 920099 / 920900 ---------------------------------------------------------------------


def _body(kind: str, original: Sending, errors: pl.DataFrame, source: bytes) -> Iterator[bytes | bytearray]:
    raw = original.raw.select("record_index", "record_type", "line")
    is_totals = pl.col("record_type").is_in(TOTALS_RECORDS)
    totals_rows = raw.with_row_index("_row").filter(is_totals)["_row"]
    main_count = raw.height - totals_rows.len()
    lines = raw["line"]
    exact = bool(((lines.str.len_bytes() == RECORD_LENGTH) & (lines.str.len_chars() == RECORD_LENGTH)).all())
    totals_last = totals_rows.len() == 0 or int(totals_rows.min()) == main_count  # type: ignore[arg-type]
    if not (exact and totals_last):
        if kind == SETTLEMENT:
            raw = raw.filter(~is_totals)  # the records 91/92 take the place of the recapitulations
        if raw.height:
            yield _padded_body(raw, errors)
        return
    if main_count:
        yield from _exact_body(raw.head(main_count), errors, source)
    if kind != SETTLEMENT and totals_rows.len():
        yield _text(raw.tail(totals_rows.len())["line"].to_list())


def _exact_body(main: pl.DataFrame, errors: pl.DataFrame, source: bytes) -> Iterator[bytes | bytearray]:
    """Records of exactly 350 ASCII characters: whole buffers with the neutral error part appended to every record,
    then the error parts of the records with errors written in place."""
    with_errors = main.with_row_index("_row").join(_error_zones(errors), on="record_index", how="inner").sort("_row")
    parts = format_records(REPLY_ERROR_PART, with_errors.select(ERROR_ZONES), with_check=False)
    patches = list(zip(with_errors["_row"].to_list(), parts.to_list(), strict=True))
    count = main.height
    start = _records_in_source(source, main["line"])
    for first in range(0, count, BODY_CHUNK_RECORDS):
        size = min(BODY_CHUNK_RECORDS, count - first)
        if start is None:
            text = _joined(main["line"].slice(first, size))
        else:
            text = source[start + first * LINE : start + (first + size) * LINE]
        yield _patched(text.replace(b"\n", NEUTRAL_ERROR_PART + b"\n"), first, size, patches)


def _records_in_source(source: bytes, lines: pl.Series) -> int | None:
    """Where the records start in the received file when they are there exactly as read — one per line, 350
    characters and a line end each, right after segments 200/300 — else None.

    The reader cuts a file with line ends at its line ends (CR LF made LF), so 350-character records are the file's
    bytes when every 351st byte from the start of the body is a line end; the first and last records are compared
    as well, so that bytes of another file are never taken."""
    if not source or b"\n" not in source[: SEGMENT_200.length + SEGMENT_300.length + 2]:
        return None
    count = lines.len()
    start = body_offset(source)
    end = start + count * LINE
    if end > len(source) or source[start + RECORD_LENGTH : end : LINE] != b"\n" * count:
        return None
    first, last = lines[0].encode("ascii"), lines[-1].encode("ascii")
    if source[start : start + RECORD_LENGTH] != first or source[end - LINE : end - 1] != last:
        return None
    return start


def _joined(lines: pl.Series) -> bytes:
    """The records, each followed by a line end, as one buffer (the Arrow data of one joined string)."""
    size = lines.len() * LINE
    joined = lines.to_frame("line").select(pl.concat_str(pl.col("line"), pl.lit("\n")).str.join(""))["line"]
    data = joined.to_arrow().cast(pa.large_string()).buffers()[2]  # ASCII: the UTF-8 bytes are the text
    if data is None or int(joined.str.len_bytes()[0]) != size:
        raise AssertionError("reply body: joined records of unexpected size")
    text: bytes = data.slice(0, size).to_pybytes()
    return text


def _patched(body: bytes, first: int, count: int, patches: list[tuple[int, str]]) -> bytes | bytearray:
    """``body`` (records ``first`` … ``first + count`` with their neutral error part) with the error parts of the
    ``patches`` (row, text) in that range written in place."""
    selected = patches[bisect_left(patches, (first, "")) : bisect_left(patches, (first + count, ""))]
    if not selected:
        return body
    patched = bytearray(body)
    width = REPLY_RECORD_LENGTH + 1
    size = len(NEUTRAL_ERROR_PART)
    for row, part in selected:
        at = (row - first) * width + REPLY_ERROR_OFFSET
        patched[at : at + size] = part.encode("ascii", errors="replace")
    return patched


def _error_zones(errors: pl.DataFrame) -> pl.DataFrame:
    """record_index and the zones of the error part: rejection_1..3 (letter + code), comment (folded, cut)."""
    codes = errors["codes"].explode().drop_nulls().unique().to_list()
    rejection = {code: rejection_text(code) for code in codes}
    return errors.select(
        "record_index",
        *(
            pl.col("codes")
            .list.get(n, null_on_oob=True)
            .replace_strict(rejection, default=None, return_dtype=pl.Utf8)
            .alias(name)
            for n, name in enumerate(REJECTION_ZONES)
        ),
        pl.lit(reply_comments(errors["comment"])).alias("comment"),
    )


def _padded_body(raw: pl.DataFrame, errors: pl.DataFrame) -> bytes:
    """Records of any length (a damaged file): cut / padded to 350, then the error part — column-wise."""
    body = raw.join(_error_zones(errors), on="record_index", how="left", maintain_order="left")
    error_part = format_records(REPLY_ERROR_PART, body.select(ERROR_ZONES), with_check=False)
    original_part = pl.col("line").str.head(RECORD_LENGTH).str.pad_end(RECORD_LENGTH)
    records = body.select(
        pl.when(pl.col("record_type").is_in(TOTALS_RECORDS))
        .then(original_part)
        .otherwise(pl.concat_str(original_part, pl.lit(error_part)))
        .alias("text")
    )["text"]
    joined: str = records.str.join("\n").item()
    return (joined + "\n").encode("ascii", errors="replace")
