"""The replies REFAC sends, derived from the findings and the decision — never hand-assembled record by record.

Written by the format layer's one reply writer (``messages.write_reply``); this module only says what goes in them:
- 920999: the zone errors of the header segments / records 95-96 (2-digit error of the zone concerned);
- 920099: every record with its errors, the error percentage and the refusal type in segment 300;
- 920098: every record with its errors (rejections and informative ones) — the file is accepted;
- 920900: every record with its rejections (never the informative codes), records 91 per mutuality and 92 with
  the requested / accepted / rejected amounts and the payment date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from tierspayant.core.findings import Finding
from tierspayant.schemes.be_nursing.formats import messages
from tierspayant.schemes.be_nursing.formats.checks import mod97
from tierspayant.schemes.be_nursing.formats.error_codes import lookup
from tierspayant.schemes.be_nursing.formats.messages import ERRORS_SCHEMA
from tierspayant.schemes.be_nursing.formats.reply_draft import ReplyDraft
from tierspayant.schemes.be_nursing.formats.reply_files import ReplyRequest, draft_replies, write_replies
from tierspayant.schemes.be_nursing.formats.zones import RECORDS
from tierspayant.schemes.be_nursing.mutuality.decision import FileDecision
from tierspayant.schemes.be_nursing.mutuality.intake import Intake
from tierspayant.schemes.be_nursing.mutuality.propagation import MAX_CODES, Propagated

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
    errors: pl.DataFrame | None,
    fields: messages.ReplyHeader | None,
    destination: Path,
) -> Path:
    """Write one reply with the format layer's writer, its body taken from the received file's own bytes."""
    return messages.write_reply(kind, intake.sending, errors, fields, destination, source=intake.data)


def write_all(
    intake: Intake,
    plan: Sequence[tuple[str, pl.DataFrame | None, messages.ReplyHeader | None, Path]],
    draft: ReplyDraft | None = None,
) -> list[Path]:
    """Write the replies of ``plan`` (kind, errors, header fields, destination) at once: the annotated ones share
    one pass over the received records and are written on both cores, or take ``draft``'s body written ahead
    (``formats.reply_files``)."""
    requests = [ReplyRequest(kind, errors, fields, destination) for kind, errors, fields, destination in plan]
    return write_replies(intake.sending, requests, source=intake.data, draft=draft)


def start_draft(intake: Intake, folder: Path) -> ReplyDraft | None:
    """Start writing the annotated replies' common body ahead, in ``folder``, while the file is still checked."""
    return draft_replies(intake.sending, intake.data, folder)
