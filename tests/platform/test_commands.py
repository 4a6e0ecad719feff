"""``tierspayant run --help`` and the ``tierspayant platform`` commands, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tierspayant.cli import app

from .conftest import make_key

runner = CliRunner()


def test_run_help_names_the_defaults() -> None:
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    for option in ("--port", "--sftp-port", "--var-dir", "--no-demo", "--settings"):
        assert option in result.output


def test_bad_setting_stops_with_a_finding(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--var-dir", str(tmp_path)], env={"TIERSPAYANT_HTTP_PORT": "eighty"})
    assert result.exit_code == 2
    assert "PLT-SETTINGS" in result.output and "TIERSPAYANT_HTTP_PORT" in result.output


def test_accounts_keys_delegations_tokens_and_audit(tmp_path: Path) -> None:
    var = ["--var-dir", str(tmp_path / "var")]
    added = runner.invoke(
        app,
        ["platform", "account", "add", "marie", "--role", "provider", "--name", "Marie", "--provider-code",
         "70023456", *var],
        input="marie-secret-1\nmarie-secret-1\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert (tmp_path / "var" / "mailboxes" / "70023456" / "in").is_dir()
    helper = runner.invoke(
        app, ["platform", "account", "add", "anne", "--role", "assistant", "--name", "Anne", *var],
        input="anne-secret-1\nanne-secret-1\n",
    )  # fmt: skip
    assert helper.exit_code == 0, helper.output
    delegated = runner.invoke(
        app, ["platform", "account", "delegate", "anne", "70023456", "--right", "read", "--right", "prepare", *var]
    )
    assert delegated.exit_code == 0 and "prepare" in delegated.output
    key = make_key(tmp_path, "id_marie")
    accepted = runner.invoke(app, ["platform", "account", "key", "marie", f"{key.private_path}.pub", *var])
    assert accepted.exit_code == 0 and "SHA256:" in accepted.output
    token = runner.invoke(app, ["platform", "account", "token", "marie", "--days", "1", *var])
    assert token.exit_code == 0 and token.output.strip().startswith("tp_")
    listed = runner.invoke(app, ["platform", "account", "list", "--json", *var])
    accounts = {a["username"]: a for a in json.loads(listed.output)}
    assert accounts["marie"]["provider_code"] == "70023456"
    assert accounts["anne"]["delegations"] == "70023456: prepare,read"
    refused = runner.invoke(
        app, ["platform", "account", "add", "Bad Name", "--role", "fund_agent", "--name", "x", *var],
        input="long-enough-1\nlong-enough-1\n",
    )  # fmt: skip
    assert refused.exit_code == 2
    audit = runner.invoke(app, ["platform", "audit", "--json", *var])
    assert audit.exit_code == 0
    assert isinstance(json.loads(audit.output), list)
