"""A platform (store, mailboxes, KIN fund engine) in a folder, the same in the test process and in a killed child."""

from __future__ import annotations

from pathlib import Path

from tierspayant.platform.context import PlatformContext
from tierspayant.platform.settings import load_settings
from tierspayant.platform.worker import MailboxWorker
from tierspayant.schemes.be_nursing.platform.engine import RefacEngine, open_refac
from tierspayant.schemes.lu_kin.platform.engine import FundEngine, open_fund


def open_platform(root: Path, database_url: str) -> tuple[PlatformContext, FundEngine]:
    settings = load_settings(environ={}, var_dir=root / "var", database_url=database_url, demo=False)
    context = PlatformContext.open(settings)
    return context, open_fund(settings.url_for("fund"))


def run_worker_once(root: Path, database_url: str, engine: str = "kin") -> int:
    if engine == "refac":
        return run_refac_worker_once(root, database_url)
    context, fund = open_platform(root, database_url)
    try:
        return MailboxWorker(context, fund.processor).run_once()
    finally:
        fund.close()
        context.close()


def open_refac_platform(root: Path, database_url: str) -> tuple[PlatformContext, RefacEngine]:
    settings = load_settings(environ={}, var_dir=root / "var", database_url=database_url, demo=False)
    return PlatformContext.open(settings), open_refac(settings.url_for("mutuality"))


def run_refac_worker_once(root: Path, database_url: str) -> int:
    context, refac = open_refac_platform(root, database_url)
    try:
        return MailboxWorker(context, refac.process).run_once()
    finally:
        refac.service.close()
        context.close()
