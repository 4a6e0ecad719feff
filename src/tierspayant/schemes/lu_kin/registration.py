"""Luxembourg physiotherapy (KIN) on the platform: its file names, its fund engine (the CNS), the practice's
software with its pages, its command groups and its demo. The platform knows KIN only through :data:`SCHEME`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tierspayant.platform.schemes import AccountKind, CommandGroup, NavLink, Scheme, SchemeHost, SchemeRuntime

if TYPE_CHECKING:
    import typer

HERE = Path(__file__).parent


def recognises(file_name: str) -> bool:
    """KIN names carry the legal frame ``_KIN_`` (annex 02); a wrong part is then KIN's to refuse, with its reason."""
    return "_KIN_" in file_name.upper()


def start(host: SchemeHost) -> SchemeRuntime:
    from tierspayant.schemes.lu_kin.platform.runtime import start_kin

    return start_kin(host)


def _kin() -> typer.Typer:
    from tierspayant.schemes.lu_kin.commands.kin import app

    return app


def _fund() -> typer.Typer:
    from tierspayant.schemes.lu_kin.commands.fund import app

    return app


def _practice() -> typer.Typer:
    from tierspayant.schemes.lu_kin.commands.practice import app

    return app


SCHEME = Scheme(
    name="lu_kin",
    title="Luxembourg physiotherapy (KIN)",
    country="LU",
    languages=("fr", "de", "en"),
    account_kinds=(
        AccountKind("physiotherapist", "Masseur-kinésithérapeute"),
        AccountKind("association", "Association de kinésithérapeutes"),
        AccountKind("group", "Groupement à facturation commune"),
        AccountKind("fund_agent", "Agent de la CNS"),
    ),
    file_names="F{provider 8}{YYYY}{MM}_KIN_{DEMAUT|FAC}_{layout}_{YYYYMMDD}_{reference}.xml or .zip",
    recognises=recognises,
    start=start,
    command_groups=(
        CommandGroup("kin", "Luxembourg physiotherapy (KIN) files: validate, name, examples.", _kin),
        CommandGroup("fund", "The fund side (CNS engine): reference data, intake, decisions, returns.", _fund),
        CommandGroup("practice", "The physiotherapy practice: patients, requests, billing.", _practice),
    ),
    templates=HERE / "platform" / "templates",
    navigation=(
        *(
            NavLink(href, label, section)
            for href, label, section in (
                ("/practice", "Overview", "overview"),
                ("/practice/patients", "Patients", "patients"),
                ("/practice/prescriptions", "Prescriptions", "prescriptions"),
                ("/practice/requests", "Requests & titres", "requests"),
                ("/practice/sessions", "Sessions", "sessions"),
                ("/practice/billing", "Billing", "billing"),
                ("/practice/returns", "Returns", "returns"),
                ("/practice/reconciliation", "Reconciliation", "reconciliation"),
                ("/practice/documents", "Documents", "documents"),
                ("/practice/registrations", "Registrations", "registrations"),
            )
        ),
        NavLink("/fund/registrations", "Registrations", "registrations", "fund"),
    ),
)
