"""Example sendings: a small, readable one (``examples/920000_sample.txt``, built by the writer) and a generator of
realistic big ones for benchmarks (:func:`generate_sending`, vectorised: a million lines in seconds)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl

from tierspayant.core.identifiers.niss import compute_niss
from tierspayant.schemes.be_nursing.formats.checks import DEFAULT_POLICY, CheckNumberPolicy
from tierspayant.schemes.be_nursing.formats.columnar import contiguous_bytes, format_records, with_record_checks
from tierspayant.schemes.be_nursing.formats.frames import SEQUENCE_MODULUS
from tierspayant.schemes.be_nursing.formats.messages import render_920000, write_lines
from tierspayant.schemes.be_nursing.formats.models import (
    EidReading,
    InsurabilityAnswer,
    Invoice,
    PaymentCommitment,
    SendingModel,
    ServiceLine,
)
from tierspayant.schemes.be_nursing.formats.records import format_record
from tierspayant.schemes.be_nursing.formats.zones import RECORDS, SEGMENT_200, SEGMENT_300

EXAMPLES_DIR = Path(__file__).parent
SAMPLE_FILE = EXAMPLES_DIR / "920000_sample.txt"

# Home-nursing codes with an illustrative fee (cents) — sample values, not the official tariff.
NURSING_CODES: dict[int, int] = {
    425014: 1851,  # first basic visit of the day (sample)
    425036: 1851,  # second basic visit
    425051: 1851,  # third basic visit
    425073: 1851,  # fourth basic visit
    425110: 1023,  # hygiene care
    424336: 2950,  # wound care
    423135: 1377,  # diabetes care
    428035: 1210,  # 3rd-visit supplement
}
NURSES = ("10234567001", "10234568002", "10234569003", "10234570004")
GENERATED_THIRD_PARTY = 30012345001  # the nursing group of the generated sendings
SAMPLE_PATIENTS = ("85010100115", "85010100214")  # members of mutuality 319 in the SAMPLE reference


def niss_for(birth: date, serial: int) -> str:
    """A valid NISS for a birth date and a serial number (odd male, even female)."""
    return compute_niss(birth, serial)


def sample_model(sending_number: int = 1) -> SendingModel:
    """A small monthly sending of the demo nursing group: two patients of the SAMPLE reference's mutuality 319 (zone 18:
    319, the group's PUC there), a payment commitment (records 20 zones 42-45 / 53-58 and 51), eID readings (52)."""
    day = date(2024, 3, 4)
    eid = EidReading(reading_date=day, reading_time=830, card_serial_number="592123456789")
    answer = InsurabilityAnswer(
        part_a=2, part_n=123456789012, part_v=1, reference="COMMIT-2024-0001",
        insurability_start_date=date(2024, 3, 1), insurability_end_date=date(2024, 3, 31),
        communication_date=date(2024, 2, 28), mutuality=319, ct1_ct2=110110,
        commitment_number="COMMIT-2024-0001",
    )
    commitment = PaymentCommitment(commitment_number="COMMIT-2024-0001", communication_date=date(2024, 2, 28))
    first = Invoice(
        niss=SAMPLE_PATIENTS[0], sex=1, affiliation_mutuality=319, destination_mutuality=319,
        invoice_number=1, ct1_ct2=110110, insurability=answer, institution_reference="PAT-0001",
        lines=[
            ServiceLine(nomenclature_code=425014, service_date=day, care_provider=NURSES[0],
                        insurance_amount=Decimal("18.51"), service_time=800, eid=eid, payment_commitment=commitment,
                        institution_reference="V-0001"),
            ServiceLine(nomenclature_code=424336, service_date=day, care_provider=NURSES[0],
                        insurance_amount=Decimal("29.50"), service_time=805, institution_reference="V-0002", eid=eid,
                        prescription_date=date(2024, 2, 20), prescriber="19876543210"),
            ServiceLine(nomenclature_code=425036, service_date=day, care_provider=NURSES[1],
                        insurance_amount=Decimal("18.51"), service_time=1800, institution_reference="V-0003",
                        eid=EidReading(reading_date=day, reading_time=1802)),
        ],
    )
    second = Invoice(
        niss=SAMPLE_PATIENTS[1], sex=2, affiliation_mutuality=319, destination_mutuality=319,
        invoice_number=2, institution_reference="PAT-0002",
        lines=[
            ServiceLine(nomenclature_code=425110, service_date=day + timedelta(days=1), care_provider=NURSES[1],
                        insurance_amount=Decimal("10.23"), patient_share=Decimal("1.02"), service_time=900,
                        eid=EidReading(reading_date=day + timedelta(days=1), reading_time=905),
                        institution_reference="V-0004"),
        ],
    )
    return SendingModel(
        message_type=92, provider_reference="GRP-2024-03", invoiced_period=202403, sending_number=sending_number,
        creation_date=date(2024, 4, 2), invoice_reference="FACT-202403", contact_last_name="Dupont",
        contact_first_name="Marie", contact_phone="025551234", third_party_number="30012345001",
        third_party_reference="GROUPE SOINS", iban="BE68539007547034", bic="BBRUBEBB", invoices=[first, second],
    )


def write_sample(destination: Path = SAMPLE_FILE) -> Path:
    return write_lines(render_920000(sample_model()), destination)


# --- big sendings ---------------------------------------------------------------------------------------------------


def generate_sending(
    n_lines: int,
    destination: Path | None = None,
    *,
    lines_per_invoice: int = 30,
    period: int = 202403,
    sending_number: int = 1,
    mutualities: tuple[int, ...] = (131, 132, 134),
    destination_mutuality: int | None = None,
    eid: bool = False,
    seed: int = 0,
    policy: CheckNumberPolicy = DEFAULT_POLICY,
) -> bytes:
    """A realistic 920000 with ``n_lines`` records 50 (optionally each followed by a record 52), built column-wise.

    Patients get ``lines_per_invoice`` visits spread over the month (basic visits, hygiene, wound and diabetes
    care, a few supplements), by one of a few nurses. Returns the file's bytes (and writes them if asked).
    ``destination_mutuality`` (zone 18, the group's PUC at the mutuality) defaults to each patient's mutuality.
    """
    rng = random.Random(seed)
    year, month = divmod(period, 100)
    n_invoices = max(1, -(-n_lines // lines_per_invoice))
    codes = list(NURSING_CODES)
    weights = [30, 12, 4, 2, 25, 12, 10, 5]
    invoice_ids = pl.int_range(0, n_lines, eager=True) // lines_per_invoice
    pick = [rng.choices(range(len(codes)), weights)[0] for _ in range(min(n_lines, 4096))]
    lines = pl.DataFrame({"invoice": invoice_ids}).with_columns(
        pl.Series("code_index", pick).gather(pl.int_range(0, n_lines, eager=True) % len(pick)).alias("code_index"),
    )
    code_series = pl.Series(codes, dtype=pl.Int64)
    fee_series = pl.Series([NURSING_CODES[c] for c in codes], dtype=pl.Int64)
    patients = pl.DataFrame({
        "invoice": pl.int_range(0, n_invoices, eager=True),
        "niss": [int(niss_for(date(1930 + i % 80, 1 + i % 12, 1 + i % 28), 1 + (i // 7) % 997))
                 for i in range(n_invoices)],
        "mutuality": [mutualities[i % len(mutualities)] for i in range(n_invoices)],
        "destination": [destination_mutuality or mutualities[i % len(mutualities)] for i in range(n_invoices)],
        "nurse": [int(NURSES[i % len(NURSES)]) for i in range(n_invoices)],
    }).with_columns(
        (pl.col("niss") // 100 % 1000 % 2 == 0).cast(pl.Int64).add(1).alias("sex"),
        (pl.col("invoice") + 1).alias("invoice_number"),
    )
    start = date(year, month, 1)
    days = ((date(year + month // 12, month % 12 + 1, 1) - start).days)
    lines = lines.with_columns(
        pl.lit(code_series).gather(pl.col("code_index")).alias("nomenclature_code"),
        pl.lit(fee_series).gather(pl.col("code_index")).alias("insurance_amount"),
        (pl.lit(start) + pl.duration(days=(pl.int_range(0, pl.len()) % lines_per_invoice) % days))
        .alias("service_date"),
        (800 + (pl.int_range(0, pl.len()) % 10) * 100).alias("service_time"),
        pl.int_range(0, pl.len()).alias("line_no"),
    ).join(patients, on="invoice", how="left")
    r50 = lines.select(
        "invoice",
        (pl.col("line_no") * (2 if eid else 1) + 1).alias("pos"),
        pl.col("nomenclature_code"),
        pl.col("service_date").alias("first_service_date"),
        pl.col("service_date").alias("last_service_date"),
        pl.col("mutuality").alias("affiliation_mutuality"),
        "niss",
        "sex",
        pl.lit(990).alias("service_code"),
        pl.col("nurse").alias("care_provider"),
        pl.lit(1).alias("provider_norm"),
        "insurance_amount",
        pl.lit(1).alias("units"),
        pl.lit(1).alias("contracted_provider"),
        "service_time",
        pl.lit(1 if eid else 0).alias("eid_service_flag"),
        pl.format("V{}", pl.col("line_no")).alias("institution_reference"),
    )
    parts = [r50.select("invoice", "pos", pl.lit("50").alias("record_type"),
                        format_records(RECORDS["50"], r50, with_check=False).alias("body"))]
    if eid:
        r52 = lines.select(
            "invoice",
            (pl.col("line_no") * 2 + 2).alias("pos"),
            "nomenclature_code",
            "service_date",
            pl.col("service_date").alias("reading_date"),
            "niss",
            pl.lit(1).alias("input_type"),
            pl.lit(1).alias("card_type"),
            (pl.col("service_time") + 5).alias("reading_time"),
            pl.col("nurse").alias("care_provider"),
        )
        parts.append(r52.select("invoice", "pos", pl.lit("52").alias("record_type"),
                                format_records(RECORDS["52"], r52, with_check=False).alias("body")))
    counted = 2 if eid and "52" in policy.record_types else 1  # does the record 52's code count as well?
    sums = r50.group_by("invoice").agg(
        pl.col("insurance_amount").sum().alias("amount_account_a"),
        (pl.col("nomenclature_code").sum() * counted).alias("code_sum"),
        pl.len().alias("n50"),
    )
    per_invoice = patients.join(sums, on="invoice").sort("invoice")
    # the zones the invoice trailer 80 repeats from its header 20
    invoice_zones: list[pl.Expr | str] = [
        pl.col("mutuality").alias("affiliation_mutuality"),
        "niss",
        "sex",
        pl.lit(3).alias("invoice_type"),
        pl.lit(GENERATED_THIRD_PARTY).alias("billing_institution"),
        pl.col("destination").alias("destination_mutuality"),
        "invoice_number",
        pl.lit(1).alias("beneficiary_identification_flag"),
    ]
    r20 = per_invoice.select(
        "invoice",
        pl.lit(-1).alias("pos"),
        *invoice_zones,
        pl.lit(1).alias("third_party_authorisation"),
        pl.lit(date(year, month, days)).alias("invoicing_date"),
    )
    r80 = per_invoice.select(
        "invoice",
        pl.lit(10**9).alias("pos"),
        *invoice_zones,
        "amount_account_a",
        pl.lit(date(year, month, days)).alias("invoice_date"),
        ((pl.col("code_sum") % 97).replace(0, 97)).alias("invoice_check_number"),
    )
    parts.append(r20.select("invoice", "pos", pl.lit("20").alias("record_type"),
                            format_records(RECORDS["20"], r20, with_check=False).alias("body")))
    parts.append(r80.select("invoice", "pos", pl.lit("80").alias("record_type"),
                            format_records(RECORDS["80"], r80, with_check=False).alias("body")))
    total_a = int(per_invoice["amount_account_a"].sum())
    all_codes = int(per_invoice["code_sum"].sum())
    header = {
        "file_version": 9991999, "sending_number": sending_number, "invoicing_content": 40,
        "third_party_number": GENERATED_THIRD_PARTY, "invoiced_year": year, "invoiced_month": month,
        "creation_date": date(year, month, days), "third_party_reference": "GENERATED",
        "bic_account_a": "BBRUBEBB", "iban_account_a": "BE68539007547034",
    }
    r10 = format_record(RECORDS["10"], header)[8:348]
    r90 = format_record(RECORDS["90"], {
        **{k: header[k] for k in ("sending_number", "third_party_number", "invoiced_year", "invoiced_month",
                                  "third_party_reference", "bic_account_a", "iban_account_a")},
        "amount_account_a": total_a, "sending_check_number": (all_codes % 97) or 97,
    })[8:348]
    body = pl.concat([p.cast({"invoice": pl.Int64, "pos": pl.Int64}) for p in parts]).sort("invoice", "pos")
    body = pl.concat([
        pl.DataFrame({"record_type": ["10"], "rest": [r10]}),
        body.select("record_type", pl.col("body").str.slice(8).alias("rest")),
        pl.DataFrame({"record_type": ["90"], "rest": [r90]}),
    ])
    texts = body.select(
        pl.concat_str(
            "record_type", (pl.int_range(1, pl.len() + 1) % SEQUENCE_MODULUS).cast(pl.Utf8).str.zfill(6), "rest"
        ).alias("t")
    )["t"]
    records = with_record_checks(texts)
    lines_95 = []
    per_mut = per_invoice.group_by(pl.col("destination").alias("mutuality")).agg(
        pl.col("amount_account_a").sum(),
        pl.col("code_sum").sum(),
        (pl.col("n50").sum() * (2 if eid else 1) + 2 * pl.len()).alias("count"),
    ).sort("mutuality")
    for row in per_mut.iter_rows(named=True):
        lines_95.append(format_record(RECORDS["95"], {
            "mutuality_number": row["mutuality"], "collective_invoice_number": sending_number,
            "amount_account_a": row["amount_account_a"], "amount_total": row["amount_account_a"],
            "record_count": row["count"], "check_number": (row["code_sum"] % 97) or 97,
        }))
    line_96 = format_record(RECORDS["96"], {
        "mutuality_number": (min(per_mut["mutuality"].to_list()) // 100) * 100 + 99, "amount_account_a": total_a,
        "amount_total": total_a, "record_count": int(per_mut["count"].sum()), "check_number": (all_codes % 97) or 97,
    })
    head = [
        format_record(SEGMENT_200, {"message_name": 920000, "message_version": 1, "message_type": 92,
                                    "provider_reference": "GENERATED"}),
        format_record(SEGMENT_300, {"invoiced_period": period, "sending_number": sending_number,
                                    "creation_date": date(year, month, days), "invoice_reference": "GENERATED",
                                    "instructions_version": 9991999, "invoice_type": 3, "invoicing_mode": 1}),
    ]
    body_bytes = contiguous_bytes(pl.select(pl.concat_str(pl.lit(records), pl.lit("\n"))).to_series())
    data = b"".join([("\n".join(head) + "\n").encode(), body_bytes, ("\n".join([*lines_95, line_96]) + "\n").encode()])
    if destination is not None:
        Path(destination).parent.mkdir(parents=True, exist_ok=True)
        Path(destination).write_bytes(data)
    return data
