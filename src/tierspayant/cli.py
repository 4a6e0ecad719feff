"""The ``tierspayant`` command: the platform's groups (``id``, ``run``, ``platform``) and every registered
scheme's command groups (``kin``, ``fund``, ``practice``, ``be``…), as each scheme's registration declares them."""

from __future__ import annotations

import typer

from tierspayant.commands import ids, platform
from tierspayant.platform.schemes import registered_schemes

app = typer.Typer(
    name="tierspayant",
    help="Third-party payment (tiers payant) exchange between healthcare providers and health-insurance funds.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(ids.app, name="id", help="Check identifiers: LU matricule, provider and prescriber codes, BE NISS.")
for _scheme in registered_schemes():
    for _group in _scheme.command_groups:
        app.add_typer(_group.load(), name=_group.name, help=_group.help)
app.command(name="run", help="Start the platform (SFTP mailboxes, API, web) on embedded defaults.")(platform.run)
app.add_typer(platform.app, name="platform", help="The platform: SFTP mailbox server, API and web interface.")

if __name__ == "__main__":
    app()
