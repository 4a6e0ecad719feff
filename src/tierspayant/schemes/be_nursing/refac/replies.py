"""The replies REFAC sends, derived from the findings and the decision — never hand-assembled record by record.

Written by the format layer (``messages.write_reply``); this module only says what goes in them:
- 920999: the zone errors of the header segments / records 95-96 (2-digit error of the zone concerned);
- 920099: every record with its errors, the error percentage and the refusal type in segment 300;
- 920098: every record with its errors (rejections and informative ones) — the file is accepted;
- 920900: every record with its rejections (never the informative codes), records 91 per mutuality and 92 with
  the requested / accepted / rejected amounts and the payment date.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from tierspayant.core.findings import Finding
from tierspayant.schemes.be_nursing import messages
from tierspayant.schemes.be_nursing.checks import mod97
from tierspayant.schemes.be_nursing.columnar import format_records
from tierspayant.schemes.be_nursing.error_codes import lookup, rejection_text
from tierspayant.schemes.be_nursing.frames import SEGMENT_200_LENGTH, SEGMENT_300_LENGTH, Sending
from tierspayant.schemes.be_nursing.messages import COMMENT_LENGTH
from tierspayant.schemes.be_nursing.records import format_record, format_value, to_efact_text
from tierspayant.schemes.be_nursing.refac.decision import FileDecision
from tierspayant.schemes.be_nursing.refac.intake import Intake
from tierspayant.schemes.be_nursing.refac.propagation import MAX_CODES, Propagated
from tierspayant.schemes.be_nursing.zones import (
    RECORD_LENGTH,
    RECORDS,
    REPLY_ERROR_PART,
    REPLY_RECORD_LENGTH,
    SEGMENT_200,
    SEGMENT_300,
    RecordLayout,
)

RecordErrors = tuple[tuple[str, ...], str]
RECORD_10_INDEX = 3  # segments 200 and 300 are records 1 and 2


def reply_name(sending_name: str, kind: str) -> str:
    """``920000_2025_03.txt`` → ``920000_2025_03.920900``."""
    stem = Path(sending_name).stem or "sending"
    return f"{stem}.{kind}"


def free_path(outbox: Path, name: str) -> Path:
    """``outbox/name``, or ``stem.2.kind``, ``stem.3.kind`` … when an earlier reply has that name: a resent file
    gets its own replies, the earlier ones are kept."""
    candidate = outbox / name
    stem, _, kind = name.rpartition(".")
    number = 1
    while candidate.exists():
        number += 1
        candidate = outbox / f"{stem}.{number}.{kind}"
    return candidate


def body_offset(data: bytes) -> int:
    """Where the records after segments 200 and 300 start (one line each, or one line together, or a stream)."""
    header = SEGMENT_200_LENGTH + SEGMENT_300_LENGTH
    first_end = data.find(b"\n", 0, header + 2)
    if first_end < 0:
        return min(header, len(data))
    if len(data[:first_end].rstrip(b"\r")) >= header:
        return first_end + 1
    second_end = data.find(b"\n", first_end + 1)
    return len(data) if second_end < 0 else second_end + 1


ERRORS_SCHEMA = pl.Schema([("record_index", pl.Int64), ("codes", pl.List(pl.Utf8)), ("comment", pl.Utf8)])


def _informative(code: str) -> bool:
    entry = lookup(code)
    return entry is not None and entry.type in ("S", "E") and entry.official


def all_errors(propagated: Propagated, blocking: pl.DataFrame | None) -> pl.DataFrame:
    """Every record's errors (920099, 920098): rules, propagation and the reader's blocking errors.

    One row per record: record_index, codes (≤ 3), comment — the shape every reply writer here takes.
    """
    errors = propagated.errors.select("record_index", "codes", pl.col("comment").fill_null(""))
    if blocking is not None and blocking.height:
        from_reader = (
            blocking.filter(pl.col("record_index").is_not_null())
            .group_by("record_index", maintain_order=True)
            .agg(pl.col("code").alias("reader_codes"), pl.col("message").first().alias("reader_comment"))
        )
        errors = (
            errors.join(from_reader, on="record_index", how="full", coalesce=True)
            .with_columns(
                pl.concat_list(
                    pl.col("reader_codes").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
                    pl.col("codes").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))),
                )
                .list.unique(maintain_order=True)
                .list.head(MAX_CODES)
                .alias("codes"),
                pl.when(pl.col("comment").fill_null("") != "")
                .then(pl.col("comment"))
                .otherwise(pl.col("reader_comment").fill_null(""))
                .alias("comment"),
            )
            .select(ERRORS_SCHEMA.names())
        )
    return errors.cast(ERRORS_SCHEMA).sort("record_index")


def settlement_errors(propagated: Propagated) -> pl.DataFrame:
    """The 920900 carries rejections only: informative codes appear in the 920098, never here."""
    frame = propagated.errors.filter(~pl.col("informative_only"))
    informative = [c for c in frame["codes"].explode().unique().drop_nulls().to_list() if _informative(c)]
    return (
        frame.select(
            "record_index",
            pl.col("codes").list.eval(pl.element().filter(~pl.element().is_in(informative))).alias("codes"),
            pl.col("comment").fill_null(""),
        )
        .filter(pl.col("codes").list.len() > 0)
        .cast(ERRORS_SCHEMA)
        .sort("record_index")
    )


def finding_errors(findings: Iterable[Finding]) -> pl.DataFrame:
    """Findings placed on their record (920999 shows only the header segments and the records 95/96 — their zone
    errors go in :func:`refusal_fields`; a duplicate's 920098 says it on record 10)."""
    errors: dict[int, RecordErrors] = {}
    for finding in findings:
        index = finding.line if finding.line is not None else RECORD_10_INDEX
        codes, comment = errors.get(index, ((), ""))
        if len(codes) < MAX_CODES and finding.code not in codes:
            codes = (*codes, finding.code)
        errors[index] = (codes, comment or finding.message)
    rows = [(index, list(codes), comment) for index, (codes, comment) in sorted(errors.items())]
    return pl.DataFrame(rows, schema=ERRORS_SCHEMA, orient="row")


def as_mapping(errors: pl.DataFrame) -> dict[int, RecordErrors]:
    """The error table as the format layer's ``write_reply`` takes it (record index → (codes, comment))."""
    return {int(i): (tuple(c), m or "") for i, c, m in errors.select(ERRORS_SCHEMA.names()).iter_rows()}


def _zone_error(code: str, location: str | None) -> tuple[str, str, int] | None:
    """Project envelope code ``E`` + segment zone (3 digits) or record 95/96 + zone (2) + error (2) → (record, zone
    name, error), e.g. E301040 → ("300", "sending_number", 40), E950441 → ("95", "amount_account_a", 41)."""
    if not (code.startswith("E") and len(code) == 7 and code[1:].isdigit()):
        return None
    error = int(code[5:])
    if code[1:3] in ("95", "96"):
        record_type, number = code[1:3], str(int(code[3:5]))
    elif code[1] in ("2", "3"):
        record_type, number = f"{code[1]}00", code[1:4]
    else:
        return None
    for zone in RECORDS[record_type].zones:
        if zone.number == number and not zone.is_error_code and not zone.is_reserve:
            return record_type, zone.name, error
    first = RECORDS[record_type].zones[0]  # the segment / record as a whole: its first zone
    return record_type, first.name, error


def refusal_fields(findings: Sequence[Finding]) -> messages.ReplyHeader:
    segment_errors: dict[str, dict[str, int]] = {}
    for finding in findings:
        placed = _zone_error(finding.code, finding.location)
        if placed is not None:
            record_type, zone, error = placed
            segment_errors.setdefault(record_type, {}).setdefault(zone, error)
    return messages.ReplyHeader(segment_errors=segment_errors)


def duplicate_fields() -> messages.ReplyHeader:
    return messages.ReplyHeader(segment_errors={"300": {"sending_number": 40}})


def rejection_fields(decided: FileDecision) -> messages.ReplyHeader:
    return messages.ReplyHeader(
        error_percentage=decided.error_percentage,
        refusal_type=int(decided.refusal_type or 0) or None,
    )


def informative_fields(decided: FileDecision | None = None) -> messages.ReplyHeader:
    return messages.ReplyHeader(error_percentage=decided.error_percentage if decided else None)


def settlement_fields(
    decided: FileDecision, propagated: Propagated, intake: Intake, payment_date: date
) -> messages.ReplyHeader:
    """Records 91 (per destination mutuality) and 92: requested / accepted / rejected per account, payment date."""
    frames = intake.frames
    lines = (
        frames["50"]
        .select("record_index", "invoice_index", "account_reference", "insurance_amount")
        .join(frames["20"].select("invoice_index", "destination_mutuality"), on="invoice_index", how="left")
        .join(propagated.lines.select(pl.col("key").alias("record_index"), "status"), on="record_index", how="left")
        .with_columns(
            pl.col("insurance_amount").fill_null(0),
            (pl.col("account_reference") == 1).fill_null(False).alias("account_b"),
            (pl.col("status") == "accepted").fill_null(False).alias("accepted"),
        )
    )
    per_mutuality = lines.group_by("destination_mutuality").agg(
        _sum(~pl.col("account_b")).alias("requested_a"),
        _sum(pl.col("account_b")).alias("requested_b"),
        _sum(~pl.col("account_b") & pl.col("accepted")).alias("accepted_a"),
        _sum(~pl.col("account_b") & ~pl.col("accepted")).alias("rejected_a"),
        _sum(pl.col("account_b") & pl.col("accepted")).alias("accepted_b"),
        _sum(pl.col("account_b") & ~pl.col("accepted")).alias("rejected_b"),
    )
    recaps = {row["mutuality_number"]: row for row in _rows(frames.get("95"))}
    reference = _payment_reference(intake)
    settlement = [
        messages.SettlementTotals(
            mutuality_number=int(row["destination_mutuality"] or 0),
            requested_account_a=row["requested_a"],
            requested_account_b=row["requested_b"],
            accepted_account_a=row["accepted_a"],
            rejected_account_a=row["rejected_a"],
            accepted_account_b=row["accepted_b"],
            rejected_account_b=row["rejected_b"],
            record_count=int(recaps.get(row["destination_mutuality"], {}).get("record_count") or 0),
            check_number=int(recaps.get(row["destination_mutuality"], {}).get("check_number") or 0),
            collective_invoice_number=int(
                recaps.get(row["destination_mutuality"], {}).get("collective_invoice_number") or 0
            ),
            payment_reference_account_a=reference,
            payment_reference_account_b=reference if row["requested_b"] else "",
            payment_date=payment_date,
        )
        for row in per_mutuality.sort("destination_mutuality").iter_rows(named=True)
    ]
    record_96 = intake.sending.record_96 or {}
    total = messages.SettlementTotals(
        mutuality_number=int(record_96.get("mutuality_number") or 0),
        requested_account_a=sum(s.requested_account_a for s in settlement),
        requested_account_b=sum(s.requested_account_b for s in settlement),
        accepted_account_a=sum(s.accepted_account_a for s in settlement),
        rejected_account_a=sum(s.rejected_account_a for s in settlement),
        accepted_account_b=sum(s.accepted_account_b for s in settlement),
        rejected_account_b=sum(s.rejected_account_b for s in settlement),
        record_count=int(record_96.get("record_count") or 0),
        check_number=int(record_96.get("check_number") or mod97(0)),
        payment_date=payment_date,
    )
    if total.accepted_account_a + total.accepted_account_b != decided.accepted_cents:
        raise AssertionError("settlement: accepted amounts per mutuality do not add up to the decision's")
    return messages.ReplyHeader(
        error_percentage=decided.error_percentage, settlement=settlement, settlement_total=total
    )


def _sum(condition: pl.Expr) -> pl.Expr:
    return pl.col("insurance_amount").filter(condition).sum()


def _rows(frame: pl.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None else frame.to_dicts()


def _payment_reference(intake: Intake) -> str:
    record_10 = intake.sending.record_10 or {}
    return f"REFAC {record_10.get('third_party_number', 0):011d} {record_10.get('sending_number', 0):03d}"


def write(
    kind: str,
    intake: Intake,
    errors: pl.DataFrame,
    fields: messages.ReplyHeader,
    destination: Path,
) -> Path:
    """Write one reply to ``destination``. 920098 / 920099 / 920900 — one 800-character record per record of the
    sending — are built column-wise (:func:`render_columnar`); the short 920999 and 931000 by ``write_reply``."""
    if kind not in messages.REPLY_KINDS:
        raise ValueError(f"not a reply: {kind}")
    original = dataclasses.replace(
        intake.sending,
        segment_200=_writable(SEGMENT_200, intake.sending.segment_200),
        segment_300=_writable(SEGMENT_300, intake.sending.segment_300),
    )
    if kind in COLUMNAR_KINDS:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with destination.open("wb") as out:
            for chunk in reply_chunks(kind, original, errors, fields, intake.data):
                out.write(chunk)
        return destination
    return messages.write_reply(kind, original, as_mapping(errors), fields, destination)  # type: ignore[arg-type]


COLUMNAR_KINDS = ("920098", "920099", "920900")
TOTALS_RECORDS = ("95", "96")


def render_columnar(
    kind: str, original: Sending, errors: pl.DataFrame, fields: messages.ReplyHeader, source: bytes = b""
) -> str:
    """The reply's text — the same as ``messages.render_reply`` gives (the tests hold the two equal)."""
    return b"".join(reply_chunks(kind, original, errors, fields, source)).decode("ascii")


def reply_chunks(
    kind: str, original: Sending, errors: pl.DataFrame, fields: messages.ReplyHeader, source: bytes = b""
) -> Iterator[bytes | bytearray]:
    """The reply as a stream of large byte chunks, without a Python loop over the records.

    The header segments and the settlement records 91/92 come from the format layer. The body: when every record
    is 350 ASCII characters (any file the reader accepted), each group of records is taken as one buffer — the
    received file's own bytes (``source``) when its records are exactly the reader's, one line each, else joined by
    Polars — and each line end becomes "neutral error part + line end" in one ``bytes.replace``; the error parts of
    the records with errors are written into it. Otherwise each record is cut and padded
    with Polars.
    """
    framing = messages.render_reply(kind, dataclasses.replace(original, raw=original.raw.clear()), {}, fields)  # type: ignore[arg-type]
    yield ("\n".join(framing[:2]) + "\n").encode("ascii", errors="replace")
    tail = "".join(f"{line}\n" for line in framing[2:]).encode("ascii", errors="replace")
    raw = original.raw.select("record_index", "record_type", "line")
    if kind == "920900":
        raw = raw.filter(~pl.col("record_type").is_in(TOTALS_RECORDS))
    is_totals = pl.col("record_type").is_in(TOTALS_RECORDS)
    totals_at_end = raw.with_row_index("_row").filter(is_totals)["_row"]
    main_count = raw.height - totals_at_end.len()
    uniform = bool((raw["line"].str.len_bytes() == RECORD_LENGTH).all()) and (
        totals_at_end.len() == 0 or int(totals_at_end.min()) == main_count  # type: ignore[arg-type]
    )
    if raw.height and not uniform:
        yield _padded_body(raw, errors)
    elif raw.height:
        main = raw.head(main_count)
        with_errors = main.with_row_index("_row").join(_error_zones(errors), on="record_index", how="inner")
        with_errors = with_errors.sort("_row")
        parts = format_records(REPLY_ERROR_PART, with_errors.select(ERROR_ZONES), with_check=False)
        patches = list(zip(with_errors["_row"].to_list(), parts.to_list(), strict=True))
        start = _records_in_source(source, main_count)
        for first in range(0, main_count, BODY_CHUNK_RECORDS):
            count = min(BODY_CHUNK_RECORDS, main_count - first)
            if start is None:
                text = _joined(main["line"].slice(first, count))
            else:
                text = source[start + first * LINE : start + (first + count) * LINE]
            yield _spliced(text.replace(b"\n", NEUTRAL_ERROR_PART + b"\n"), first, count, patches)
        yield "".join(f"{line}\n" for line in raw.tail(totals_at_end.len())["line"].to_list()).encode("ascii")
    yield tail


BODY_CHUNK_RECORDS = 500_000  # bounds the memory of one step (and a Polars string's 4 GB)
LINE = RECORD_LENGTH + 1


def _records_in_source(source: bytes, count: int) -> int | None:
    """Where the first ``count`` records start in the received file, when they are there exactly as the reader
    split them — one per line, 350 characters and a line end each — right after segments 200/300; else None.

    The reader cuts a file with line ends at its line ends (CR LF made LF); its records being 350 characters each,
    they are the file's bytes when every 351st byte from the start of the body is a line end."""
    header = SEGMENT_200_LENGTH + SEGMENT_300_LENGTH
    if not source or source.find(b"\n", 0, header + 2) < 0:
        return None
    start = body_offset(source)
    end = start + count * LINE
    if end > len(source) or source[start + RECORD_LENGTH : end : LINE] != b"\n" * count:
        return None
    return start


def _joined(lines: pl.Series) -> bytes:
    size = lines.len() * LINE
    joined = lines.to_frame("line").select(pl.concat_str(pl.col("line"), pl.lit("\n")).str.join(""))["line"]
    data = joined.to_arrow().cast(pa.large_string()).buffers()[2]  # ASCII: the UTF-8 bytes are the text
    if data is None or int(joined.str.len_bytes()[0]) != size:
        raise AssertionError("reply body: joined records of unexpected size")
    text: bytes = data.slice(0, size).to_pybytes()
    return text


def _spliced(body: bytes, first: int, count: int, patches: list[tuple[int, str]]) -> bytes | bytearray:
    """``body`` (records ``first`` … ``first + count``, each with its neutral error part) with the error parts of
    ``patches`` (row, text) in that range written in place — one buffer, written with one call."""
    selected = patches[bisect_left(patches, (first, "")) : bisect_left(patches, (first + count, ""))]
    if not selected:
        return body
    patched = bytearray(body)
    width = REPLY_RECORD_LENGTH + 1
    size = len(NEUTRAL_ERROR_PART)
    for row, part in selected:
        at = (row - first) * width + RECORD_LENGTH
        patched[at : at + size] = part.encode("ascii")
    return patched


ERROR_ZONES = [f"rejection_{n + 1}" for n in range(MAX_CODES)] + ["comment"]
NEUTRAL_ERROR_PART = format_record(REPLY_ERROR_PART, {}).encode("ascii")


def _error_zones(errors: pl.DataFrame) -> pl.DataFrame:
    """record_index, rejection_1..3 (letter + code), comment (folded, cut) — the zones of the error part."""
    codes = errors["codes"].explode().drop_nulls().unique().to_list()
    rejection = {code: rejection_text(code) for code in codes}
    return errors.select(
        "record_index",
        *(
            pl.col("codes")
            .list.get(n, null_on_oob=True)
            .replace_strict(rejection, default=None, return_dtype=pl.Utf8)
            .alias(f"rejection_{n + 1}")
            for n in range(MAX_CODES)
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


FOLDED = {
    "à": "a", "â": "a", "ä": "a", "ç": "c", "é": "e", "è": "e", "ê": "e", "ë": "e", "î": "i", "ï": "i",
    "ô": "o", "ö": "o", "ù": "u", "û": "u", "ü": "u", "À": "A", "É": "E", "È": "E", "Ç": "C",
}  # fmt: skip


def reply_comments(comments: pl.Series) -> pl.Series:
    """:func:`reply_comment` column-wise: the accents of French text folded by one ``replace_many``; only the
    distinct comments with other non-ASCII characters go through the character-by-character folding."""
    folded = comments.fill_null("").str.replace_many(FOLDED)
    exotic = folded.filter(folded.str.contains(r"[^ -~]")).unique().to_list()
    if exotic:
        folded = folded.replace({text: reply_comment(text) for text in exotic})
    return folded.to_frame("c").select(
        pl.when(pl.col("c").str.len_chars() > COMMENT_LENGTH)
        .then(pl.concat_str(pl.col("c").str.head(COMMENT_LENGTH - 3), pl.lit("...")))
        .otherwise(pl.col("c"))
    )["c"]


def reply_comment(text: str) -> str:
    """Zone 149 as the format layer writes it: accents folded, printable ASCII, cut at 200 with "..." said."""
    folded = "".join(c if " " <= c <= "~" else "?" for c in to_efact_text(text))
    if len(folded) > COMMENT_LENGTH:
        folded = folded[: COMMENT_LENGTH - 3] + "..."
    return folded


def _writable(layout: RecordLayout, values: Mapping[str, Any]) -> dict[str, Any]:
    """The header values that can be written back; a damaged zone (the reason of a 920999) is sent back empty."""
    kept: dict[str, Any] = {}
    for zone in layout.zones:
        if zone.name not in values:
            continue
        try:
            format_value(layout.record_type, zone, values[zone.name])
        except (ValueError, TypeError):
            continue
        kept[zone.name] = values[zone.name]
    return kept
