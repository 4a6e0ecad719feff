"""Commands of the platform: ``tierspayant run`` starts everything on embedded defaults."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


def run() -> None:
    """Start the platform on embedded defaults (replaced by the platform capability)."""
    typer.echo("tierspayant: the platform is not built yet")
