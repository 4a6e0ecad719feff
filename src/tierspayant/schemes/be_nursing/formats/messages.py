"""MyCareNet eFact messages: the 920000 invoicing file (written) and the replies to it (931000, 920999, 920098,
920099, 920900: read here, written by :mod:`.reply_writer`, whose public names this module also offers).

Files are written one record per line (``\\n``), atomically (a temporary file renamed into place: a failed write
leaves nothing). Replies return each record of the sending as 800 characters: the original 350, then the error
part — three rejections at 457-477 (type letter + code) and the 200-character comment at 534-733 (zone 149).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from tierspayant.core.atomic import write_atomically
from tierspayant.core.findings import Effect, Finding
from tierspayant.core.money import to_cents
from tierspayant.schemes.be_nursing.formats import error_codes
from tierspayant.schemes.be_nursing.formats.checks import DEFAULT_POLICY, CheckNumberPolicy, mod97
from tierspayant.schemes.be_nursing.formats.frames import iter_records, parse_zones_lenient
from tierspayant.schemes.be_nursing.formats.models import Invoice, SendingModel, ServiceLine
from tierspayant.schemes.be_nursing.formats.records import format_record
from tierspayant.schemes.be_nursing.formats.reply_writer import (
    COMMENT_LENGTH,
    ERRORS_SCHEMA,
    MAX_REJECTIONS,
    REPLY_KINDS,
    LineError,
    RecordErrors,
    ReplyHeader,
    ReplyKind,
    SettlementTotals,
    render_reply,
    reply_chunks,
    write_reply,
)
from tierspayant.schemes.be_nursing.formats.zones import (
    RECORD_LENGTH,
    RECORDS,
    REPLY_ERROR_OFFSET,
    REPLY_ERROR_PART,
    REPLY_RECORD_LENGTH,
    SEGMENT_200,
    SEGMENT_300,
)

__all__ = [
    "COMMENT_LENGTH",
    "ERRORS_SCHEMA",
    "MAX_REJECTIONS",
    "REPLY_KINDS",
    "LineError",
    "RecordErrors",
    "Rejection",
    "Reply",
    "ReplyHeader",
    "ReplyKind",
    "ReplyRecord",
    "SettlementTotals",
    "read_reply",
    "render_920000",
    "render_reply",
    "reply_chunks",
    "write_920000",
    "write_lines",
    "write_reply",
]


# --- writing files --------------------------------------------------------------------------------------------------


def write_lines(lines: Iterable[str], destination: Path) -> Path:
    """Write records one per line, atomically."""
    return write_atomically((f"{line}\n".encode("ascii") for line in lines), destination)


# --- 920000 ---------------------------------------------------------------------------------------------------------


def _line_records(line: ServiceLine, invoice: Invoice, mutuality: int) -> list[tuple[str, dict[str, Any]]]:
    values: dict[str, Any] = {
        "nomenclature_code": line.nomenclature_code,
        "first_service_date": line.service_date,
        "last_service_date": line.last_service_date or line.service_date,
        "affiliation_mutuality": mutuality,
        "niss": int(invoice.niss),
        "sex": invoice.sex,
        "account_reference": 1 if line.account == "B" else 0,
        "night_weekend_code": line.night_weekend_code,
        "service_code": 990,
        "care_provider": int(line.care_provider),
        "provider_norm": 1,
        "relative_service": line.relative_service,
        "insurance_amount": to_cents(line.insurance_amount),
        "prescription_date": line.prescription_date,
        "units": line.units,
        "same_day_repetition": line.same_day_repetition,
        "prescriber": int(line.prescriber),
        "prescriber_norm": 1 if int(line.prescriber) else 0,
        "patient_share": to_cents(line.patient_share),
        "institution_reference": line.institution_reference,
        "supplement": to_cents(line.supplement),
        "contracted_provider": line.contracted_provider,
        "service_time": line.service_time,
        "eid_service_flag": 1 if line.eid else 0,
        **line.extra,
    }
    out: list[tuple[str, dict[str, Any]]] = [("50", values)]
    if line.payment_commitment is not None:
        out.append(
            (
                "51",
                {
                    "nomenclature_code": line.nomenclature_code,
                    "service_date": line.service_date,
                    "niss": int(invoice.niss),
                    "care_provider": int(line.care_provider),
                    "relative_service": line.relative_service,
                    "insurance_amount": to_cents(line.insurance_amount),
                    "ct1_ct2": invoice.ct1_ct2,
                    "payment_commitment_number": line.payment_commitment.commitment_number,
                    "communication_date": line.payment_commitment.communication_date,
                },
            )
        )
    if line.eid is not None:
        eid = line.eid
        out.append(
            (
                "52",
                {
                    "manual_entry_reason": eid.manual_entry_reason,
                    "nomenclature_code": line.nomenclature_code,
                    "service_date": line.service_date,
                    "reading_date": eid.reading_date,
                    "niss": int(invoice.niss),
                    "input_type": eid.input_type,
                    "card_type": eid.card_type,
                    "sticker_reason": eid.sticker_reason,
                    "reading_time": eid.reading_time,
                    "care_provider": int(line.care_provider),
                    "card_serial_number": eid.card_serial_number,
                    "device_number": eid.device_number,
                },
            )
        )
    return out


def _invoice_header(invoice: Invoice, model: SendingModel) -> dict[str, Any]:
    values: dict[str, Any] = {
        "third_party_authorisation": 1,
        "affiliation_mutuality": invoice.affiliation_mutuality,
        "niss": int(invoice.niss),
        "sex": invoice.sex,
        "invoice_type": invoice.invoice_type,
        "invoicing_type": invoice.invoicing_type,
        "billing_institution": int(model.third_party_number),
        "destination_mutuality": invoice.destination_mutuality,
        "invoice_number": invoice.invoice_number,
        "ct1_ct2": invoice.ct1_ct2,
        "institution_reference": invoice.institution_reference,
        "beneficiary_identification_flag": 1,
        "invoicing_date": invoice.invoicing_date or model.creation_date,
    }
    answer = invoice.insurability
    if answer is not None:
        values |= {
            "payment_commitment_part_a": answer.part_a,
            "payment_commitment_part_n": answer.part_n,
            "payment_commitment_part_v": answer.part_v,
            "payment_commitment_reference": answer.reference,
        }
        if answer.part_a == 2:  # zones 53-58 are filled only for a payment commitment
            values |= {
                "insurability_start_date": answer.insurability_start_date,
                "insurability_end_date": answer.insurability_end_date,
                "communication_date": answer.communication_date,
                "maf_current_year": answer.maf_current_year,
                "maf_previous_year": answer.maf_previous_year,
                "maf_two_years_ago": answer.maf_two_years_ago,
            }
    return values | invoice.extra


def render_920000(model: SendingModel, policy: CheckNumberPolicy = DEFAULT_POLICY) -> list[str]:
    """The 920000 as its lines: segments 200 and 300, records 10, (20, 50[51][52]…, 80)+, 90, 95+, 96."""
    lines = [
        format_record(
            SEGMENT_200,
            {
                "message_name": 920000,
                "message_version": 1,
                "message_type": model.message_type,
                "provider_reference": model.provider_reference,
            },
        ),
        format_record(
            SEGMENT_300,
            {
                "invoiced_period": model.invoiced_period,
                "sending_number": model.sending_number,
                "creation_date": model.creation_date,
                "invoice_reference": model.invoice_reference,
                "instructions_version": model.instructions_version,
                "contact_last_name": model.contact_last_name,
                "contact_first_name": model.contact_first_name,
                "contact_phone": int(model.contact_phone),
                "invoice_type": model.invoice_type,
                "invoicing_mode": model.invoicing_mode,
            },
        ),
    ]
    sequence = 0

    def add(record_type: str, values: Mapping[str, Any]) -> None:
        nonlocal sequence
        sequence += 1
        lines.append(format_record(RECORDS[record_type], {**values, "sequence": sequence}))

    header = {
        "file_version": model.instructions_version,
        "sending_number": model.sending_number,
        "invoicing_content": 40,
        "third_party_number": int(model.third_party_number),
        "invoiced_year": model.year,
        "invoiced_month": model.month,
        "creation_date": model.creation_date,
        "company_number": int(model.company_number),
        "third_party_reference": model.third_party_reference,
        "bic_account_a": model.bic,
        "iban_account_a": model.iban,
    }
    add("10", header)
    per_mutuality: dict[int, dict[str, int]] = defaultdict(lambda: {"a": 0, "b": 0, "count": 0, "codes": 0})
    total_a = total_b = all_codes = 0
    for invoice in model.invoices:
        add("20", _invoice_header(invoice, model))
        amount_a = amount_b = share = supplement = codes = count = 0
        for line in invoice.lines:
            for record_type, values in _line_records(line, invoice, invoice.affiliation_mutuality):
                add(record_type, values)
                count += 1
                if record_type in policy.record_types:
                    codes += line.nomenclature_code
            cents = to_cents(line.insurance_amount)
            amount_b += cents if line.account == "B" else 0
            amount_a += cents if line.account == "A" else 0
            share += to_cents(line.patient_share)
            supplement += to_cents(line.supplement)
        add(
            "80",
            {
                "affiliation_mutuality": invoice.affiliation_mutuality,
                "niss": int(invoice.niss),
                "sex": invoice.sex,
                "invoice_type": invoice.invoice_type,
                "billing_institution": int(model.third_party_number),
                "amount_account_b": amount_b,
                "destination_mutuality": invoice.destination_mutuality,
                "amount_account_a": amount_a,
                "invoice_date": invoice.invoicing_date or model.creation_date,
                "invoice_number": invoice.invoice_number,
                "patient_share": share,
                "institution_reference": invoice.institution_reference,
                "supplement": supplement,
                "beneficiary_identification_flag": 1,
                "invoice_check_number": mod97(codes),
            },
        )
        totals = per_mutuality[invoice.destination_mutuality]
        totals["a"] += amount_a
        totals["b"] += amount_b
        totals["count"] += count + 2
        totals["codes"] += codes
        total_a, total_b, all_codes = total_a + amount_a, total_b + amount_b, all_codes + codes
    add(
        "90",
        {
            **{
                k: header[k]
                for k in (
                    "sending_number",
                    "third_party_number",
                    "invoiced_year",
                    "invoiced_month",
                    "company_number",
                    "third_party_reference",
                    "bic_account_a",
                    "iban_account_a",
                )
            },
            "amount_account_a": total_a,
            "amount_account_b": total_b,
            "sending_check_number": mod97(all_codes),
        },
    )
    for mutuality in sorted(per_mutuality):
        totals = per_mutuality[mutuality]
        lines.append(
            format_record(
                RECORDS["95"],
                {
                    "mutuality_number": mutuality,
                    "collective_invoice_number": model.sending_number,
                    "amount_account_a": totals["a"],
                    "amount_account_b": totals["b"],
                    "amount_total": totals["a"] + totals["b"],
                    "record_count": totals["count"],
                    "check_number": mod97(totals["codes"]),
                },
            )
        )
    federation = model.federation
    if federation is None:
        federation = (min(per_mutuality) // 100) * 100 + 99
    lines.append(
        format_record(
            RECORDS["96"],
            {
                "mutuality_number": federation,
                "amount_account_a": total_a,
                "amount_account_b": total_b,
                "amount_total": total_a + total_b,
                "record_count": sum(t["count"] for t in per_mutuality.values()),
                "check_number": mod97(all_codes),
            },
        )
    )
    return lines


def write_920000(sending_model: SendingModel, destination: Path, policy: CheckNumberPolicy = DEFAULT_POLICY) -> Path:
    """Write the 920000 of a sending model (atomically); returns the path."""
    return write_lines(render_920000(sending_model, policy), destination)


# --- replies: reading -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    letter: str  # the type letter written before an official code; "" for a project code, written as it is
    code: str

    def label(self, language: error_codes.Language = "fr") -> str:
        return error_codes.label(self.code, language)


@dataclass
class ReplyRecord:
    """One record of a reply: the original record, its typed values and what the mutuality said about it."""

    record_index: int  # line in the reply (= line in the 920000: the reply keeps the order)
    record_type: str
    original: str
    values: dict[str, Any]
    rejections: list[Rejection]
    comment: str


@dataclass
class Reply:
    kind: str
    name: str
    segment_200: dict[str, Any]
    segment_300: dict[str, Any]
    records: list[ReplyRecord]
    totals: dict[str, list[dict[str, Any]]]  # "91"/"92"/"95"/"96" → records
    segment_errors: dict[str, dict[str, int]]  # "200"/"300"/"95"/"96" → zone → 2-digit error (non-zero only)
    findings: list[Finding]

    @property
    def sending_number(self) -> int | None:
        value = self.segment_300.get("sending_number")
        return value if isinstance(value, int) else None

    @property
    def error_percentage(self) -> Decimal | None:
        value = self.segment_300.get("error_percentage")
        return None if value is None else Decimal(value) / 100

    @property
    def refusal_type(self) -> int | None:
        value = self.segment_300.get("refusal_type")
        return value or None

    @property
    def rejected(self) -> list[ReplyRecord]:
        return [r for r in self.records if r.rejections]

    @property
    def payment_date(self) -> date | None:
        for row in self.totals.get("92", []) + self.totals.get("91", []):
            if row.get("payment_date"):
                value = row["payment_date"]
                return value if isinstance(value, date) else None
        return None


def read_reply(path: Path, name: str | None = None) -> Reply:
    """Read any reply (931000, 920999, 920098, 920099, 920900) record by record."""
    name = name or Path(path).name
    findings: list[Finding] = []
    records: list[ReplyRecord] = []
    totals: dict[str, list[dict[str, Any]]] = defaultdict(list)
    segment_errors: dict[str, dict[str, int]] = {}
    segment_200: dict[str, Any] = {}
    segment_300: dict[str, Any] = {}

    def problem(code: str, message: str, index: int | None, where: str | None = None) -> None:
        findings.append(Finding(code, message, name, index, where, "efact-reply", Effect.REJECT_FILE))

    def zone_errors(record_type: str, values: Mapping[str, Any]) -> None:
        found = {k.removesuffix("_error"): v for k, v in values.items() if k.endswith("_error") and v}
        if found:
            segment_errors[record_type] = found

    with open(path, "rb") as stream:
        for raw in iter_records(stream, REPLY_RECORD_LENGTH):
            text = raw.text
            if raw.record_type in ("200", "300"):
                layout = RECORDS[raw.record_type]
                if len(text) != layout.length:
                    problem(
                        "E200010" if raw.record_type == "200" else "E300010",
                        f"segment {raw.record_type}: {len(text)} characters instead of {layout.length}",
                        raw.index,
                    )
                    text = text[: layout.length].ljust(layout.length)
                values = parse_zones_lenient(layout, text, None, raw.index)
                zone_errors(raw.record_type, values)
                if raw.record_type == "200":
                    segment_200 = values
                    if values.get("message_name") is None or str(values["message_name"]) not in REPLY_KINDS:
                        problem("E200020", f"message {values.get('message_name')} is not an eFact reply", 1)
                else:
                    segment_300 = values
                continue
            record_type = text[:2]
            if record_type in ("91", "92", "95", "96"):
                layout = RECORDS[record_type]
                if len(text) != layout.length:
                    problem(
                        error_codes.WRONG_LENGTH,
                        f"record {record_type}: {len(text)} characters instead of {layout.length}",
                        raw.index,
                    )
                values = parse_zones_lenient(layout, text[: layout.length].ljust(layout.length), None, raw.index)
                totals[record_type].append(values)
                if record_type in ("95", "96"):
                    zone_errors(record_type, values)
                continue
            if record_type not in RECORDS:
                problem(error_codes.UNKNOWN_RECORD, f"unknown record type {record_type!r}", raw.index)
                continue
            if len(text) != REPLY_RECORD_LENGTH:
                problem(
                    error_codes.WRONG_LENGTH,
                    f"record {record_type}: {len(text)} characters instead of {REPLY_RECORD_LENGTH}",
                    raw.index,
                )
                text = text.ljust(REPLY_RECORD_LENGTH)[:REPLY_RECORD_LENGTH]
            original = text[:RECORD_LENGTH]
            values = parse_zones_lenient(RECORDS[record_type], original, None, raw.index)
            error_values = parse_zones_lenient(REPLY_ERROR_PART, text[REPLY_ERROR_OFFSET:], None, raw.index)
            rejections = []
            for number in range(1, MAX_REJECTIONS + 1):
                split = error_codes.split_rejection(error_values.get(f"rejection_{number}") or "")
                if split:
                    rejections.append(Rejection(*split))
            records.append(
                ReplyRecord(
                    raw.index, record_type, original, values, rejections, (error_values.get("comment") or "").strip()
                )
            )
    if not segment_200:
        problem("E000001", "the reply is empty", None)
    kind = str(segment_200.get("message_name") or "")
    return Reply(kind, name, segment_200, segment_300, records, dict(totals), segment_errors, findings)
