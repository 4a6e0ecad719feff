"""Commands of the ``be`` group: Belgian home nursing through MyCareNet eFact.

``be efact build|validate|explain|import|rejected|correct`` are the nurse's side; ``be refac …`` (the mutuality's
REFAC processing) lives in ``commands/be_refac.py`` and is registered at the end of this file.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tierspayant.commands.output import JSON_OPTION, console, err_console, print_json, print_table
from tierspayant.core.findings import Finding, FindingsError
from tierspayant.schemes.be_nursing.commands import mutuality as be_refac
from tierspayant.schemes.be_nursing.formats import error_codes
from tierspayant.schemes.be_nursing.formats.checks import DEFAULT_POLICY, WITH_51_52, CheckNumberPolicy
from tierspayant.store.database import sqlite_url

if TYPE_CHECKING:
    from tierspayant.schemes.be_nursing.nurse.ledger import NurseLedger

app = typer.Typer(no_args_is_help=True)
efact_app = typer.Typer(no_args_is_help=True)
app.add_typer(
    efact_app,
    name="efact",
    help="The nurse's eFact files: build the monthly 920000, validate a file, explain and import the replies.",
)

FINDING_COLUMNS = ["line", "location", "code", "message"]
DATABASE_OPTION = typer.Option(
    None,
    "--database",
    help="The nurse's database URL (default: $TIERSPAYANT_NURSE_DB, else sqlite file nurse.db here).",
)
POLICY_OPTION = typer.Option(
    "50", "--check-numbers", help="Which records' codes enter the check numbers: '50' or '50-51-52'."
)


def _policy(text: str) -> CheckNumberPolicy:
    if text == "50":
        return DEFAULT_POLICY
    if text in ("50-51-52", "50,51,52"):
        return WITH_51_52
    raise typer.BadParameter("'50' or '50-51-52'")


def _database(url: str | None) -> str:
    return url or os.environ.get("TIERSPAYANT_NURSE_DB") or sqlite_url(Path("nurse.db"))


def _ledger(url: str | None) -> NurseLedger:
    from tierspayant.schemes.be_nursing.nurse.ledger import NurseLedger  # the database layer only when needed

    return NurseLedger(_database(url))


def _fail(findings: list[Finding], as_json: bool) -> None:
    if as_json:
        print_json({"ok": False, "findings": [f.to_dict() for f in findings]})
    else:
        print_table("refused", FINDING_COLUMNS, [[f.line, f.location, f.code, f.message] for f in findings])
    raise typer.Exit(1)


@efact_app.command("validate")
def validate(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="A 920000 invoicing file."),
    check_numbers: str = POLICY_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Check a 920000 the way the mutuality's first controls do: order of records, lengths, zone formats, record
    check digits, invoice / sending / per-mutuality check numbers and totals.
    Exit status 0 when clean, 1 when only non-blocking problems were found, 2 when a blocking error was."""
    from tierspayant.schemes.be_nursing.formats.frames import read_sending

    try:
        sending = read_sending(file, file.name, policy=_policy(check_numbers))
    except ValueError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    counts = {k: v.height for k, v in sending.frames.items()}
    if as_json:
        print_json(
            {
                "file": file.name,
                "ok": sending.ok,
                "blocking": sending.blocking,
                "sending_number": sending.sending_number,
                "invoiced_period": sending.invoiced_period,
                "records": counts,
                "problems": sending.errors.height,
                "findings": [f.to_dict() for f in sending.findings],
            }
        )
    else:
        summary = ", ".join(f"{n} × {t}" for t, n in counts.items() if n)
        console.print(f"{file.name}: sending {sending.sending_number}, period {sending.invoiced_period}: {summary}")
        if sending.ok:
            console.print("[green]no problem found[/green]")
        else:
            print_table(
                f"{sending.errors.height} problem(s)",
                FINDING_COLUMNS,
                [[f.line, f.location, f.code, f.message] for f in sending.findings],
            )
    if not sending.ok:
        raise typer.Exit(2 if sending.blocking else 1)


@efact_app.command("explain")
def explain(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="A reply: 931000, 920999, 920098, 920099 or 920900."
    ),
    language: str = typer.Option("fr", help="Language of the error labels: fr or nl (both with --json)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Explain a reply: each rejected line with its codes, their official labels and the mutuality's comment."""
    from tierspayant.schemes.be_nursing.formats.messages import read_reply

    if language not in ("fr", "nl"):
        raise typer.BadParameter("fr or nl")
    reply = read_reply(file)
    if reply.findings and not reply.segment_200:
        _fail(reply.findings, as_json)
    rows: list[dict[str, Any]] = []
    for record in reply.rejected:
        v = record.values
        rows.append(
            {
                "line": record.record_index,
                "record": record.record_type,
                "reference": v.get("institution_reference"),
                "service_date": (v.get("first_service_date") or v.get("service_date")),
                "code": v.get("nomenclature_code"),
                "rejections": [
                    {"code": j.code, "letter": j.letter, "fr": j.label("fr"), "nl": j.label("nl")}
                    for j in record.rejections
                ],
                "comment": record.comment,
            }
        )
    zone_errors = [
        {"record": rec, "zone": zone, "error": err}
        for rec, zones in reply.segment_errors.items()
        for zone, err in zones.items()
    ]
    if as_json:
        print_json(
            {
                "file": file.name,
                "kind": reply.kind,
                "sending_number": reply.sending_number,
                "error_percentage": str(reply.error_percentage) if reply.error_percentage else None,
                "refusal_type": reply.refusal_type,
                "payment_date": reply.payment_date,
                "rejected": rows,
                "zone_errors": zone_errors,
                "findings": [f.to_dict() for f in reply.findings],
            }
        )
        return
    meaning = {
        "931000": "acknowledgement",
        "920999": "file refused at the preliminary controls",
        "920099": "whole file rejected: correct and resend with the same sending number",
        "920098": "informative errors; processing continues",
        "920900": "settlement",
    }.get(reply.kind, "?")
    console.print(f"{file.name}: {reply.kind} ({meaning}), sending {reply.sending_number}")
    if reply.refusal_type:
        kind = {1: "blocking errors", 2: "more than 5% errors"}.get(reply.refusal_type, str(reply.refusal_type))
        console.print(f"refusal: {kind}, error rate {reply.error_percentage}%")
    if reply.payment_date:
        console.print(f"payment date: {reply.payment_date}")
    if zone_errors:
        print_table("zone errors", ["record", "zone", "error"], [list(z.values()) for z in zone_errors])
    print_table(
        f"{len(rows)} rejected record(s)",
        ["line", "ref", "date", "code", "rejection", "label", "comment"],
        [
            [
                r["line"],
                r["reference"],
                r["service_date"],
                r["code"],
                " ".join(j["letter"] + j["code"] for j in r["rejections"]),
                " / ".join(j[language] for j in r["rejections"]),
                r["comment"],
            ]
            for r in rows
        ],
    )


@efact_app.command("build")
def build(
    visits: Path = typer.Argument(
        ..., exists=True, dir_okay=False, readable=True, help="Visits: a YAML visit book or a CSV (with --third-party)."
    ),
    period: str = typer.Option(..., help="Invoiced month YYYYMM."),
    out: Path = typer.Option(..., "--out", help="Where to write the 920000."),
    third_party: str | None = typer.Option(None, help="For a CSV: the group's INAMI number (third-party payer)."),
    resend: int | None = typer.Option(None, help="Resend a refused/rejected sending with its own number."),
    creation_date: str | None = typer.Option(None, help="Creation date YYYY-MM-DD (default: today)."),
    check_numbers: str = POLICY_OPTION,
    database: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the visits and invoice every pending one (new, corrected or re-queued) in the month's 920000, under
    the next sending number (never one already used)."""
    from tierspayant.schemes.be_nursing.nurse.billing import eid_missing
    from tierspayant.schemes.be_nursing.nurse.visits import GroupSettings, load_book

    if not (len(period) == 6 and period.isdigit() and 1 <= int(period[4:]) <= 12):
        raise typer.BadParameter("YYYYMM", param_hint="--period")
    made = datetime.strptime(creation_date, "%Y-%m-%d").date() if creation_date else date.today()
    group = GroupSettings(third_party_number=third_party) if third_party else None
    try:
        book = load_book(visits, group)
    except (ValueError, OSError) as error:
        err_console.print(f"[red]{visits.name}: {error}[/red]")
        raise typer.Exit(2) from None
    ledger = _ledger(database)
    added = ledger.record_book(book)
    try:
        path, model = ledger.build(
            book.group, int(period), out, creation_date=made, resend=resend, policy=_policy(check_numbers)
        )
    except FindingsError as error:
        _fail(error.findings, as_json)
        return
    lines = sum(len(i.lines) for i in model.invoices)
    missing = eid_missing(book.visits)
    if as_json:
        print_json(
            {
                "file": str(path),
                "sending_number": model.sending_number,
                "invoices": len(model.invoices),
                "lines": lines,
                "recorded": len(added),
                "without_eid": len(missing),
            }
        )
        return
    console.print(
        f"{path}: sending {model.sending_number}, {len(model.invoices)} invoice(s), {lines} line(s) "
        f"({len(added)} visit(s) newly recorded)"
    )
    if missing:
        console.print(
            f"[yellow]{len(missing)} visit(s) from 2017-10-01 without eID reading: REFAC rejects them (500112)[/yellow]"
        )


@efact_app.command("import")
def import_reply(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="A reply to our sending."),
    database: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Apply a reply to the ledger: accepted, rejected (to correct) and re-queued lines; importing twice is a no-op."""
    ledger = _ledger(database)
    try:
        result = ledger.import_reply(file)
    except FindingsError as error:
        _fail(error.findings, as_json)
        return
    data = {
        "kind": result.kind,
        "sending_number": result.sending_number,
        "already_imported": result.already_imported,
        "accepted": result.accepted,
        "rejected": result.rejected,
        "requeued": result.requeued,
        "informative": result.informative,
    }
    if as_json:
        print_json(data)
    else:
        print_table(f"{file.name}", ["", "value"], list(data.items()))


@efact_app.command("rejected")
def rejected(
    language: str = typer.Option("fr", help="Language of the labels in the table: fr or nl (both with --json)."),
    database: str | None = DATABASE_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The lines the mutuality rejected and that wait for a correction: codes, labels (FR and NL), comment."""
    lines = _ledger(database).rejected_lines()
    if as_json:
        print_json([line.__dict__ for line in lines])
        return
    print_table(
        f"{len(lines)} rejected line(s)",
        ["ref", "patient", "date", "code", "rejection", "label", "comment", "sending"],
        [
            [
                r.reference,
                r.patient_niss,
                r.service_date,
                r.nomenclature_code,
                " ".join(r.codes),
                " / ".join(r.labels_nl if language == "nl" else r.labels_fr),
                r.comment,
                r.sending_number,
            ]
            for r in lines
        ],
    )


@efact_app.command("correct")
def correct(
    reference: str = typer.Argument(..., help="The visit's reference (V00000012), as `rejected` lists it."),
    change: list[str] = typer.Option([], "--set", help="field=value, e.g. --set code=425036 --set date=2024-03-12"),
    database: str | None = DATABASE_OPTION,
) -> None:
    """Correct a rejected visit; it goes into the next sending."""
    changes = dict(item.split("=", 1) for item in change if "=" in item)
    try:
        _ledger(database).correct(reference, **changes)
    except (KeyError, ValueError) as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    console.print(f"{reference} corrected: re-invoiced in the next sending")


@efact_app.command("codes")
def codes(
    code: str = typer.Argument(..., help="An eFact error code, e.g. 500545 or R500545."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Look up an eFact error code: type and official labels."""
    entry = error_codes.lookup(code)
    if entry is None:
        err_console.print(f"[red]unknown error code {code}[/red]")
        raise typer.Exit(1)
    if as_json:
        print_json({"code": entry.code, "type": entry.type, "fr": entry.label_fr, "nl": entry.label_nl})
    else:
        print_table(entry.code, ["type", "FR", "NL"], [[entry.type, entry.label_fr, entry.label_nl]])


# --- the mutuality's side: `be refac …` is defined in commands/be_refac.py -----------------------------------------
app.add_typer(be_refac.app, name="refac", help="The mutuality's REFAC processing of 920000 files (replies).")
