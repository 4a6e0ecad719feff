"""Backup and restore: after a restore into an empty place, the platform carries on where the backup was taken —
a FAC on the titres granted before the backup is paid, the DEMAUT sent again is a duplicate. SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tierspayant.cli import app
from tierspayant.platform.backup import BackupError, verify
from tierspayant.platform.deposits import DepositStatus

from .platform_run import open_platform, run_worker_once
from .test_crash_worker import DEMAUT_AT, FAC_AT, _demaut, _deposit, _granted_fac, platform_url  # noqa: F401


def _statuses(root: Path, url: str) -> list[DepositStatus]:
    context, fund = open_platform(root, url)
    try:
        return [d.status for d in reversed(context.deposits.list())]
    finally:
        fund.close()
        context.close()


def test_restore_then_carry_on(platform_url: str, tmp_path: Path) -> None:  # noqa: F811
    fac = _granted_fac(tmp_path, platform_url)  # the DEMAUT processed, its titres granted
    saved = tmp_path / "backup"
    runner = CliRunner()
    done = runner.invoke(app, ["platform", "backup", str(saved), "--var-dir", str(tmp_path / "var")],
                         env={"TIERSPAYANT_DATABASE_URL": platform_url})  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (saved / "archive").is_dir() and (saved / "manifest.json").exists()

    # Disaster: the var folder and the databases are lost.
    shutil.rmtree(tmp_path / "var")
    if platform_url.startswith("sqlite"):
        Path(platform_url.removeprefix("sqlite:///")).unlink()
    else:
        import psycopg

        schema = platform_url.rsplit("search_path%3D", 1)[1]
        with psycopg.connect(platform_url.split("?")[0].replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            conn.execute(f'DROP SCHEMA "{schema}_fund" CASCADE')

    done = runner.invoke(app, ["platform", "restore", str(saved), "--var-dir", str(tmp_path / "var")],
                         env={"TIERSPAYANT_DATABASE_URL": platform_url})  # fmt: skip
    assert done.exit_code == 0, done.output

    _deposit(tmp_path, platform_url, fac, FAC_AT)
    _deposit(tmp_path, platform_url, _demaut(), DEMAUT_AT)
    run_worker_once(tmp_path, platform_url)
    assert _statuses(tmp_path, platform_url) == [
        DepositStatus.ACCEPTED,  # the DEMAUT, before the backup
        DepositStatus.ACCEPTED,  # the FAC on its titres: paid
        DepositStatus.DUPLICATE,  # the DEMAUT again: known
    ]
    context, fund = open_platform(tmp_path, platform_url)
    try:
        assert [p.file_name for p in fund.service.payments_due(include_paid=True)] == [fac.name]
    finally:
        fund.close()
        context.close()


def test_an_altered_backup_is_not_restored(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'platform.db'}"
    _granted_fac(tmp_path, url)
    saved = tmp_path / "backup"
    from tierspayant.platform.backup import backup
    from tierspayant.platform.settings import load_settings

    settings = load_settings(environ={}, var_dir=tmp_path / "var", database_url=url, demo=False)
    assert backup(settings, saved) == ["platform", "fund"]
    verify(saved)
    archived = next(p for p in (saved / "archive").rglob("*") if p.is_file())
    archived.write_bytes(archived.read_bytes() + b" ")
    with pytest.raises(BackupError, match="altered"):
        verify(saved)
