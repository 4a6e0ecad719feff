"""Commands of the ``kin`` group: Luxembourg physiotherapy (KIN) files — validate, file names, examples."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import typer

from tierspayant.commands.output import JSON_OPTION, err_console, print_json, print_table
from tierspayant.core.findings import Effect, Finding, FindingsError
from tierspayant.core.identifiers.provider import ProviderCodeError, normalize_provider_code
from tierspayant.schemes.lu_kin.formats.naming import FILE_TYPES, KinFileName

app = typer.Typer(no_args_is_help=True)
name_app = typer.Typer(no_args_is_help=True)
app.add_typer(
    name_app,
    name="name",
    help="Build or parse a KIN file name: F{provider 8}{YYYY}{MM}_KIN_{TYPE}_{LAYOUT}_{YYYYMMDD}_{reference}.",
)

FINDING_COLUMNS = ["file", "line", "location", "code", "message"]


def _finding_rows(findings: list[Finding]) -> list[list[object]]:
    return [[f.file, f.line, f.location, f.code, f.message] for f in findings]


def _refuses(findings: list[Finding]) -> bool:
    return any(finding.effect != Effect.INFORM for finding in findings)


def _print_findings(title: str, findings: list[Finding], as_json: bool) -> None:
    if as_json:
        print_json({"valid": not _refuses(findings), "findings": [f.to_dict() for f in findings]})
    else:
        print_table(title, FINDING_COLUMNS, _finding_rows(findings))


@name_app.command("parse")
def name_parse(
    name: str = typer.Argument(..., help="A file name (a path is accepted: only its last part is read)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Read a KIN file name into its parts; every wrong part is reported with what is expected.
    Exit status 0 when the name is right."""
    file_name = Path(name).name if "/" in name else name
    try:
        parsed = KinFileName.parse(file_name)
    except FindingsError as error:
        _print_findings(f"KIN file name {file_name}: wrong", error.findings, as_json)
        raise typer.Exit(1) from None
    parts = {
        "provider_code": parsed.provider_code,
        "year": parsed.year,
        "month": parsed.month,
        "legal_frame": parsed.legal_frame,
        "file_type": parsed.file_type,
        "layout": parsed.layout,
        "send_date": parsed.send_date.isoformat(),
        "reference": parsed.reference,
        "extension": parsed.extension,
    }
    if as_json:
        print_json({"valid": True, "name": file_name, "parts": parts})
    else:
        print_table(f"KIN file name {file_name}", ["part", "value"], list(parts.items()))


def _parse_date(text: str) -> date:
    for layout in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise typer.BadParameter(f"a date is YYYY-MM-DD or YYYYMMDD, got {text!r}")


@name_app.command("build")
def name_build(
    provider: str = typer.Option(..., "--provider", help="Billing provider code (5–8 digits; padded to 8)."),
    year: int = typer.Option(..., "--year", help="Year, 4 digits."),
    month: int = typer.Option(..., "--month", min=1, max=12, help="Month 1–12."),
    file_type: str = typer.Option(..., "--type", help=f"File type: {', '.join(FILE_TYPES)}."),
    reference: str = typer.Option(..., "--reference", help="Your unique reference: ≤ 30 letters, digits, '.', '-'."),
    send_date: str = typer.Option(
        None, "--send-date", help="Send date YYYY-MM-DD or YYYYMMDD (default: today).", show_default=False
    ),
    layout: str = typer.Option("01", "--layout", help="Layout number."),
    extension: str = typer.Option(None, "--extension", help="Add .xml or .zip.", show_default=False),
    as_json: bool = JSON_OPTION,
) -> None:
    """Build a KIN file name from its parts; print it (or the findings when a part is wrong, exit status 1)."""
    try:
        provider_code = normalize_provider_code(provider)
    except ProviderCodeError as error:
        finding = Finding("KIN-NAME-PROVIDER", str(error), location="provider code (characters 2–9)")
        _print_findings("KIN file name: wrong part", [finding], as_json)
        raise typer.Exit(1) from None
    try:
        built = KinFileName(
            provider_code=provider_code,
            year=year,
            month=month,
            file_type=file_type.upper(),
            layout=layout,
            send_date=_parse_date(send_date) if send_date else date.today(),
            reference=reference,
            extension=extension.lower().lstrip(".") if extension else None,
        ).build()
    except FindingsError as error:
        _print_findings("KIN file name: wrong part", error.findings, as_json)
        raise typer.Exit(1) from None
    if as_json:
        print_json({"valid": True, "name": built})
    else:
        typer.echo(built)


def _validate_one(path: Path, as_name: str | None = None) -> list[Finding]:
    """Every finding against one file: its name, then its content (ZIP package or XML).

    The name is part of what is checked (annex 02). A file saved under another name (``fac.xml``) is checked under
    ``as_name`` when given, else under the name its header gives it — said in an information finding."""
    from tierspayant.schemes.lu_kin.formats.naming import check_name

    if not path.is_file():
        return [Finding("FILE-NOT-FOUND", "no such file", file=str(path))]
    name = as_name or path.name
    findings = check_name(name)
    with path.open("rb") as handle:
        is_zip = handle.read(4) == b"PK\x03\x04"
    if is_zip or path.suffix.lower() == ".zip":
        from tierspayant.schemes.lu_kin.formats.package import read_package

        try:
            package = read_package(path, name)  # a file over the archive limit is refused unread
        except FindingsError as error:
            return findings + error.findings
        return findings + package.findings
    from tierspayant.schemes.lu_kin.formats.package import header_findings
    from tierspayant.schemes.lu_kin.formats.reader import iter_file, validate_file

    if findings and as_name is None and (derived := _name_from_header(path)) is not None:
        findings = [
            Finding(
                "KIN-NAME-DERIVED",
                f"{path.name} is not a KIN file name: checked as {derived}, the name its header gives it; rename it "
                "so before sending",
                file=path.name,
                location="file name (annex 02)",
                rule="KIN-NAME-DERIVED",
                effect=Effect.INFORM,
            )
        ]
        name = derived
    content_findings = validate_file(path, name)
    if not _refuses(findings) and not _refuses(content_findings):
        header, _items = iter_file(path, name)  # the header only: the items are not read again
        content_findings += header_findings(KinFileName.parse(name), header, name)
    return findings + content_findings


def _name_from_header(path: Path) -> str | None:
    """The KIN name of an XML file from its header (facturier, type, layout, send date, reference); the period is
    the send date's month. None when the header cannot be read (the content findings then say why)."""
    from tierspayant.schemes.lu_kin.formats.reader import iter_file

    try:
        header, _items = iter_file(path, path.name)
        return KinFileName(
            provider_code=header.billing_provider,
            year=header.send_date.year,
            month=header.send_date.month,
            file_type=header.file_type,
            layout=header.layout,
            send_date=header.send_date,
            reference=header.reference,
            extension="xml",
        ).build()
    except (FindingsError, ValueError):
        return None


@app.command("validate")
def validate(
    files: list[Path] = typer.Argument(..., help="KIN files: XML (DEMAUT, RETAUT, FAC, RETFAC) or ZIP packages."),
    as_json: bool = JSON_OPTION,
    as_name: str | None = typer.Option(
        None, "--name", help="Check the file under this KIN name (default: its own name, or the header's)."
    ),
) -> None:
    """Check KIN files: the file name (annex 02), hostile content (DTDs, entities, ZIP traversal and bombs), the
    XSD of the file type and layout, and for ZIP packages the XML member and every prescription PDF (PDF/A, A4,
    200–300 DPI) and that the DEMAUT and the PDFs match. Exit status 0 only when every file is valid."""
    results = {str(path): _validate_one(path, as_name) for path in files}
    valid = {name: not _refuses(findings) for name, findings in results.items()}
    if as_json:
        print_json(
            [
                {"file": name, "valid": valid[name], "findings": [f.to_dict() for f in findings]}
                for name, findings in results.items()
            ]
        )
    else:
        rows = [row for findings in results.values() for row in _finding_rows(findings)]
        if rows:
            print_table("KIN validation findings", FINDING_COLUMNS, rows)
        for name, ok in valid.items():
            err_console.print(f"{name}: {'valid' if ok else '[bold red]INVALID[/]'}")
    raise typer.Exit(0 if all(valid.values()) else 1)


@app.command("example")
def example(
    file_type: str = typer.Argument(..., help=f"File type: {', '.join(FILE_TYPES)} (case-insensitive)."),
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of standard output."),
) -> None:
    """A realistic, valid example file of a KIN type (several patients; refusals and anomalies in the returns),
    to learn the layout from."""
    from tierspayant.schemes.lu_kin.examples import example as make_example

    if file_type.upper() not in FILE_TYPES:
        err_console.print(f"unknown KIN file type {file_type!r}: expected one of {', '.join(FILE_TYPES)}")
        raise typer.Exit(2)
    data = make_example(file_type.upper())
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)
        err_console.print(f"wrote {output} ({len(data)} bytes)")
