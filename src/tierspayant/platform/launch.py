"""Everything ``tierspayant run`` starts, assembled from the settings: the platform store, the fund engine and its
mailbox worker, the practice's software with its SFTP link, the demo data, the web/API application."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from tierspayant.platform.app import create_app
from tierspayant.platform.context import PlatformContext
from tierspayant.platform.database import ensure_postgres_schema
from tierspayant.platform.demo import Demo, ensure_demo, practice_link_config
from tierspayant.platform.practice_desk import PracticeDesk
from tierspayant.platform.practice_link import MailboxClient, MailboxCredentials
from tierspayant.platform.processing import FundEngine, open_fund
from tierspayant.platform.runner import Addresses, PlatformServer, background_platform, serve_until_signal
from tierspayant.platform.settings import Settings
from tierspayant.platform.sftp.server import load_or_create_host_key
from tierspayant.practice.service import PracticeService


@dataclass
class Launch:
    settings: Settings
    context: PlatformContext
    practice: PracticeService
    desk: PracticeDesk
    fund: FundEngine
    app: FastAPI
    demo: Demo | None

    def connect_practice(self, addresses: Addresses) -> None:
        """Once the SFTP port is known: the practice's software gets its mailbox link (key auth, pinned host key)."""
        config = practice_link_config(self.settings.var_dir)
        if config is None:
            return
        host_key = load_or_create_host_key(self.settings.host_key_path)
        public = host_key.export_public_key("openssh").decode("ascii").strip()
        connect_host = "127.0.0.1" if addresses.sftp_host in ("0.0.0.0", "") else addresses.sftp_host
        self.desk.link = MailboxClient(
            MailboxCredentials(connect_host, addresses.sftp_port, config.username, Path(config.client_key), public)
        )

    def close(self) -> None:
        self.practice.close()
        self.fund.close()
        self.context.close()


def assemble(settings: Settings) -> Launch:
    ensure_postgres_schema(settings.url_for("fund"))
    ensure_postgres_schema(settings.url_for("practice"))
    context = PlatformContext.open(settings)
    practice = PracticeService(settings.url_for("practice"), settings.documents_dir / "practice")
    practice.init()
    fund = open_fund(settings.url_for("fund"))
    demo = ensure_demo(context, practice, fund.service) if settings.demo else None
    desk = PracticeDesk(practice, None)
    app = create_app(context, fund, desk)
    return Launch(settings, context, practice, desk, fund, app, demo)


def banner(launch: Launch, addresses: Addresses) -> list[str]:
    lines = [
        "",
        "tierspayant platform is running — stop it with Ctrl-C",
        f"  web and API   {addresses.base_url}/   (OpenAPI: {addresses.base_url}/api/openapi.json)",
        f"  SFTP mailbox  sftp -P {addresses.sftp_port} <user>@{addresses.sftp_host}",
        f"  data          {launch.settings.var_dir.resolve()}",
    ]
    if launch.demo is not None and launch.demo.accounts:
        lines += ["", "Demo accounts (username, password, who):", *launch.demo.lines()]
    lines.append("")
    return lines


def run_platform(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Start everything and serve until Ctrl-C (``make run``)."""
    launch = assemble(settings)

    def started(addresses: Addresses) -> None:
        launch.connect_practice(addresses)
        for line in banner(launch, addresses):
            echo(line)

    async def main() -> None:
        # The server's asyncio objects must be created on the running loop.
        live = PlatformServer(launch.context, launch.app, launch.fund.processor)
        await serve_until_signal(live, started)

    try:
        asyncio.run(main())
    finally:
        launch.close()
    echo("tierspayant platform stopped: uploads in progress were discarded, waiting deposits go at the next start")


@contextlib.contextmanager
def launched(settings: Settings) -> Iterator[tuple[Launch, Addresses]]:
    """The whole platform (demo included) in a background thread on the settings' ports (0: free ports)."""
    launch = assemble(settings)
    try:
        with background_platform(launch.context, launch.app, launch.fund.processor) as (_, addresses):
            launch.connect_practice(addresses)
            yield launch, addresses
    finally:
        launch.close()
