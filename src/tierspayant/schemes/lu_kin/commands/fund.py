"""Commands of the ``fund`` group: the CNS engine for KIN files.

Every command takes ``--database-url`` (env ``TIERSPAYANT_FUND_DATABASE_URL``, default ``sqlite:///var/fund.db``).
``process`` writes the answers (deposit notifications, acknowledgements, RETAUT, RETFAC) into ``--outbox``.
A refusal of reference data prints its findings (file, row, column) and exits 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from tierspayant.commands.output import JSON_OPTION, console, err_console, print_json, print_table
from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.fund import registrations
from tierspayant.schemes.lu_kin.fund.it_flat_rate import ItDecision, ItFlatRateError, ItRequest
from tierspayant.schemes.lu_kin.fund.registrations import Document, RegistrationError, Result
from tierspayant.schemes.lu_kin.fund.service import (
    DATABASE_URL_ENV,
    DEFAULT_DATABASE_URL,
    Explanation,
    FundService,
    ProcessOutcome,
)
from tierspayant.store.database import transaction

app = typer.Typer(no_args_is_help=True)
reference_app = typer.Typer(no_args_is_help=True)
app.add_typer(reference_app, name="reference", help="Reference data: nomenclature, keys, rates, limits, anomalies…")
registration_app = typer.Typer(no_args_is_help=True)
it_app = typer.Typer(no_args_is_help=True)
app.add_typer(it_app, name="it-flat-rate", help="The annual IT flat rate: requests, decisions, the June payment.")
app.add_typer(
    registration_app, name="registration", help="Registrations: provider codes, group and association members."
)

DATABASE_OPTION = typer.Option(
    DEFAULT_DATABASE_URL, "--database-url", envvar=DATABASE_URL_ENV, help="Fund database (SQLite or PostgreSQL)."
)


def _service(database_url: str, reference_dir: Path | None = None) -> FundService:
    return FundService(database_url, reference_dir)


def _refused(error: FindingsError) -> None:
    err_console.print(f"[bold red]{len(error.findings)} problem(s):[/]")
    print_table(
        "Findings",
        ["file", "row", "column", "code", "message"],
        [(f.file, f.line, f.location, f.code, f.message) for f in error.findings],
    )
    raise typer.Exit(1)


@app.command("init")
def init(
    database_url: str = DATABASE_OPTION,
    reference: Path | None = typer.Option(None, "--reference", help="Reference folder to load instead of SAMPLE."),
) -> None:
    """Create or migrate the fund database; load the reference set and the SAMPLE registries when empty."""
    try:
        version = _service(database_url, reference).init()
    except FindingsError as error:
        _refused(error)
    current = _service(database_url).reference()
    label = " (SAMPLE data: not the official CNS lists)" if current.sample else ""
    console.print(f"fund database ready: {database_url}; reference version {version}{label}")


@reference_app.command("load")
def reference_load(directory: Path, database_url: str = DATABASE_OPTION, json_output: bool = JSON_OPTION) -> None:
    """Check a folder of reference files (CSV or YAML) and put it in force."""
    service = _service(database_url)
    try:
        loaded = service.load_reference(directory)
    except FindingsError as error:
        _refused(error)
    rows = [(name, loaded[name].height) for name in sorted(loaded.tables)]
    if json_output:
        print_json({"version": loaded.version, "source": loaded.source, "sample": loaded.sample, "tables": dict(rows)})
        return
    print_table(
        f"Reference version {loaded.version} in force{' (SAMPLE)' if loaded.sample else ''}", ["table", "rows"], rows
    )


@reference_app.command("show")
def reference_show(database_url: str = DATABASE_OPTION, json_output: bool = JSON_OPTION) -> None:
    """The reference version in force and its tables."""
    loaded = _service(database_url).reference()
    rows = [(name, loaded[name].height) for name in sorted(loaded.tables)]
    if json_output:
        print_json({"version": loaded.version, "source": loaded.source, "sample": loaded.sample, "tables": dict(rows)})
        return
    print_table(f"Reference version {loaded.version}{' (SAMPLE)' if loaded.sample else ''}", ["table", "rows"], rows)


def _summary_row(outcome: ProcessOutcome) -> list[object]:
    return [
        outcome.file_name,
        outcome.file_type or "?",
        outcome.status,
        outcome.items,
        outcome.accepted,
        outcome.refused,
        outcome.suspended if outcome.file_type == "DEMAUT" else outcome.reduced,
        outcome.asked if outcome.file_type == "FAC" else "",
        outcome.covered if outcome.file_type == "FAC" else "",
        outcome.payment_due_on or "",
        len(outcome.findings),
    ]


@app.command("process")
def process(
    files: list[Path],
    outbox: Path = typer.Option(Path("var/fund/outbox"), "--outbox", help="Where the answers are written."),
    received_at: str | None = typer.Option(None, "--received-at", help="Receipt time (ISO), default now."),
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Process deposited DEMAUT / FAC files (XML or ZIP packages); exit 1 when a file is refused."""
    service = _service(database_url)
    when = datetime.fromisoformat(received_at) if received_at else None
    outcomes = [service.process(path, outbox, when) for path in files]
    if json_output:
        print_json([outcome.to_dict() for outcome in outcomes])
    else:
        print_table(
            "Fund processing",
            [
                "file",
                "type",
                "status",
                "items",
                "accepted",
                "refused",
                "suspended/reduced",
                "asked",
                "covered",
                "due on",
                "findings",
            ],
            [_summary_row(o) for o in outcomes],
        )
        for outcome in outcomes:
            for path in outcome.written:
                console.print(f"  wrote {path}", highlight=False)
            if outcome.status == "refused":
                for finding in outcome.findings[:20]:
                    console.print(f"  [red]{finding}[/]", highlight=False)
    if any(outcome.status == "refused" for outcome in outcomes):
        raise typer.Exit(1)


@app.command("explain")
def explain(
    file: Path,
    received_at: str | None = typer.Option(None, "--received-at", help="Receipt time (ISO) for a file not processed."),
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Each finding on a file: its rule, what the rule checks, and the reference data it used."""
    when = datetime.fromisoformat(received_at) if received_at else None
    explanations = _service(database_url).explain(file, when)
    if json_output:
        print_json([vars(e) for e in explanations])
        return
    if not explanations:
        console.print(f"{file.name}: no findings — every line or request passes every rule.")
        return
    print_table(
        f"Findings on {file.name}",
        ["where", "code", "label", "rule", "effect", "detail", "checks", "data read"],
        [
            (
                e.where or "file",
                e.code,
                e.label,
                e.rule,
                e.effect,
                e.detail,
                e.description,
                _data_read(e),
            )
            for e in explanations
        ],
    )


def _data_read(explanation: Explanation) -> str:
    parts = []
    if explanation.reference_tables:
        parts.append(f"{', '.join(explanation.reference_tables)} (reference v{explanation.reference_version})")
    if explanation.history_tables:
        parts.append(f"fund data: {', '.join(explanation.history_tables)}")
    return "; ".join(parts)


@app.command("payments")
def payments(
    due_by: str | None = typer.Option(None, "--due-by", help="Only payments due by this date (YYYY-MM-DD)."),
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """What the fund owes facturiers for accepted FACs (30 days after the acknowledgement)."""
    due = _service(database_url).payments_due(date.fromisoformat(due_by) if due_by else None)
    if json_output:
        print_json([vars(p) for p in due])
        return
    print_table(
        "Payments due",
        ["deposit", "facturier", "file", "amount", "due on"],
        [(p.deposit_id, p.facturier, p.file_name, p.amount, p.due_on) for p in due],
    )


@app.command("insured")
def insured(
    matricule: str,
    birth_date: str = typer.Option(..., "--birth-date", help="YYYY-MM-DD"),
    fund: str = typer.Option("CNS", "--fund"),
    affiliated_from: str = typer.Option(..., "--from", help="Affiliation start, YYYY-MM-DD"),
    affiliated_to: str | None = typer.Option(None, "--to", help="Affiliation end (default: still affiliated)"),
    database_url: str = DATABASE_OPTION,
) -> None:
    """Register an insured person with one affiliation period."""
    end = date.fromisoformat(affiliated_to) if affiliated_to else None
    try:
        _service(database_url).add_insured(
            matricule, date.fromisoformat(birth_date), [(fund, date.fromisoformat(affiliated_from), end)]
        )
    except ValueError as error:
        err_console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    console.print(f"insured {matricule} registered")


@app.command("provider")
def provider(
    code: str,
    name: str = typer.Option(..., "--name"),
    kind: str = typer.Option("physiotherapist", "--kind", help="physiotherapist | association | group | institution"),
    members: list[str] = typer.Option([], "--member", help="CODE:FROM[:TO] (repeat) for an association or group"),
    database_url: str = DATABASE_OPTION,
) -> None:
    """Register a provider code; an association or group with its members and their periods."""
    memberships = []
    for text in members:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise typer.BadParameter(f"--member is CODE:FROM[:TO], got {text!r}")
        end = date.fromisoformat(parts[2]) if len(parts) == 3 and parts[2] else None
        memberships.append((parts[0], date.fromisoformat(parts[1]), end))
    try:
        normalized = _service(database_url).add_provider(code, name, kind, memberships)
    except ValueError as error:
        err_console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    console.print(f"provider {normalized} registered")


# --- registrations (fund.registrations): each step one transaction; a refusal prints its reasons and exits 1 ---

AT_OPTION = typer.Option(None, "--at", help="When (ISO date-time), default now.")


def _when(at: str | None) -> datetime:
    return datetime.fromisoformat(at) if at else datetime.now().replace(microsecond=0)


def _result(result: Result, json_output: bool) -> None:
    if json_output:
        print_json(
            {
                "registration": result.registration_id,
                "status": result.status,
                "provider_code": result.provider_code,
                "reasons": [f.message for f in result.findings],
            }
        )
    else:
        code = f", provider code {result.provider_code}" if result.provider_code else ""
        console.print(f"registration {result.registration_id}: {result.status}{code}", highlight=False)
        for finding in result.findings:
            err_console.print(f"  [red]{finding.code}[/] {finding.message}", highlight=False)
    if result.status == "refused" or result.findings:
        raise typer.Exit(1)


def _registration_step(database_url: str, step: Callable[[Session], Result], json_output: bool) -> None:
    try:
        with transaction(_service(database_url).sessions) as session:
            result = step(session)
    except (RegistrationError, ValueError) as error:
        err_console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    _result(result, json_output)


def _document(role: str, path: Path) -> Document:
    return Document(role, path.name, path.read_bytes())


@registration_app.command("apply")
def registration_apply(
    name: str = typer.Option(..., "--name", help="Name of the physiotherapist, group, association or institution."),
    applicant: str = typer.Option(..., "--applicant", help="Who asks."),
    kind: str = typer.Option("physiotherapist", "--kind", help="physiotherapist | association | group | institution"),
    documents: list[str] = typer.Option(
        [], "--document", help="ROLE=PATH (repeat): information_sheet, authorisation, identity, bank_details (PDF)"
    ),
    package: Path | None = typer.Option(None, "--package", help="A ZIP of the documents, each named ROLE.pdf."),
    at: str | None = AT_OPTION,
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Apply for a provider code; refused at once when a document is missing or not a PDF."""
    sent = []
    if package is not None:
        try:
            sent += registrations.documents_from_package(package.read_bytes(), package.name)
        except FindingsError as error:
            _refused(error)
    for text in documents:
        role, _, path = text.partition("=")
        if not path:
            raise typer.BadParameter(f"--document is ROLE=PATH, got {text!r}")
        sent.append(_document(role, Path(path)))
    _registration_step(
        database_url,
        lambda session: registrations.apply(session, applicant, name, kind, sent, _when(at)),
        json_output,
    )


@registration_app.command("decide")
def registration_decide(
    registration_id: int,
    agent: str = typer.Option(..., "--agent", help="The fund agent deciding."),
    grant: bool = typer.Option(False, "--grant", help="Grant a provider code."),
    refuse: str | None = typer.Option(None, "--refuse", help="Refuse, with this reason."),
    code: str | None = typer.Option(None, "--code", help="The code to grant (default: the next free one)."),
    at: str | None = AT_OPTION,
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """A fund agent grants a provider code to a pending application, or refuses it with a reason."""
    if grant == (refuse is not None):
        raise typer.BadParameter("give either --grant or --refuse REASON")
    _registration_step(
        database_url,
        lambda session: registrations.decide(session, registration_id, agent, grant, _when(at), refuse, code),
        json_output,
    )


@registration_app.command("declare-member")
def registration_declare_member(
    group: str,
    member: str,
    change: str = typer.Option("join", "--change", help="join | leave"),
    on: str = typer.Option(..., "--on", help="join: first day in; leave: first day out (YYYY-MM-DD)."),
    employment: str = typer.Option("employee", "--employment", help="employee | freelance"),
    by: str = typer.Option(..., "--by", help="Who declares (the facturier)."),
    signed: Path | None = typer.Option(None, "--signed", help="The member's signed confirmation (association, PDF)."),
    at: str | None = AT_OPTION,
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Declare a performer joining or leaving a group (in advance) or an association (counts once confirmed)."""
    document = _document("signed_confirmation", signed) if signed else None
    _registration_step(
        database_url,
        lambda session: registrations.declare_member(
            session, group, member, change, date.fromisoformat(on), employment, by, _when(at), document
        ),
        json_output,
    )


@registration_app.command("confirm")
def registration_confirm(
    registration_id: int,
    signed: Path = typer.Option(..., "--signed", help="The member's signed document (PDF)."),
    by: str = typer.Option(..., "--by", help="The member confirming."),
    at: str | None = AT_OPTION,
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """An association member confirms a declared change by a signed document."""
    document = _document("signed_confirmation", signed)
    _registration_step(
        database_url,
        lambda session: registrations.confirm(session, registration_id, document, by, _when(at)),
        json_output,
    )


@registration_app.command("export")
def registration_export(
    output_format: str = typer.Option("json", "--format", help="json | csv"),
    output: Path | None = typer.Option(None, "--output", help="Write to this file instead of printing."),
    database_url: str = DATABASE_OPTION,
) -> None:
    """Every registration with its history (who asked, who decided, when, which documents)."""
    if output_format not in ("json", "csv"):
        raise typer.BadParameter("--format is json or csv")
    with _service(database_url).sessions() as session:
        if output_format == "csv":
            text = registrations.export_csv(session)
        else:
            text = json.dumps(registrations.export_json(session), indent=2, ensure_ascii=False)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}", highlight=False)


# --- the annual IT flat rate (fund.it_flat_rate): requests 1 Jan – 31 Mar of the next year, paid in June ---


def _decision_rows(decisions: list[ItDecision]) -> list[tuple[object, ...]]:
    return [
        (
            d.request_id,
            d.year,
            " ".join(d.facturiers),
            d.practice_name,
            d.address,
            d.status,
            f"{d.services_counted} / {d.threshold}",
            d.amount,
            d.paid_on or "",
            d.reason,
        )
        for d in decisions
    ]


_DECISION_COLUMNS = ["request", "year", "facturiers", "practice", "address", "status", "services / threshold",
                     "amount", "paid on", "reasons"]  # fmt: skip


def _decision_json(d: ItDecision) -> dict[str, object]:
    data = {k: v for k, v in vars(d).items() if k != "findings"}
    data["reasons"] = [{"code": f.code, "message": f.message} for f in d.findings]
    return data


@it_app.command("request")
def it_request(
    year: int = typer.Option(..., "--year", help="The year the flat rate is for (asked in the next year)."),
    facturiers: list[str] = typer.Option(..., "--facturier", help="A code the practice bills under (repeat)."),
    practice: str = typer.Option(..., "--practice", help="The practice's name."),
    street: str = typer.Option(..., "--street"),
    postal_code: str = typer.Option(..., "--postal-code"),
    city: str = typer.Option(..., "--city"),
    opened_on: str | None = typer.Option(None, "--opened-on", help="Opening date during the year (YYYY-MM-DD)."),
    closed_on: str | None = typer.Option(None, "--closed-on", help="Closing date during the year (YYYY-MM-DD)."),
    services: int | None = typer.Option(None, "--services", help="Services the practice counted (information)."),
    unit: str | None = typer.Option(None, "--unit", help="Floor or unit of a separate practice at a shared address."),
    evidence: Path | None = typer.Option(None, "--evidence", help="Supporting PDF of a separate practice."),
    received_on: str | None = typer.Option(None, "--received-on", help="Day received (YYYY-MM-DD), default today."),
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Decide a practice's IT flat-rate request from the fund's ledger; exit 1 when it is refused."""
    request = ItRequest(
        year=year,
        practice_name=practice,
        street=street,
        postal_code=postal_code,
        city=city,
        facturiers=tuple(facturiers),
        opened_on=date.fromisoformat(opened_on) if opened_on else None,
        closed_on=date.fromisoformat(closed_on) if closed_on else None,
        services_claimed=services,
        unit=unit,
        evidence=_document("separate_practice", evidence) if evidence else None,
    )
    try:
        decision = _service(database_url).request_it_flat_rate(
            request, date.fromisoformat(received_on) if received_on else None
        )
    except ItFlatRateError as error:
        err_console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    if json_output:
        print_json(_decision_json(decision))
    else:
        print_table("IT flat rate", _DECISION_COLUMNS, _decision_rows([decision]))
        for finding in decision.findings:
            err_console.print(f"  [red]{finding.code}[/] {finding.message}", highlight=False)
    if decision.status == "refused":
        raise typer.Exit(1)


@it_app.command("list")
def it_list(
    year: int | None = typer.Option(None, "--year"),
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """The IT flat-rate decisions (accepted, refused with reasons, paid)."""
    decisions = _service(database_url).it_flat_rate_decisions(year)
    if json_output:
        print_json([_decision_json(d) for d in decisions])
        return
    print_table("IT flat rate", _DECISION_COLUMNS, _decision_rows(decisions))


@it_app.command("pay")
def it_pay(
    year: int = typer.Option(..., "--year"),
    on: str | None = typer.Option(None, "--on", help="Payment day in June of year + 1 (YYYY-MM-DD), default today."),
    outbox: Path = typer.Option(Path("var/fund/outbox"), "--outbox", help="Where the payment file is written."),
    database_url: str = DATABASE_OPTION,
) -> None:
    """The June payment run: every accepted, unpaid request of the year in one payment file (KIN-ITFLAT layout 01)."""
    try:
        run = _service(database_url).pay_it_flat_rates(year, outbox, date.fromisoformat(on) if on else None)
    except ItFlatRateError as error:
        err_console.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    if run.path is None:
        console.print(f"nothing to pay for {year}: every accepted request is paid already")
        return
    console.print(f"paid {run.count} practice(s), {run.total} EUR: wrote {run.path}", highlight=False)
