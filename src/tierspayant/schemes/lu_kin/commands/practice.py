"""Commands of the ``practice`` group: a physiotherapy practice's month, from prescription to reconciliation.

Every command takes ``--database-url`` (env ``TIERSPAYANT_PRACTICE_DATABASE_URL``, default
``sqlite:///var/practice.db``) and ``--documents-dir`` (env ``TIERSPAYANT_PRACTICE_DOCUMENTS_DIR``, default
``var/practice``: built files go to its ``outbox/``, PDFs to its ``pdf/``). A refusal prints its findings and exits 1.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer

from tierspayant.commands.output import JSON_OPTION, console, err_console, print_json, print_table
from tierspayant.core.findings import Finding, FindingsError
from tierspayant.schemes.lu_kin.practice.domain import Fund, InvoicingForm, PathologyCategory
from tierspayant.schemes.lu_kin.practice.patients import PatientRecord
from tierspayant.schemes.lu_kin.practice.prescriptions import PrescribedAct, PrescriptionInput
from tierspayant.schemes.lu_kin.practice.returns_summary import ImportSummary
from tierspayant.schemes.lu_kin.practice.service import DATABASE_URL_ENV, DEFAULT_DATABASE_URL, PracticeService
from tierspayant.schemes.lu_kin.practice.sessions import SessionInput
from tierspayant.schemes.lu_kin.practice.setup import PracticeInfo

app = typer.Typer(no_args_is_help=True)
patient_app = typer.Typer(no_args_is_help=True)
prescription_app = typer.Typer(no_args_is_help=True)
request_app = typer.Typer(no_args_is_help=True)
return_app = typer.Typer(no_args_is_help=True)
session_app = typer.Typer(no_args_is_help=True)
physio_app = typer.Typer(no_args_is_help=True)
member_app = typer.Typer(no_args_is_help=True)
titre_app = typer.Typer(no_args_is_help=True)
print_app = typer.Typer(no_args_is_help=True)
app.add_typer(physio_app, name="physio", help="The practice's physiotherapists (provider codes).")
app.add_typer(member_app, name="member", help="Association members / declared group performers, with periods.")
app.add_typer(patient_app, name="patient", help="Patients: matricule, name, birth date, fund, third-party payment.")
app.add_typer(prescription_app, name="prescription", help="Prescriptions with their scanned PDF/A.")
app.add_typer(request_app, name="request", help="Authorisation requests (DEMAUT packages).")
app.add_typer(return_app, name="return", help="Import the fund's return files (RETAUT, RETFAC).")
app.add_typer(titre_app, name="titre", help="Titres de prise en charge granted by the fund.")
app.add_typer(session_app, name="session", help="Sessions done under a titre.")
app.add_typer(print_app, name="print", help="Print documents as PDF: titre, memoire, statement, it-form.")

DOCUMENTS_ENV = "TIERSPAYANT_PRACTICE_DOCUMENTS_DIR"
DATABASE_OPTION = typer.Option(
    DEFAULT_DATABASE_URL, "--database-url", envvar=DATABASE_URL_ENV, help="Practice database (SQLite or PostgreSQL)."
)
DOCUMENTS_OPTION = typer.Option(
    Path("var/practice"), "--documents-dir", envvar=DOCUMENTS_ENV, help="Where built files and PDFs are written."
)

P = ParamSpec("P")
R = TypeVar("R")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"a date is YYYY-MM-DD, got {text!r}") from None


def _show_findings(title: str, findings: list[Finding], *, error: bool) -> None:
    target = err_console if error else console
    style = "red" if error else "yellow"
    target.print(f"[bold {style}]{title}[/]")
    for finding in findings:
        where = " ".join(str(x) for x in (finding.file, finding.location) if x)
        target.print(f"  [{style}]{finding.code}[/] {where + ': ' if where else ''}{finding.message}", highlight=False)


def refusals_shown(command: Callable[P, R]) -> Callable[P, R]:
    """Print a FindingsError's findings and exit 1, instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except FindingsError as refusal:
            _show_findings("Refused:", refusal.findings, error=True)
            raise typer.Exit(1) from None

    return wrapper


@contextmanager
def practice(database_url: str, documents_dir: Path) -> Iterator[PracticeService]:
    service = PracticeService(database_url, documents_dir)
    try:
        yield service
    finally:
        service.close()


def _warn(findings: list[Finding]) -> None:
    if findings:
        _show_findings("Warnings:", findings, error=False)


# --- set-up ---


@app.command("init")
@refusals_shown
def init(
    name: str = typer.Option(..., help="The practice's name."),
    street: str = typer.Option(..., help="Street and number (the postal address counts for the IT flat rate)."),
    postal_code: str = typer.Option(..., help="Postal code, e.g. 2560."),
    city: str = typer.Option(..., help="Locality."),
    form: InvoicingForm = typer.Option(InvoicingForm.SEPARATE, help="How the practice bills the CNS."),
    facturier: str | None = typer.Option(None, help="Common code of the association or group (not for separate)."),
    opened_on: str | None = typer.Option(None, help="Opening date YYYY-MM-DD (prorates the IT flat rate)."),
    closed_on: str | None = typer.Option(None, help="Closing date YYYY-MM-DD."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Create or upgrade the practice database and set up (or update) the practice."""
    with practice(database_url, documents_dir) as service:
        service.init()
        service.setup_practice(
            PracticeInfo(
                name=name,
                street=street,
                postal_code=postal_code,
                city=city,
                invoicing_form=form,
                facturier_code=facturier,
                opened_on=_day(opened_on) if opened_on else None,
                closed_on=_day(closed_on) if closed_on else None,
            )
        )
        console.print(f"Practice {name!r} ready ({form.value}) in {database_url}")


@physio_app.command("add")
@refusals_shown
def physio_add(
    code: str = typer.Argument(..., help="Provider code (8 positions; 5–8 digits accepted)."),
    name: str = typer.Argument(..., help="Name of the physiotherapist."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Record a physiotherapist working in the practice."""
    with practice(database_url, documents_dir) as service:
        console.print(f"Physiotherapist {service.add_physiotherapist(code, name)} recorded")


@member_app.command("add")
@refusals_shown
def member_add(
    code: str = typer.Argument(..., help="The physiotherapist's provider code."),
    joined_on: str = typer.Option(..., "--from", help="Membership start YYYY-MM-DD (as declared to the CNS)."),
    left_on: str | None = typer.Option(None, "--to", help="Membership end YYYY-MM-DD."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Declare a member of the association or joint-invoicing group for a period."""
    with practice(database_url, documents_dir) as service:
        service.add_member(code, _day(joined_on), _day(left_on) if left_on else None)
        console.print(f"Member {code} from {joined_on}" + (f" to {left_on}" if left_on else ""))


@member_app.command("end")
@refusals_shown
def member_end(
    code: str = typer.Argument(..., help="The physiotherapist's provider code."),
    left_on: str = typer.Option(..., "--on", help="Last day of membership YYYY-MM-DD (as declared to the CNS)."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """End a member's open membership (the member left the association or group)."""
    with practice(database_url, documents_dir) as service:
        service.end_membership(code, _day(left_on))
        console.print(f"Member {code} until {left_on}")


# --- patients, prescriptions ---


@patient_app.command("add")
@refusals_shown
def patient_add(
    matricule: str = typer.Argument(..., help="13-digit matricule (spaces allowed)."),
    last_name: str = typer.Option(..., help="Last name."),
    first_name: str = typer.Option(..., help="First name."),
    birth_date: str = typer.Option(..., help="Birth date YYYY-MM-DD (must match the matricule)."),
    fund: Fund = typer.Option(Fund.CNS, help="Competent fund (AAA for a work accident)."),
    third_party: bool = typer.Option(True, help="Third-party payment wanted (--no-third-party: the patient pays)."),
    street: str | None = typer.Option(None, help="Patient's street (printed on the mémoire)."),
    postal_code: str | None = typer.Option(None, help="Patient's postal code."),
    city: str | None = typer.Option(None, help="Patient's locality."),
    update: bool = typer.Option(False, "--update", help="Correct the patient already recorded with this matricule."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Record a patient (the matricule is checked: Luhn + Verhoeff, birth date); an existing one only with --update."""
    with practice(database_url, documents_dir) as service:
        record = service.add_patient(
            PatientRecord(
                matricule, last_name, first_name, _day(birth_date), fund, third_party, street, postal_code, city
            ),
            update=update,
        )
        console.print(f"Patient {record.full_name} ({record.matricule}) recorded")


@patient_app.command("list")
@refusals_shown
def patient_list(
    as_json: bool = JSON_OPTION,
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """The patients: matricule, name, birth date, fund, third-party payment."""
    with practice(database_url, documents_dir) as service:
        patients = service.patients()
    if as_json:
        print_json([p.__dict__ for p in patients])
        return
    print_table(
        "Patients",
        ["matricule", "name", "birth date", "fund", "third-party payment"],
        [[p.matricule, p.full_name, p.birth_date, p.fund, "yes" if p.third_party else "no"] for p in patients],
    )


def _acts(values: list[str]) -> list[PrescribedAct]:
    acts = []
    for value in values:
        code, _, sessions = value.partition(":")
        if not sessions.isdigit():
            raise typer.BadParameter(f"an act is CODE:SESSIONS, e.g. ZK11:8 — got {value!r}")
        acts.append(PrescribedAct(code, int(sessions)))
    return acts


@prescription_app.command("add")
@refusals_shown
def prescription_add(
    matricule: str = typer.Argument(..., help="The patient's matricule."),
    scan: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="The scanned prescription (PDF/A, A4, 200–300 DPI)."
    ),
    prescriber: str = typer.Option(..., help="Prescriber code (the doctor's provider code)."),
    prescribed_on: str = typer.Option(..., help="Prescription date YYYY-MM-DD."),
    act: list[str] = typer.Option(..., help="Act and sessions as CODE:SESSIONS; repeat for several acts."),
    category: PathologyCategory = typer.Option(PathologyCategory.COMMON, help="Pathology category."),
    performer: str = typer.Option(..., help="Provider code of the physiotherapist who will treat."),
    place: str = typer.Option(..., help="Place-of-service category (annex 08 list)."),
    accident_date: str | None = typer.Option(None, help="Date of the work accident (AAA cases)."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Record a prescription with its scan; a scan that is not acceptable is refused with the reason."""
    with practice(database_url, documents_dir) as service:
        record = service.add_prescription(
            PrescriptionInput(
                matricule=matricule,
                prescriber_code=prescriber,
                prescribed_on=_day(prescribed_on),
                pathology_category=category,
                acts=_acts(act),
                performer_code=performer,
                place_category=place,
                scan=scan.read_bytes(),
                scan_name=scan.name,
                accident_date=_day(accident_date) if accident_date else None,
            )
        )
        console.print(f"Prescription {record.id} recorded for {record.matricule}, waiting for a request")
        _warn(record.warnings)


# --- authorisation, returns ---


@request_app.command("build")
@refusals_shown
def request_build(
    facturier: str | None = typer.Option(None, help="Only for this facturier (needed when several have requests)."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Build the DEMAUT package (XML + prescription scans in a ZIP) of every pending prescription."""
    with practice(database_url, documents_dir) as service:
        path = service.build_request(facturier)
        typer.echo(f"DEMAUT package written: {path}")


@request_app.command("suspended")
@refusals_shown
def request_suspended(
    as_json: bool = JSON_OPTION,
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Requests the CNS put on hold (suspens), with its motivation: what to send it to get a decision."""
    with practice(database_url, documents_dir) as service:
        suspended = service.suspended_requests()
    columns = ("request", "patient", "motivation", "prescribed_on")
    if as_json:
        print_json([dict(zip(columns, row, strict=True)) for row in suspended])
        return
    print_table("Suspended requests", ["request", "patient", "motivation", "prescribed on"], suspended)


def _result(summary: ImportSummary) -> str:
    if summary.file_type == "RETAUT":
        return f"{summary.accords} accord(s), {summary.refusals} refusal(s), {summary.suspensions} suspension(s)"
    return (
        f"{summary.lines_paid} paid, {summary.lines_reduced} reduced, {summary.lines_refused} refused; "
        f"covered {summary.amount_covered:.2f} of {summary.amount_asked:.2f}"
    )


@return_app.command("import")
@refusals_shown
def return_import(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="RETAUT or RETFAC files."),
    as_json: bool = JSON_OPTION,
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Import return files: accords become titres, refusals and contested lines are shown with their labels.
    Importing a file a second time changes nothing."""
    with practice(database_url, documents_dir) as service:
        summaries = [service.import_return(path) for path in files]
    if as_json:
        print_json([{**s.__dict__, "notices": [n.to_dict() for n in s.notices]} for s in summaries])
        return
    print_table(
        "Imported returns", ["file", "status", "result"], [[s.file_name, s.status, _result(s)] for s in summaries]
    )
    for summary in summaries:
        _warn(summary.notices)


@titre_app.command("list")
@refusals_shown
def titre_list(
    matricule: str | None = typer.Option(None, help="Only this patient's titres."),
    as_json: bool = JSON_OPTION,
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """The titres with their validity, rate and sessions done / authorised."""
    with practice(database_url, documents_dir) as service:
        titres = service.titres(matricule)
    if as_json:
        acts = [[{**asdict(a), "sessions_left": a.sessions_left} for a in t.acts] for t in titres]
        print_json([{**asdict(t), "acts": done} for t, done in zip(titres, acts, strict=True)])
        return
    print_table(
        "Titres de prise en charge",
        ["titre", "patient", "matricule", "valid from", "valid to", "rate %", "acts (done/authorised)"],
        [
            [
                t.identifier,
                t.patient_name,
                t.matricule,
                t.valid_from,
                t.valid_to,
                t.coverage_rate,
                ", ".join(f"{a.act_code} {a.sessions_done}/{a.sessions}" for a in t.acts),
            ]
            for t in titres
        ],
    )


# --- sessions, billing ---


@session_app.command("add")
@refusals_shown
def session_add(
    titre: str = typer.Argument(..., help="The titre identifier."),
    day: str = typer.Option(..., "--date", help="Date of the session YYYY-MM-DD."),
    act: str | None = typer.Option(None, help="Act code (default: the titre's act when it has one)."),
    performer: str | None = typer.Option(None, help="Performer code (default: the prescription's)."),
    place: str | None = typer.Option(None, help="Place category (default: the prescription's)."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Record a session; doubtful ones (outside validity, beyond the sessions, same day…) are recorded and warned."""
    with practice(database_url, documents_dir) as service:
        session_id, warnings = service.record_session(SessionInput(titre, _day(day), act, performer, place))
        console.print(f"Session {session_id} recorded")
        _warn(warnings)


@session_app.command("correct")
@refusals_shown
def session_correct(
    session_id: int = typer.Argument(..., help="The session's number (see `session list`)."),
    performer: str | None = typer.Option(None, help="Corrected performer code."),
    act: str | None = typer.Option(None, help="Corrected act code."),
    day: str | None = typer.Option(None, "--date", help="Corrected date YYYY-MM-DD."),
    place: str | None = typer.Option(None, help="Corrected place category."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Correct a session whose line the fund refused; it goes on the next FAC."""
    with practice(database_url, documents_dir) as service:
        warnings = service.correct_session(
            session_id,
            performer_code=performer,
            act_code=act,
            performed_on=_day(day) if day else None,
            place_category=place,
        )
        console.print(f"Session {session_id} corrected: it goes on the next FAC")
        _warn(warnings)


@session_app.command("list")
@refusals_shown
def session_list(
    matricule: str | None = typer.Option(None, help="Only this patient's sessions."),
    as_json: bool = JSON_OPTION,
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Sessions with their billing status (unbilled, billed, paid, reduced, refused, to rebill)."""
    with practice(database_url, documents_dir) as service:
        sessions = service.sessions(matricule)
    if as_json:
        print_json([s.__dict__ for s in sessions])
        return
    print_table(
        "Sessions",
        ["id", "date", "titre", "matricule", "act", "performer", "facturier", "status"],
        [
            [s.id, s.performed_on, s.titre, s.matricule, s.act_code, s.performer_code, s.facturier_code, s.status]
            for s in sessions
        ],
    )


@app.command("bill")
@refusals_shown
def bill(
    month: str = typer.Argument(..., help="The billing month YYYY-MM."),
    facturier: str | None = typer.Option(None, help="Only for this facturier (separate invoicing)."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Build the month's FAC: every unbilled session up to the month's end, plus corrected contested sessions.
    A second FAC for the same month is refused (one per facturier and calendar month)."""
    with practice(database_url, documents_dir) as service:
        path = service.bill(month, facturier)
        typer.echo(f"FAC written: {path}")


@app.command("reconcile")
@refusals_shown
def reconcile(
    month: str = typer.Argument(..., help="The billing month YYYY-MM."),
    csv_out: Path | None = typer.Option(None, "--csv", help="Also write the reconciliation as CSV to this file."),
    as_json: bool = JSON_OPTION,
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """Billed vs covered vs contested for the month, per patient and per performer, and the insured share still
    to invoice to each patient."""
    with practice(database_url, documents_dir) as service:
        result = service.reconcile(month)
    if csv_out is not None:
        csv_out.write_text(result.to_csv(), encoding="utf-8")
    if as_json:
        print_json(result.records())  # the CSV's rows: month, section, key, name, lines and every amount
        return
    shown = ("section", "key", "name", "lines", "billed", "covered", "contested", "awaiting", "to_invoice")
    rows = [
        [record[column] if column != "to_invoice" or record["section"] != "performer" else "" for column in shown]
        for record in result.records()
    ]
    print_table(
        f"Reconciliation {month}",
        ["", "who", "name", "lines", "billed", "covered", "contested", "awaiting return", "to invoice patient"],
        rows,
    )
    if csv_out is not None:
        typer.echo(f"CSV written: {csv_out}")


# --- printed documents ---


def _printed(path: Path) -> None:
    typer.echo(f"PDF written: {path}")


@print_app.command("titre")
@refusals_shown
def print_titre(
    identifier: str = typer.Argument(..., help="The titre identifier."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """The titre de prise en charge (annex 05), for the patient."""
    with practice(database_url, documents_dir) as service:
        _printed(service.print_titre(identifier))


@print_app.command("memoire")
@refusals_shown
def print_memoire(
    matricule: str = typer.Argument(..., help="The patient's matricule."),
    month: str = typer.Argument(..., help="The billing month YYYY-MM."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """The patient's mémoire d'honoraires (annex 06) for a month; records the insured share as invoiced."""
    with practice(database_url, documents_dir) as service:
        _printed(service.print_memoire(matricule, month))


@print_app.command("statement")
@refusals_shown
def print_statement(
    member: str = typer.Argument(..., help="The member's provider code."),
    year: int = typer.Argument(..., help="The year."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """The association's annual statement for one member."""
    with practice(database_url, documents_dir) as service:
        _printed(service.print_statement(member, year))


@print_app.command("it-form")
@refusals_shown
def print_it_form(
    year: int = typer.Argument(..., help="The year the flat rate is for (asked 1 Jan – 31 Mar of the next year)."),
    today: str | None = typer.Option(None, help="Request date YYYY-MM-DD (default: today)."),
    database_url: str = DATABASE_OPTION,
    documents_dir: Path = DOCUMENTS_OPTION,
) -> None:
    """The IT flat-rate request (annex 07): services counted, prorated amount and threshold, eligibility."""
    with practice(database_url, documents_dir) as service:
        result = service.it_flat_rate(year, _day(today) if today else None)
        _printed(service.print_it_form(year, _day(today) if today else None))
    verdict = "eligible" if result.eligible else "not eligible"
    console.print(
        f"{year}: {result.services_counted} covered services for a threshold of {result.threshold} — {verdict}; "
        f"amount {result.amount:.2f} EUR"
    )
