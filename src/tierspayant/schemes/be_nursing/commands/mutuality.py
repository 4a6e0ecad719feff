"""``tierspayant be refac …``: the mutuality's REFAC processing of a 920000 nursing invoicing file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from tierspayant.commands.output import JSON_OPTION, console, print_json, print_table
from tierspayant.schemes.be_nursing.formats import error_codes
from tierspayant.schemes.be_nursing.mutuality.service import RefacOutcome, RefacService
from tierspayant.store.database import sqlite_url

app = typer.Typer(no_args_is_help=True, help="REFAC: the mutuality's controls of 920000 files and its replies.")


@app.callback()
def refac() -> None:
    """REFAC: the mutuality's controls of 920000 files and its replies (a group, even with one command)."""


EXIT_STATUS = {"accepted": 0, "duplicate": 0, "rejected": 1, "refused": 2}


@app.command("process")
def process(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The 920000 file received."),
    outbox: Path | None = typer.Option(None, help="Where to write the replies (default: <FILE's folder>/replies)."),
    database: str | None = typer.Option(
        None, "--database", envvar="TIERSPAYANT_REFAC_DB", help="Database URL (default: SQLite refac.db here)."
    ),
    reference_dir: Path | None = typer.Option(
        None, help="Reference tables (default: the packaged SAMPLE set).", exists=True, file_okay=False
    ),
    received_at: datetime | None = typer.Option(None, help="Reception time (default: now)."),
    language: str = typer.Option("fr", help="Language of the error labels: fr or nl."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Control FILE as REFAC does and write the replies: 920999, 920099, or 920098 and/or 920900.

    Exit status: 0 accepted (or a duplicate of an accepted sending), 1 rejected (920099), 2 refused (920999).
    """
    service = RefacService(database or sqlite_url("refac.db"), reference_dir)
    try:
        outcome = service.process(file, outbox or file.parent / "replies", received_at)
    finally:
        service.close()
    if as_json:
        print_json(outcome.to_dict())
    else:
        _show(outcome, "nl" if language == "nl" else "fr")
    raise typer.Exit(EXIT_STATUS.get(outcome.status, 1))


def _show(outcome: RefacOutcome, language: error_codes.Language) -> None:
    counts = outcome.counts
    rows = [
        ("status", outcome.status),
        ("replies", ", ".join(outcome.replies) or "—"),
        ("lines", counts.lines),
        ("lines in error", counts.lines_in_error),
        ("error percentage", outcome.error_percentage if outcome.error_percentage is not None else "—"),
        ("refusal type", outcome.refusal_type or "—"),
        ("accepted lines / amount", f"{counts.accepted_lines} / {counts.accepted_amount} EUR"),
        ("rejected lines / amount", f"{counts.rejected_lines} / {counts.rejected_amount} EUR"),
        ("payment date (order)", f"{outcome.payment_date} ({outcome.payment_order})" if outcome.payment_date else "—"),
        ("reference data", outcome.reference_version),
    ]
    print_table("REFAC", ("", "value"), rows)
    if outcome.acknowledgement is not None:
        console.print(f"acknowledged: {outcome.acknowledgement}")
    for path in outcome.written:
        console.print(f"written: {path}")
    if outcome.findings:
        print_table(
            "Errors",
            ("record", "code", "label", "comment"),
            [
                (f.line if f.line is not None else "", f.code, error_codes.label(f.code, language), f.message)
                for f in outcome.findings[:200]
            ],
        )
        if len(outcome.findings) > 200:
            console.print(f"… and {len(outcome.findings) - 200} more (use --json for all)")


@app.command("month")
def month(
    lines: int = typer.Option(10_000_000, min=1, help="Lines in the generated month (all nurses' sendings)."),
    engine: str = typer.Option(None, envvar="TIERSPAYANT_RULES_ENGINE", help="duckdb (in-process, default) or spark."),
    master: str | None = typer.Option(
        None, envvar="TIERSPAYANT_SPARK_MASTER", help="Spark master URL (default local[*]; spark://host:7077)."
    ),
    folder: Path = typer.Option(Path("var/months"), help="Where the month's Parquet tables are generated (once)."),
) -> None:
    """Run every REFAC rule over a generated national month of home nursing, with a progress bar.

    The month (patients of one mutuality, every nurse's lines, earlier accepted services) is written once as
    Parquet under FOLDER and reused; the rules then run over it on the chosen engine.
    """
    from tierspayant.commands.month_progress import ensure_month, run_with_progress
    from tierspayant.core.rules import configure

    configure(engine or "duckdb", master)
    generated = ensure_month(folder, lines, console)
    run = run_with_progress(generated, engine or "duckdb", console)
    per_rule = run.findings.group_by("rule").len().sort("len", descending=True)
    print_table(
        f"{run.lines:,} lines on {run.engine}: {run.findings.height:,} findings in {run.seconds:.1f} s "
        f"({run.lines / run.seconds:,.0f} lines/s)",
        ("rule", "findings"),
        [(rule, f"{count:,}") for rule, count in per_rule.iter_rows()],
    )
