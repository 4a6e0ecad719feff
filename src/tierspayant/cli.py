"""The ``tierspayant`` command: one group per capability, each defined in ``tierspayant.commands``."""

from __future__ import annotations

import typer

from tierspayant.commands import be, fund, ids, kin, platform, practice

app = typer.Typer(
    name="tierspayant",
    help="Third-party payment (tiers payant) exchange between healthcare providers and health-insurance funds.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(ids.app, name="id", help="Check identifiers: LU matricule, provider and prescriber codes, BE NISS.")
app.add_typer(kin.app, name="kin", help="Luxembourg physiotherapy (KIN) files: validate, name, examples.")
app.add_typer(fund.app, name="fund", help="The fund side (CNS engine): reference data, intake, decisions, returns.")
app.add_typer(practice.app, name="practice", help="The physiotherapy practice: patients, requests, billing.")
app.add_typer(be.app, name="be", help="Belgian home nursing through MyCareNet eFact (nurse side and REFAC).")
app.command(name="run", help="Start the platform (SFTP mailboxes, API, web) on embedded defaults.")(platform.run)
app.add_typer(platform.app, name="platform", help="The platform: SFTP mailbox server, API and web interface.")

if __name__ == "__main__":
    app()
