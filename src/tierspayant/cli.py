"""The ``tierspayant`` command: the platform's groups (``id``, ``run``, ``platform``) and every registered
scheme's command groups (``kin``, ``fund``, ``practice``, ``be``…), as each scheme's registration declares them.

A scheme's group is imported only when it runs (or its own ``--help`` is asked): ``tierspayant --help`` lists the
groups from their registered help texts alone, without importing the engines, stores and data libraries behind them
(start-up measured by ``make bench ONLY=startup``; issue 12 wants < 0.5 s).
"""

from __future__ import annotations

from functools import cache

import typer
from typer import _click as click  # typer (≥ 0.26) carries its own click: its groups, contexts and formatters
from typer.core import TyperGroup

from tierspayant.commands import ids, platform
from tierspayant.platform.schemes import CommandGroup, registered_schemes


@cache
def _scheme_groups() -> dict[str, CommandGroup]:
    return {group.name: group for scheme in registered_schemes() for group in scheme.command_groups}


@cache
def _loaded(name: str) -> click.Command:
    group = _scheme_groups()[name]
    command = typer.main.get_group(group.load())
    command.name, command.help = name, group.help
    return command


class _LazySchemeGroups(TyperGroup):
    """The top-level group: scheme groups loaded on first use; listed (help) from their registration alone."""

    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        eager = super().list_commands(ctx)  # id, run, platform
        return [*(n for n in eager if n == "id"), *_scheme_groups(), *(n for n in eager if n != "id")]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _scheme_groups():
            return super().get_command(ctx, cmd_name)
        if self._listing:  # a stand-in that only shows the group's name and help
            return TyperGroup(name=cmd_name, help=_scheme_groups()[cmd_name].help)
        return _loaded(cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="tierspayant",
    help="Third-party payment (tiers payant) exchange between healthcare providers and health-insurance funds.",
    no_args_is_help=True,
    add_completion=False,
    cls=_LazySchemeGroups,
)
app.add_typer(ids.app, name="id", help="Check identifiers: LU matricule, provider and prescriber codes, BE NISS.")
app.command(name="run", help="Start the platform (SFTP mailboxes, API, web) on embedded defaults.")(platform.run)
app.add_typer(platform.app, name="platform", help="The platform: SFTP mailbox server, API and web interface.")

if __name__ == "__main__":
    app()
