"""A platform (store, mailboxes, KIN fund engine) in a folder, the same in the test process and in a killed child."""

from __future__ import annotations

from pathlib import Path

from tierspayant.platform.context import PlatformContext
from tierspayant.platform.settings import load_settings
from tierspayant.platform.worker import MailboxWorker
from tierspayant.schemes.lu_kin.platform.engine import FundEngine, open_fund


def open_platform(root: Path, database_url: str) -> tuple[PlatformContext, FundEngine]:
    settings = load_settings(environ={}, var_dir=root / "var", database_url=database_url, demo=False)
    context = PlatformContext.open(settings)
    return context, open_fund(settings.url_for("fund"))


def run_worker_once(root: Path, database_url: str) -> int:
    context, fund = open_platform(root, database_url)
    try:
        return MailboxWorker(context, fund.processor).run_once()
    finally:
        fund.close()
        context.close()
