"""Luxembourg doctors' device flat rates on the platform: DECLAPP and FACFORF in the doctors' mailboxes, the CNS
register and adjudication behind them, the doctors' and the CNS agent's pages (fr, de, en), the ``lu-doctors``
command group and a demo: a gynaecologist's ultrasound scanner shared by two doctors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from tierspayant.platform.schemes import AccountKind, CommandGroup, Scheme

if TYPE_CHECKING:
    import typer

    from tierspayant.platform.schemes import SchemeHost, SchemeRuntime

HERE = Path(__file__).parent
PATTERN = "F{provider 8}{YYYY}{MM}_MED_{DECLAPP|FACFORF}_01_{YYYYMMDD}_{reference}.{zip|xml}"
_OURS = re.compile(r"F[^_]{8}[0-9]{6}_MED_")


def recognises(name: str) -> bool:
    """A deposit whose name starts like a doctors' device file (a wrong part is then ours to explain)."""
    return bool(_OURS.match(name))


def start(host: SchemeHost) -> SchemeRuntime:
    from tierspayant.schemes.lu_doctors.platform.runtime import start_lu_doctors

    return start_lu_doctors(host)


def _digital_commands() -> typer.Typer:
    from tierspayant.schemes.lu_doctors.commands.digital import app

    return app


def _commands() -> typer.Typer:
    from tierspayant.schemes.lu_doctors.commands import app

    return app


SCHEME = Scheme(
    name="lu_doctors",
    title="Luxembourg doctors — device register and device-usage flat rates",
    country="LU",
    languages=("fr", "de", "en"),
    account_kinds=(
        AccountKind("doctor", "Médecin / Arzt / Doctor"),
        AccountKind("association", "Association de médecins / Ärztegemeinschaft / Association of doctors"),
        AccountKind("cns_agent", "Agent CNS (appareils) / CNS-Sachbearbeiter (Geräte) / CNS agent (devices)"),
    ),
    file_names=PATTERN,
    recognises=recognises,
    start=start,
    command_groups=(
        CommandGroup("lu-doctors", "Luxembourg doctors: device register and device-usage flat rates.", _commands),
        CommandGroup(
            "lu-doctors-digital",
            "Luxembourg doctors' digital fee notes: verify a QR code, keys, eDocuments.",
            _digital_commands,
        ),
    ),
    templates=HERE / "platform" / "templates",
)
