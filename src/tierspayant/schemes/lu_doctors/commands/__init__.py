"""Commands of the Luxembourg doctors' device flat rates (a Typer group; the CLI mounts it, e.g. as ``lu-doctors``).

- ``examples OUT``: the demo files (a gynaecologist's scanner shared by two doctors: declaration, a month of flat
  rates) written with the real writers;
- ``validate FILE``: read a DECLAPP / RETDECL / FACFORF / RETFORF with its layout-01 XSD and say what is wrong;
- ``register DB FILE``: the fund registers (or refuses) the declarations of a DECLAPP and writes the RETDECL;
- ``adjudicate DB FILE``: the fund adjudicates a FACFORF and writes the RETFORF;
- ``usage DB DEVICE``: full rates used this year by all the device's doctors, what is left.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import typer
from rich.console import Console

from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_doctors.examples import (
    COLLEAGUE,
    GYNAECOLOGIST,
    declaration_name,
    flat_rates_name,
    new_device_declaration,
    patient,
    third_party_invoice,
)
from tierspayant.schemes.lu_doctors.formats.messages import FlatRateFile
from tierspayant.schemes.lu_doctors.formats.naming import DoctorsFileName
from tierspayant.schemes.lu_doctors.formats.reader import (
    read_declaration_zip,
    read_flat_rates_frame,
    read_register_answer,
    read_return,
)
from tierspayant.schemes.lu_doctors.formats.writer import declaration_zip, flat_rates_bytes
from tierspayant.schemes.lu_doctors.fund.service import DeviceFund
from tierspayant.schemes.lu_doctors.reference import load_reference_dir, load_sample_reference
from tierspayant.store.database import sqlite_url

app = typer.Typer(help="Luxembourg doctors: device register and device-usage flat rates.", no_args_is_help=True)
console = Console()


def _url(database: str) -> str:
    return database if "://" in database else sqlite_url(database)


def _fund(database: str, reference: Path | None) -> DeviceFund:
    fund = DeviceFund(_url(database), load_reference_dir(reference) if reference else load_sample_reference())
    fund.init()
    return fund


def _fail(error: FindingsError) -> None:
    for finding in error.findings:
        console.print(f"[red]{finding}[/red]")
    raise typer.Exit(1)


@app.command()
def examples(out: Path = typer.Argument(..., help="folder to write the demo files into")) -> None:
    """Write a demo DECLAPP (a gynaecologist's scanner shared with a colleague) and a FACFORF of its flat rates."""
    out.mkdir(parents=True, exist_ok=True)
    declaration = new_device_declaration()
    (out / declaration_name(declaration)).write_bytes(declaration_zip(declaration))
    invoices = tuple(
        third_party_invoice(
            f"T{n}", doctor, patient(n), date(2025, 3, n + 2), "ECHO0000001", "DF21", Decimal("36.00"), f"FN-{n}"
        )
        for n, doctor in enumerate((GYNAECOLOGIST, COLLEAGUE, GYNAECOLOGIST), start=1)
    )
    month = FlatRateFile(
        GYNAECOLOGIST, "2025-03", "M1", date(2025, 4, 2), invoices, FlatRateFile.statement_of(invoices)
    )
    (out / flat_rates_name(month)).write_bytes(flat_rates_bytes(month))
    for path in sorted(out.iterdir()):
        console.print(f"wrote {path}")


@app.command()
def validate(file: Path) -> None:
    """Check a file's name, its envelope and its layout-01 XSD; exit 1 with the findings when it is not valid."""
    try:
        name = DoctorsFileName.parse(file.name)
        if name.file_type == "DECLAPP":
            declaration = read_declaration_zip(file, file.name)
            summary = f"{len(declaration.declarations)} declaration(s), {len(declaration.attachments)} document(s)"
        elif name.file_type == "RETDECL":
            summary = f"{len(read_register_answer(file).answers)} answer(s)"
        elif name.file_type == "FACFORF":
            batch = read_flat_rates_frame(file)
            summary = f"{batch.statement.invoice_count} invoice(s), {batch.lines.height} line(s)"
        else:
            back = read_return(file)
            summary = f"{back.status}, {back.line_count} line(s), covered {back.covered}"
    except FindingsError as error:
        _fail(error)
        return
    console.print(f"[green]valid[/green] {name.file_type} layout {name.layout}: {summary}")


@app.command()
def register(
    database: str = typer.Argument(..., help="the fund's database (SQLite path or URL)"),
    file: Path = typer.Argument(..., help="a DECLAPP ZIP"),
    today: str = typer.Option(date.today().isoformat(), help="processing date (YYYY-MM-DD)"),
    out: Path | None = typer.Option(None, help="folder for the RETDECL (default: beside the file)"),
    reference: Path | None = typer.Option(None, help="folder of official reference files (default: SAMPLE)"),
) -> None:
    """The fund registers, closes or refuses each declaration and writes the RETDECL."""
    try:
        result = _fund(database, reference).receive_declaration(file.read_bytes(), file.name, date.fromisoformat(today))
    except FindingsError as error:
        _fail(error)
        return
    target = (out or file.parent) / result.answer_name
    target.write_bytes(result.answer)
    for answer in read_register_answer(result.answer).answers:
        reasons = "; ".join(f"{r.code} {r.message}" for r in answer.reasons)
        console.print(f"declaration {answer.number}: {answer.status} {answer.device_id or ''} {reasons}")
    console.print(f"wrote {target}")


@app.command()
def adjudicate(
    database: str = typer.Argument(..., help="the fund's database (SQLite path or URL)"),
    file: Path = typer.Argument(..., help="a FACFORF"),
    today: str = typer.Option(date.today().isoformat(), help="processing date (YYYY-MM-DD)"),
    out: Path | None = typer.Option(None, help="folder for the RETFORF (default: beside the file)"),
    reference: Path | None = typer.Option(None, help="folder of official reference files (default: SAMPLE)"),
) -> None:
    """The fund adjudicates a month of flat-rate invoices and writes the RETFORF."""
    try:
        result = _fund(database, reference).receive_flat_rates(file, file.name, date.fromisoformat(today))
    except FindingsError as error:
        _fail(error)
        return
    target = (out or file.parent) / result.answer_name
    target.write_bytes(result.answer)
    console.print(f"{result.status}: covered {result.covered} EUR, payment on {result.payment_date}; wrote {target}")


@app.command()
def usage(
    database: str = typer.Argument(..., help="the fund's database (SQLite path or URL)"),
    device: str = typer.Argument(..., help="device identifier"),
    year: int = typer.Option(date.today().year, help="calendar year"),
) -> None:
    """Full-rate flat rates paid this year for the device (all its doctors), left before the threshold and over the
    amortisation period."""
    fund = DeviceFund(_url(database))
    seen = fund.usage(device, year)
    console.print(
        f"{device} {year}: {seen.full_used_year} full / {seen.annual_threshold} (left {seen.left_before_threshold}), "
        f"{seen.reduced_used_year} reduced; amortisation {seen.full_used_total} / {seen.amortisation_total} "
        f"(left {seen.left_over_amortisation})"
    )
