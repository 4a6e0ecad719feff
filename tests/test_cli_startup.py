"""``tierspayant --help`` stays light: the command line imports a scheme's group (and the engines, stores and data
libraries behind it) only when that group runs. Its start-up time is measured by ``make bench ONLY=startup``; this
test pins what makes it fast — which modules the bare command imports — not a duration."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from tierspayant.cli import app
from tierspayant.platform.schemes import registered_schemes

HEAVY = ("polars", "duckdb", "sqlalchemy", "alembic", "lxml", "pydantic", "reportlab", "pypdf", "fastapi", "asyncssh")


def test_help_imports_no_heavy_library() -> None:
    """``tierspayant --help`` (every scheme's registration read, no group loaded) imports none of them."""
    probe = (
        "import contextlib, io, sys\n"
        "from tierspayant.cli import app\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    app(['--help'])\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_help_lists_every_registered_group_and_a_group_still_runs() -> None:
    listing = CliRunner().invoke(app, ["--help"])
    assert listing.exit_code == 0, listing.output
    for scheme in registered_schemes():
        for group in scheme.command_groups:
            assert group.name in listing.output
    for name in ("id", "run", "platform"):
        assert name in listing.output
    kin = CliRunner().invoke(app, ["kin", "--help"])
    assert kin.exit_code == 0, kin.output
    assert "Luxembourg physiotherapy (KIN) files" in kin.output
    assert "--install-completion" not in kin.output
