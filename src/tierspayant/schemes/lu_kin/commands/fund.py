"""Commands of the ``fund`` group: the CNS engine for KIN files.

Every command takes ``--database-url`` (env ``TIERSPAYANT_FUND_DATABASE_URL``, default ``sqlite:///var/fund.db``).
``process`` writes the answers (deposit notifications, acknowledgements, RETAUT, RETFAC) into ``--outbox``.
A refusal of reference data prints its findings (file, row, column) and exits 1.
``registration access-decide`` / ``access-credentials`` also open the platform (``--settings`` / ``--var-dir``): the
mailbox account an accord opens and whose password the credentials set is the platform's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from sqlalchemy.orm import Session

from tierspayant.commands.output import JSON_OPTION, console, err_console, print_json, print_table
from tierspayant.commands.platform import SETTINGS_OPTION, VAR_OPTION
from tierspayant.core.findings import FindingsError
from tierspayant.schemes.lu_kin.fund import registrations
from tierspayant.schemes.lu_kin.fund import registrations_access as access
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

if TYPE_CHECKING:  # heavy imports (the platform, the PDF letters): loaded only by the commands that need them
    from tierspayant.schemes.lu_kin.platform.registration_desk import RegistrationDesk
    from tierspayant.schemes.lu_kin.store.fund.models import PaperRequest

app = typer.Typer(no_args_is_help=True)
reference_app = typer.Typer(no_args_is_help=True)
app.add_typer(reference_app, name="reference", help="Reference data: nomenclature, keys, rates, limits, anomalies…")
registration_app = typer.Typer(no_args_is_help=True)
it_app = typer.Typer(no_args_is_help=True)
app.add_typer(it_app, name="it-flat-rate", help="The annual IT flat rate: requests, decisions, the June payment.")
app.add_typer(
    registration_app,
    name="registration",
    help="Registrations: provider codes, electronic access, group and association members.",
)
paper_app = typer.Typer(no_args_is_help=True)
app.add_typer(paper_app, name="paper", help="The paper channel: postal requests of insured persons, titres, letters.")

DATABASE_OPTION = typer.Option(
    DEFAULT_DATABASE_URL, "--database-url", envvar=DATABASE_URL_ENV, help="Fund database (SQLite or PostgreSQL)."
)


def _service(database_url: str, reference_dir: Path | None = None) -> FundService:
    return FundService(database_url, reference_dir)


def _refused(error: FindingsError) -> NoReturn:
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
    try:
        return datetime.fromisoformat(at) if at else datetime.now().replace(microsecond=0)
    except ValueError:
        raise typer.BadParameter(f"--at is an ISO date-time (2024-03-06T09:00:00), got {at!r}") from None


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


# --- access to electronic transmission (fund.registrations_access, art. 3-4) ---
# An accord opens the mailbox account on the platform and the credentials set its password, each in the fund's
# transaction (as the fund agent's pages do): these two commands open the platform named by --settings / --var-dir.


def _desk(database_url: str, settings_file: Path | None, var_dir: Path | None, at: str | None) -> RegistrationDesk:
    from tierspayant.commands.platform import open_context
    from tierspayant.schemes.lu_kin.platform.registration_desk import RegistrationDesk

    when = _when(at)
    return RegistrationDesk(open_context(settings_file, var_dir), _service(database_url), clock=lambda: when)


def _refused_step(error: Exception) -> NoReturn:
    err_console.print(f"[red]{error}[/]", highlight=False)
    raise typer.Exit(1) from None


@registration_app.command("access-request")
def registration_access_request(
    code: str,
    applicant: str = typer.Option(..., "--applicant", help="Who asks (the provider)."),
    at: str | None = AT_OPTION,
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """A provider with a code asks for access to electronic transmission (one pending or granted request per code)."""
    _registration_step(
        database_url, lambda session: access.request_access(session, code, applicant, _when(at)), json_output
    )


@registration_app.command("access-decide")
def registration_access_decide(
    registration_id: int,
    accept: bool | None = typer.Option(None, "--accept/--refuse", help="Accord (opens the mailbox account) or refus."),
    by: str = typer.Option(..., "--by", help="The fund agent deciding."),
    reason: str | None = typer.Option(None, "--reason", help="The reasons of a refus (art. 4: required)."),
    at: str | None = AT_OPTION,
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Accord or refus of an access request; an accord opens the mailbox account kin<code> on the platform."""
    if accept is None:
        raise typer.BadParameter("give --accept or --refuse (with --reason)")
    desk = _desk(database_url, settings_file, var_dir, at)
    try:
        result = desk.decide_access(registration_id, by, accept, reason or "")
    except (RegistrationError, ValueError) as error:
        _refused_step(error)
    except FindingsError as error:  # the platform refused the account (e.g. its name is taken)
        _refused(error)
    finally:
        desk.context.close()
    if not json_output and result.status == "granted":
        console.print(f"mailbox account {access.username_for(result.provider_code or '')} opened", highlight=False)
    _result(result, json_output)


@registration_app.command("access-credentials")
def registration_access_credentials(
    registration_id: int,
    by: str = typer.Option(..., "--by", help="The fund agent issuing them."),
    at: str | None = AT_OPTION,
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Issue the credentials of a granted access: a new password is set and printed this once, never again."""
    desk = _desk(database_url, settings_file, var_dir, at)
    try:
        credentials = desk.issue_credentials(registration_id, by)
    except (RegistrationError, ValueError) as error:
        _refused_step(error)
    except FindingsError as error:  # the platform refused the account (e.g. its name is taken)
        _refused(error)
    finally:
        desk.context.close()
    if json_output:
        print_json(vars(credentials))
        return
    print_table(
        f"Credentials of access request {registration_id} (shown once: hand them over now)",
        ["provider code", "username", "password"],
        [(credentials.provider_code, credentials.username, credentials.password)],
    )


# --- the paper channel (fund.paper_requests, seed 002): postal requests of insured persons, answered on paper ---


def _act(text: str) -> tuple[str, int]:
    code, _, sessions = text.partition(":")
    if not sessions.isdigit():
        raise typer.BadParameter(f"--act is CODE:SESSIONS, got {text!r}")
    return code, int(sessions)


def _day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{option} is a date YYYY-MM-DD, got {text!r}") from None


def _write_letter(out: Path, letter: bytes, afterwards: str = "") -> None:
    try:
        out.write_bytes(letter)
    except OSError as error:
        _refused_step(OSError(f"cannot write the letter to {out}: {error.strerror}{afterwards}"))


def _paper_row(request: PaperRequest) -> tuple[object, ...]:
    acts = " ".join(f"{code}:{sessions}" for code, sessions in json.loads(request.acts))
    return (request.id, request.matricule, request.received_on, request.pathology, acts, request.status,
            request.titre_id or "", request.reason or "", request.decided_by or "")  # fmt: skip


_PAPER_COLUMNS = ["request", "matricule", "received on", "pathology", "acts", "status", "titre", "reasons",
                  "answered by"]  # fmt: skip


@paper_app.command("record")
def paper_record(
    matricule: str,
    received_on: str = typer.Option(..., "--received-on", help="Day the letter arrived (YYYY-MM-DD)."),
    prescriber: str = typer.Option(..., "--prescriber", help="The prescribing doctor's code."),
    prescription_date: str = typer.Option(..., "--prescription-date", help="YYYY-MM-DD"),
    pathology: str = typer.Option(..., "--pathology", help="COMMON | SERIOUS | POST_SURGICAL | LYMPHATIC_DRAINAGE"),
    acts: list[str] = typer.Option(..., "--act", help="CODE:SESSIONS (repeat) as prescribed."),
    by: str = typer.Option(..., "--by", help="The fund agent recording it."),
    facturier: str = typer.Option("", "--facturier", help="The practice named on the request, if any."),
    at: str | None = AT_OPTION,
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Record an insured person's postal request as read from the envelope; prints its number."""
    from tierspayant.schemes.lu_kin.fund import paper_requests

    prescribed = [_act(text) for text in acts]
    received, prescribed_on = _day("--received-on", received_on), _day("--prescription-date", prescription_date)
    try:
        with transaction(_service(database_url).sessions) as session:
            number = paper_requests.record_request(
                session, matricule, received, prescriber, prescribed_on, pathology, prescribed, by, _when(at),
                facturier,
            )  # fmt: skip
    except (RegistrationError, ValueError) as error:
        _refused_step(error)
    if json_output:
        print_json({"request": number, "status": "pending"})
    else:
        console.print(f"postal request {number}: pending", highlight=False)


@paper_app.command("answer")
def paper_answer(
    request_id: int,
    grant: bool = typer.Option(False, "--grant", help="Answer with a paper titre (obtained by the insured)."),
    refuse: str | None = typer.Option(None, "--refuse", help="Answer with a written refusal stating this reason."),
    by: str = typer.Option(..., "--by", help="The fund agent answering."),
    rate_e2: int | None = typer.Option(
        None, "--rate-e2", help="Coverage rate in 1/100 % (default: the reference's rate for the pathology)."
    ),
    validity_days: int | None = typer.Option(
        None, "--validity-days", help="Days the titre stays valid (default: the reference's titre_validity_days)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Also write the answer letter (PDF) to this file."),
    at: str | None = AT_OPTION,
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Answer a postal request: a paper titre or a written refusal, each with its letter (PDF) kept as posted."""
    from tierspayant.schemes.lu_kin.fund import paper_requests

    if grant == (refuse is not None):
        raise typer.BadParameter("give either --grant or --refuse REASON")
    service, when = _service(database_url), _when(at)
    reference = service.reference()
    try:
        with transaction(service.sessions) as session:
            answered = paper_requests.answer_by_reference(
                session, reference, request_id, by, when, grant, refuse, rate_e2, validity_days
            )
    except (RegistrationError, ValueError) as error:
        _refused_step(error)
    if out is not None:
        hint = f" (the answer is recorded: `fund paper letter {request_id} --out FILE` writes it again)"
        _write_letter(out, answered.letter, hint)
    if json_output:
        print_json({"request": answered.request_id, "status": answered.status, "titre_id": answered.titre_id,
                    "letter": str(out) if out else None})  # fmt: skip
        return
    titre = f", titre {answered.titre_id}" if answered.titre_id else ""
    console.print(f"postal request {answered.request_id}: {answered.status}{titre}", highlight=False)
    if out is not None:
        console.print(f"wrote {out}", highlight=False)


@paper_app.command("list")
def paper_list(
    status: str | None = typer.Option(None, "--status", help="pending | granted | refused"),
    database_url: str = DATABASE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """The postal requests, newest first: who recorded them, the answer (titre or refusal) and who gave it."""
    from tierspayant.schemes.lu_kin.fund import paper_requests

    if status not in (None, "pending", "granted", "refused"):
        raise typer.BadParameter(f"--status is pending, granted or refused, got {status!r}")
    with _service(database_url).sessions() as session:
        if json_output:
            wanted = {r.id for r in paper_requests.requests(session, status)}
            # newest first, as the table
            print_json([r for r in reversed(paper_requests.export_json(session)) if r["id"] in wanted])
            return
        rows = [_paper_row(r) for r in paper_requests.requests(session, status)]
    print_table(f"Postal requests{f' ({status})' if status else ''}", _PAPER_COLUMNS, rows)


@paper_app.command("letter")
def paper_letter(
    request_id: int,
    out: Path = typer.Option(..., "--out", help="The PDF file to write."),
    database_url: str = DATABASE_OPTION,
) -> None:
    """Write the answer letter of a postal request (the PDF as posted) to a file, to print it again."""
    from tierspayant.schemes.lu_kin.fund import paper_requests
    from tierspayant.schemes.lu_kin.store.fund.models import PaperRequest

    with _service(database_url).sessions() as session:
        request = session.get(PaperRequest, request_id)
        if request is None:
            _refused_step(RegistrationError(f"no postal request {request_id}"))
        letter = paper_requests.letter_of(session, request_id)
        if letter is None:
            _refused_step(RegistrationError(f"postal request {request_id} is {request.status}: no letter yet"))
    _write_letter(out, letter)
    console.print(f"wrote {out}", highlight=False)


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
