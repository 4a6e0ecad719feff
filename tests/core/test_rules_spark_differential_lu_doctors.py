"""Every rule of the Luxembourg doctors' flat rates on both engines — DuckDB (the default) and Apache Spark — with
identical findings and identical outcomes (status, code paid, amount covered per line).

Generated FACFORF batches go through the fund's real entry point (``adjudicate``: both passes, the ``count_`` rules
over the lines left open) once per engine. Each generated batch holds one item of every kind — clean flat rates
for the counting rules and one item per line-level defect — in a drawn order, with drawn dates, devices, patients,
thresholds and history, so that every rule fires on DuckDB across the examples (checked: a batch that fires
nothing proves nothing). The demo FACFORF of ``lu-doctors examples`` and a file of the benchmark generator
(``examples.generate_flat_rates``) are adjudicated on both engines too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from spark_differential import DIFFERENTIAL, assert_same, on_both
from typer.testing import CliRunner

from tierspayant.core.identifiers.matricule import compute_matricule
from tierspayant.schemes.lu_doctors.commands import app
from tierspayant.schemes.lu_doctors.examples import ASSOCIATION, bench_devices, generate_flat_rates
from tierspayant.schemes.lu_doctors.formats.messages import Statement
from tierspayant.schemes.lu_doctors.formats.reader import LINE_COLUMNS, FlatRateBatch, read_flat_rates_frame
from tierspayant.schemes.lu_doctors.fund.adjudication import (
    DEVICE_SCHEMA,
    PAID_SCHEMA,
    PATIENT_ACT_SCHEMA,
    USAGE_SCHEMA,
    USAGE_TOTAL_SCHEMA,
    FundContext,
    adjudicate,
    scheme_rules,
)
from tierspayant.schemes.lu_doctors.reference import OPEN_END, load_sample_reference

REFERENCE = load_sample_reference()
MONTH = "2025-03"
DOCTORS = ("10234567", "10345678")
PATIENTS = (compute_matricule(date(1985, 4, 12), 123), compute_matricule(date(1990, 7, 1), 45))
IN_MONTH = (date(2025, 3, 3), date(2025, 3, 12), date(2025, 3, 25), date(2025, 3, 31))
E1, E2, CLOSING, HOSPITAL, CTG = "ECHO0000001", "ECHO0000002", "ECHO0000004", "ECHO0000005", "CTG00000006"
OUTCOME = ("row_id", "status", "paid_code", "full_rate", "covered_cents")

# One item of each kind per generated batch; the comment names the rule it is there to fire.
KINDS = (
    "clean_e1",  # count_annual_threshold (E1's threshold is drawn small, its usage this year drawn)
    "clean_e2",  # count_amortisation_total (E2's amortisation total is drawn small)
    "reduced",  # a reduced flat rate: never counted
    "late",  # service_in_month
    "unknown_act",  # act_known
    "x_technical",  # x_act_refused (the technical act a third-party flat rate names carries the letter X)
    "amount",  # official_amount
    "technical_billed",  # third_party_flat_rates_only
    "unknown_device",  # device_declared
    "not_in_use",  # device_in_use
    "hospital",  # outside_hospital
    "wrong_code",  # flat_rate_code_of_device
    "no_technical",  # third_party_technical_act
    "duplicate",  # already_paid (a second flat rate for the same technical act)
    "paid_before",  # already_paid (the same invoice line paid earlier)
    "pid_pair",  # a PID fee note: the technical act and its flat rate
    "pid_alone",  # pid_technical_act
    "pid_x",  # x_act_refused and pid_technical_act (an X act carries no flat rate)
    "wrong_total",  # invoice_total
    # Two invoices under one number (the streaming reader does not refuse it), their lines both numbered 1: the
    # rankings tie on (invoice, line), and which line a rule picks must not depend on the engine.
    "twins",  # already_paid (same fee note) or the counting rules (two fee notes)
    "pid_twins",  # pid_technical_act: two flat rates, one technical act
)


@dataclass(frozen=True)
class Case:
    batch: FlatRateBatch
    context: FundContext


def _tariff_cents(code: str, day: date) -> int:
    row = REFERENCE.act(code, day)
    return int(row["tariff_cents"]) if row is not None else 1000


def _line(invoice: str, day: date, code: str, *, device: str | None = None, place: str = "CAB",
          technical: str | None = None, fee_note: str | None = None, off: int = 0) -> dict[str, Any]:  # fmt: skip
    return {"invoice_number": invoice, "service_date": day, "act_code": code, "device_id": device, "place": place,
            "technical_act": technical, "fee_note_ref": fee_note,
            "amount_cents": _tariff_cents(code, day) + off}  # fmt: skip


@st.composite
def item(draw: st.DrawFn, kind: str, number: int) -> tuple[list[dict[str, Any]], bool, bool]:
    """The lines of one item, whether the fund knows their technical acts, and whether they were paid before."""
    third = draw(st.sampled_from(("T1", "T2")))
    day = draw(st.sampled_from(IN_MONTH))
    tech = draw(st.sampled_from(("6E21", "6E11")))
    note = f"FN-{number}"

    def flat(device: str | None = E1, code: str = "DF21", when: date | None = None, **changes: Any) -> dict[str, Any]:
        values: dict[str, Any] = {"device": device, "technical": tech, "fee_note": note, **changes}
        return _line(third, when or day, code, **values)

    known, paid = True, False
    if kind in ("clean_e1", "paid_before"):
        lines = [flat()]
        paid = kind == "paid_before"
    elif kind == "clean_e2":
        lines = [flat(E2)]
    elif kind == "reduced":
        lines = [flat(draw(st.sampled_from((E1, E2))), "DF22")]
    elif kind == "late":
        lines = [_line(third, date(2025, 4, 1), "DF21", device=E1, technical=tech, fee_note=note)]
    elif kind == "unknown_act":  # an act that never existed, or a flat rate before its nomenclature row
        code, when = draw(st.sampled_from((("ZZ99", day), ("DF21", date(2024, 12, 31)))))
        lines = [_line(third, when, code, device=E1, technical=tech, fee_note=note)]
    elif kind == "x_technical":
        lines = [flat(technical=draw(st.sampled_from(("6E21X", "6E11X"))))]
    elif kind == "amount":
        lines = [flat(off=draw(st.sampled_from((1, -1, 100))))]
    elif kind == "technical_billed":
        lines = [_line(third, day, tech)]
    elif kind == "unknown_device":
        lines = [flat(draw(st.sampled_from(("ECHO0000999", None))))]
    elif kind == "not_in_use":  # CLOSING is in use from 2025-03-10 and leaves service on 2025-03-20
        lines = [flat(CLOSING, when=draw(st.sampled_from((date(2025, 3, 3), date(2025, 3, 20), date(2025, 3, 25)))))]
    elif kind == "hospital":
        lines = [draw(st.sampled_from((flat(place="HOP"), flat(HOSPITAL))))]
    elif kind == "wrong_code":
        lines = [draw(st.sampled_from((flat(code="DF41"), flat(CTG, technical="6C11"))))]
    elif kind == "no_technical":
        how = draw(st.sampled_from(("unknown", "no_act", "no_note", "other_kind")))
        known = how != "unknown"
        changes = {"no_act": {"technical": None}, "no_note": {"fee_note": None}, "other_kind": {"technical": "6C11"}}
        lines = [flat(**changes.get(how, {}))]
    elif kind == "duplicate":
        lines = [flat(), flat()]
    elif kind in ("pid_pair", "pid_alone", "pid_x"):
        pid = draw(st.sampled_from(("P1", "P2")))
        acts = {"pid_pair": [tech], "pid_alone": [], "pid_x": [tech + "X"]}[kind]
        device = draw(st.sampled_from((E1, E2)))
        lines = [*(_line(pid, day, act) for act in acts), _line(pid, day, "DF21", device=device)]
    elif kind == "twins":
        other = note if draw(st.booleans()) else f"{note}b"
        lines = [{**flat(), "invoice_number": "T3#1"}, {**flat(fee_note=other), "invoice_number": "T3#2"}]
    elif kind == "pid_twins":
        device = draw(st.sampled_from((E1, E2)))
        lines = [_line("P3#1", day, "DF21", device=device), _line("P3#1", day, tech),
                 _line("P3#2", day, "DF21", device=device)]  # fmt: skip
    else:  # wrong_total: an invoice of its own whose stated total is not the sum of its lines
        lines = [{**flat(), "invoice_number": "T9"}]
    return lines, known, paid


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kinds = list(draw(st.permutations(KINDS)))
    kinds += draw(st.lists(st.sampled_from(KINDS[:3]), max_size=3))  # more flat rates for the counting rules
    items = [draw(item(kind, number)) for number, kind in enumerate(kinds, start=1)]
    # an item's lines name their invoice element ("T3#2": the second invoice numbered T3)
    elements = sorted({line["invoice_number"] for lines, _, _ in items for line in lines})
    invoices = sorted({element.split("#")[0] for element in elements})
    who = {number: (draw(st.sampled_from(DOCTORS)), draw(st.sampled_from(PATIENTS))) for number in invoices}
    rows: list[dict[str, Any]] = []
    known_acts: list[dict[str, Any]] = []
    paid: list[dict[str, Any]] = []
    for element in elements:  # the file holds each invoice's lines together, numbered from 1
        invoice = element.split("#")[0]
        mode = "pid" if invoice.startswith("P") else "tiers_payant"
        doctor, matricule = who[invoice]
        held = [(line, known, was) for ls, known, was in items for line in ls if line["invoice_number"] == element]
        for number, (line, known, was_paid) in enumerate(held, start=1):
            row = {**line, "invoice_number": invoice, "row_id": len(rows) + 1, "line": number, "mode": mode,
                   "doctor_code": doctor, "matricule": matricule, "fund": "CNS"}  # fmt: skip
            rows.append(row)
            if known and mode == "tiers_payant" and line["technical_act"] and line["fee_note_ref"]:
                act = (line["fee_note_ref"], doctor, matricule, line["service_date"], line["technical_act"])
                known_acts.append(dict(zip(PATIENT_ACT_SCHEMA, act, strict=True)))
            if was_paid:
                paid.append({**row, "billing_code": ASSOCIATION})
    totals = {invoice: sum(r["amount_cents"] for r in rows if r["invoice_number"] == invoice) for invoice in invoices}
    totals["T9"] += 100
    for row in rows:
        row["invoice_total_cents"] = totals[row["invoice_number"]]
    lines_frame = pl.DataFrame([[row.get(c) for c in LINE_COLUMNS] for row in rows], schema=LINE_COLUMNS, orient="row")
    true_total = sum(row["amount_cents"] for row in rows)
    # the statement as the rules count the file (distinct invoice numbers), or off in its counts, its total or both
    extra_invoices, extra_cents = draw(st.sampled_from(((0, 0), (1, 0), (0, 1), (1, 1))))
    statement = Statement(len(invoices) + extra_invoices, len(rows), _euros(true_total + extra_cents))
    batch = FlatRateBatch("generated.xml", ASSOCIATION, MONTH, "G1", date(2025, 4, 2), lines_frame, statement)
    return Case(batch, _context(draw, known_acts, paid))


def _context(draw: st.DrawFn, known_acts: list[dict[str, Any]], paid: list[dict[str, Any]]) -> FundContext:
    def device(device_id: str, **changes: Any) -> dict[str, Any]:
        return {"device_id": device_id, "kind_code": "ECHO", "in_hospital": False, "in_use_from": date(2025, 1, 1),
                "closed_on": OPEN_END, "annual_threshold": 100, "amortisation_total": 1000, "full_code": "DF21",
                "reduced_code": "DF22", **changes}  # fmt: skip

    devices = [
        device(E1, annual_threshold=draw(st.sampled_from((1, 2, 5)))),
        device(E2, amortisation_total=draw(st.sampled_from((1, 2, 5)))),
        device(CLOSING, in_use_from=date(2025, 3, 10), closed_on=date(2025, 3, 20)),
        device(HOSPITAL, in_hospital=True),
        device(CTG, kind_code="CTG", full_code="DF41", reduced_code="DF42"),
    ]
    usage = [{"device_id": E1, "year": 2025, "full_used_year": draw(st.sampled_from((1, 0, 3)))}]
    usage_total = [{"device_id": E2, "full_used_total": draw(st.sampled_from((1, 0, 4)))}]
    return FundContext(
        _frame(devices, DEVICE_SCHEMA),
        _frame(known_acts, PATIENT_ACT_SCHEMA),
        _frame(paid, PAID_SCHEMA),
        _frame(usage, USAGE_SCHEMA),
        _frame(usage_total, USAGE_TOTAL_SCHEMA),
    )


def _frame(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([[row.get(c) for c in schema] for row in rows], schema=schema, orient="row")


def _euros(cents: int) -> Decimal:
    return Decimal(cents) / 100


def assert_same_adjudication(batch: FlatRateBatch, context: FundContext) -> pl.DataFrame:
    """Adjudicate on both engines: the same findings and the same outcome per line. Returns DuckDB's findings."""
    outcomes: list[pl.DataFrame] = []

    def run() -> pl.DataFrame:
        result = adjudicate(batch, REFERENCE, context)
        outcomes.append(result.lines.select(OUTCOME))
        return result.findings

    duck, spark = on_both(run)
    assert_same(duck, spark)
    assert_same(*outcomes)
    return duck


def test_generated_batches_agree_and_fire_every_rule(spark: Any) -> None:
    fired: set[str] = set()

    @DIFFERENTIAL
    @given(case=cases())
    def agree(case: Case) -> None:
        fired.update(assert_same_adjudication(case.batch, case.context)["rule"].to_list())

    agree()
    assert {rule.id for rule in scheme_rules()} - fired == set(), "rules no generated batch fired on DuckDB"


# --- the example files ----------------------------------------------------------------------------------------------


def test_demo_file_agrees(spark: Any, tmp_path: Path) -> None:
    """The FACFORF of ``lu-doctors examples`` (three third-party flat rates on the shared scanner), against a register
    whose threshold the month crosses and a fund that knows two of the three technical acts."""
    result = CliRunner().invoke(app, ["examples", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("*FACFORF*")
    batch = read_flat_rates_frame(path.read_bytes(), path.name)
    lines = batch.lines.filter(pl.col("fee_note_ref") != "FN-3")
    acts = lines.select(
        pl.col("fee_note_ref").alias("fee_note_id"), "doctor_code", "matricule", "service_date",
        pl.col("technical_act").alias("act_code"),
    )  # fmt: skip
    device = {"device_id": "ECHO0000001", "kind_code": "ECHO", "in_hospital": False, "in_use_from": date(2024, 6, 1),
              "closed_on": OPEN_END, "annual_threshold": 2, "amortisation_total": 3, "full_code": "DF21",
              "reduced_code": "DF22"}  # fmt: skip
    context = FundContext(
        _frame([device], DEVICE_SCHEMA),
        acts.cast(PATIENT_ACT_SCHEMA),  # type: ignore[arg-type]
        _frame([], PAID_SCHEMA),
        _frame([{"device_id": "ECHO0000001", "year": 2025, "full_used_year": 1}], USAGE_SCHEMA),
        _frame([{"device_id": "ECHO0000001", "full_used_total": 1}], USAGE_TOTAL_SCHEMA),
    )
    duck = assert_same_adjudication(batch, context)
    assert {"third_party_technical_act", "count_annual_threshold"} <= set(duck["rule"])


def test_generated_month_agrees(spark: Any, tmp_path: Path) -> None:
    """A month from the benchmark generator (third-party invoices and PID fee notes over three scanners), with one
    technical act in ten unknown to the fund and thresholds the month crosses."""
    path = tmp_path / "month.xml"
    devices = bench_devices(3)
    acts = generate_flat_rates(path, 120, devices, date(2025, 3, 1))
    batch = read_flat_rates_frame(path, path.name)
    known = [dict(zip(PATIENT_ACT_SCHEMA, act, strict=True)) for n, act in enumerate(acts) if n % 10]
    register = [{"device_id": d, "kind_code": "ECHO", "in_hospital": False, "in_use_from": date(2025, 1, 1),
                 "closed_on": OPEN_END, "annual_threshold": 20, "amortisation_total": 30 + 5 * n, "full_code": "DF21",
                 "reduced_code": "DF22"} for n, d in enumerate(devices)]  # fmt: skip
    context = FundContext(
        _frame(register, DEVICE_SCHEMA),
        _frame(known, PATIENT_ACT_SCHEMA),
        _frame([], PAID_SCHEMA),
        _frame([{"device_id": devices[0], "year": 2025, "full_used_year": 10}], USAGE_SCHEMA),
        _frame([{"device_id": devices[1], "full_used_total": 20}], USAGE_TOTAL_SCHEMA),
    )
    duck = assert_same_adjudication(batch, context)
    assert {"third_party_technical_act", "count_annual_threshold", "count_amortisation_total"} <= set(duck["rule"])
