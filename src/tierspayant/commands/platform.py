"""Commands of the platform: ``tierspayant run`` starts everything on embedded defaults; ``tierspayant platform …``
manages accounts, keys, delegations, tokens and shows the audit log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tierspayant.commands.output import JSON_OPTION, err_console, print_json, print_table
from tierspayant.core.findings import FindingsError

if TYPE_CHECKING:  # the platform's imports are heavy; every other command starts faster without them
    from tierspayant.platform.context import PlatformContext
    from tierspayant.platform.settings import Settings

app = typer.Typer(no_args_is_help=True)
account_app = typer.Typer(no_args_is_help=True, help="Accounts: list, add, keys, delegations, tokens.")
app.add_typer(account_app, name="account")

SETTINGS_OPTION = typer.Option(
    None, "--settings", help="A TOML settings file (else $TIERSPAYANT_SETTINGS or ./tierspayant.toml)."
)
VAR_OPTION = typer.Option(
    None, "--var-dir", help="Folder of the embedded databases, mailboxes and keys (default ./var)."
)


def _settings(settings_file: Path | None, var_dir: Path | None, **overrides: Any) -> Settings:
    from tierspayant.platform.settings import load_settings

    try:
        return load_settings(settings_file=settings_file, var_dir=var_dir, **overrides)
    except FindingsError as error:
        for finding in error.findings:
            err_console.print(f"[red]{finding}[/red]")
        raise typer.Exit(2) from error


def run(
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
    http_host: str | None = typer.Option(None, "--host", help="Address of the web/API server (default 127.0.0.1)."),
    http_port: int | None = typer.Option(None, "--port", help="Port of the web/API server (default 8000)."),
    sftp_port: int | None = typer.Option(None, "--sftp-port", help="Port of the SFTP mailbox server (default 2222)."),
    demo: bool | None = typer.Option(None, "--demo/--no-demo", help="Create demo data on first start (default on)."),
) -> None:
    """Start the platform: SFTP mailboxes, worker (fund engine), web pages and API — until Ctrl-C."""
    from tierspayant.platform.launch import run_platform

    settings = _settings(settings_file, var_dir, http_host=http_host, http_port=http_port, sftp_port=sftp_port,
                         demo=demo)  # fmt: skip
    try:
        run_platform(settings, echo=typer.echo)
    except OSError as error:
        err_console.print(f"[red]cannot start: {error}[/red] (is another instance running? try --port / --sftp-port)")
        raise typer.Exit(1) from error


def open_context(settings_file: Path | None, var_dir: Path | None) -> PlatformContext:
    """The platform a command works on: ``--settings`` / ``--var-dir`` as every platform command takes them."""
    from tierspayant.platform.context import PlatformContext

    return PlatformContext.open(_settings(settings_file, var_dir))


@account_app.command("list")
def account_list(
    settings_file: Path | None = SETTINGS_OPTION, var_dir: Path | None = VAR_OPTION, as_json: bool = JSON_OPTION
) -> None:
    """Every account with its role, provider code and delegations."""
    context = open_context(settings_file, var_dir)
    try:
        rows = [
            (p.username, p.display_name, p.role.value, p.provider_code or "",
             "; ".join(f"{c}: {','.join(sorted(r.value for r in rights))}" for c, rights in p.delegations.items()),
             "yes" if active else "no")
            for p, active in context.accounts.list_accounts()
        ]  # fmt: skip
    finally:
        context.close()
    columns = ("username", "name", "role", "provider_code", "delegations", "active")
    if as_json:
        print_json([dict(zip(columns, row, strict=True)) for row in rows])
    else:
        print_table("Accounts", columns, rows)


@account_app.command("add")
def account_add(
    username: str = typer.Argument(..., help="Login name (lower case)."),
    role: str = typer.Option(..., "--role", help="provider | assistant | fund_agent | administrator"),
    name: str = typer.Option(..., "--name", help="Display name."),
    provider_code: str | None = typer.Option(None, "--provider-code", help="For a provider: its code (mailbox)."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
) -> None:
    """Create an account; a provider account gets its mailbox (in/, out/)."""
    from tierspayant.platform.accounts import Role

    context = open_context(settings_file, var_dir)
    try:
        if role == Role.PROVIDER.value and provider_code:
            context.create_provider(username, password, name, provider_code)
        else:
            context.accounts.create_account(username, password, Role(role), name, provider_code)
    except (FindingsError, ValueError) as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    finally:
        context.close()
    typer.echo(f"account {username} created")


@account_app.command("key")
def account_key(
    username: str = typer.Argument(...),
    public_key: Path = typer.Argument(..., exists=True, dir_okay=False, help="An OpenSSH public key file (.pub)."),
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
) -> None:
    """Accept an SSH public key for the account's SFTP login."""
    context = open_context(settings_file, var_dir)
    try:
        fingerprint = context.accounts.add_public_key(username, public_key.read_text(encoding="ascii"))
    except FindingsError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    finally:
        context.close()
    typer.echo(f"key {fingerprint} accepted for {username}")


@account_app.command("delegate")
def account_delegate(
    assistant: str = typer.Argument(...),
    provider_code: str = typer.Argument(...),
    rights: list[str] = typer.Option([], "--right", help="read | prepare | send (repeat; none removes)."),
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
) -> None:
    """Set what an assistant may do for a provider (e.g. --right read --right prepare: prepare but not send)."""
    from tierspayant.platform.accounts import Right

    context = open_context(settings_file, var_dir)
    try:
        context.accounts.delegate(assistant, provider_code, {Right(r) for r in rights})
    except (FindingsError, ValueError) as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    finally:
        context.close()
    typer.echo(f"{assistant} on {provider_code}: {', '.join(sorted(rights)) or 'no rights'}")


@account_app.command("token")
def account_token(
    username: str = typer.Argument(...),
    days: int = typer.Option(30, "--days", min=1, max=3650, help="Validity in days."),
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
) -> None:
    """Issue an API bearer token for the account (printed once; only its digest is stored)."""
    context = open_context(settings_file, var_dir)
    try:
        typer.echo(context.accounts.issue_token(username, "cli", timedelta(days=days)))
    except FindingsError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    finally:
        context.close()


@app.command("audit")
def audit(
    actor: str | None = typer.Option(None, "--actor", help="Only this user's accesses."),
    subject: str | None = typer.Option(None, "--subject", help="Only accesses whose subject contains this."),
    limit: int = typer.Option(50, "--limit", min=1, max=10000),
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The audit log of accesses to personal data, newest first."""
    from tierspayant.platform.audit import Channel

    context = open_context(settings_file, var_dir)
    try:
        entries = context.audit.entries(limit=limit, actor=actor, subject_contains=subject)
        context.audit.record("cli", Channel.CLI, "view", "audit log", role="administrator")
    finally:
        context.close()
    columns = ("at", "actor", "role", "channel", "action", "subject", "detail")
    rows = [(e.at.isoformat(timespec="seconds"), e.actor, e.role, e.channel, e.action, e.subject, e.detail)
            for e in entries]  # fmt: skip
    if as_json:
        print_json([dict(zip(columns, row, strict=True)) for row in rows])
    else:
        print_table("Audit log", columns, rows)


@app.command("backup")
def backup_command(
    destination: Path = typer.Argument(..., help="An empty folder (created) for the backup."),
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
) -> None:
    """Back up every party's database (SQLite online backup, or pg_dump) and the archive and mailboxes."""
    from tierspayant.platform.backup import BackupError, backup

    try:
        saved = backup(_settings(settings_file, var_dir), destination)
    except BackupError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    print(f"backed up {', '.join(saved)} and the archive into {destination}")


@app.command("restore")
def restore_command(
    source: Path = typer.Argument(..., help="A folder written by `tierspayant platform backup`."),
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
) -> None:
    """Restore a backup (stop the platform first): its files are checked against their SHA-256 first."""
    from tierspayant.platform.backup import BackupError, restore

    try:
        restored = restore(_settings(settings_file, var_dir), source)
    except BackupError as error:
        err_console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    print(f"restored {', '.join(restored)} and the archive from {source}")


proofs_app = typer.Typer(no_args_is_help=True, help="Archives of digital proofs: verify, export (art. 8).")
app.add_typer(proofs_app, name="proofs")
PROOFS_OPTION = typer.Option(
    None, "--archive", help="An archive of proofs (default: the fund's, <var-dir>/proofs/fund)."
)


@proofs_app.command("verify")
def proofs_verify(
    archive: Path | None = PROOFS_OPTION,
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
) -> None:
    """Check the register's hash chain and every kept file's SHA-256; exit 1 naming each problem."""
    from tierspayant.core.proofs import ProofArchive

    folder = archive or _settings(settings_file, var_dir).var_dir / "proofs" / "fund"
    problems = ProofArchive(folder).verify()
    for problem in problems:
        err_console.print(f"[red]{problem}[/red]")
    if problems:
        raise typer.Exit(1)
    count = sum(1 for _ in ProofArchive(folder).entries())
    print(f"{folder}: {count} entries, chain and files intact")


@proofs_app.command("export")
def proofs_export(
    destination: Path = typer.Argument(..., help="Folder for the copies and their register entries."),
    provider: str | None = typer.Option(None, "--provider", help="Only this provider's (mailbox) files."),
    patient: str | None = typer.Option(None, "--patient", help="Only files that mention this matricule or NISS."),
    archive: Path | None = PROOFS_OPTION,
    settings_file: Path | None = SETTINGS_OPTION,
    var_dir: Path | None = VAR_OPTION,
) -> None:
    """Export a provider's or a patient's files with their register entries."""
    from tierspayant.core.proofs import ProofArchive

    if provider is None and patient is None:
        err_console.print("[red]say whose files: --provider and/or --patient[/red]")
        raise typer.Exit(2)
    folder = archive or _settings(settings_file, var_dir).var_dir / "proofs" / "fund"
    chosen = ProofArchive(folder).export(destination, provider, patient)
    print(f"exported {len(chosen)} files into {destination}")
