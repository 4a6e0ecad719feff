"""KIN started on the platform: the CNS engine behind the mailboxes, the practice's software (its store, its
outbox and its SFTP link to its own mailbox) with its pages, and the demo practice."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tierspayant.core.proofs import ProofArchive
from tierspayant.platform.practice_link import MailboxClient, MailboxCredentials
from tierspayant.platform.runner import Addresses
from tierspayant.platform.schemes import SchemeHost, SchemeRuntime
from tierspayant.platform.sftp.server import load_or_create_host_key
from tierspayant.schemes.lu_kin.platform import (
    document_language_pages,
    pages,
    paper_titre_pages,
    registration_pages,
)
from tierspayant.schemes.lu_kin.platform.demo import Demo, ensure_demo, practice_link_config
from tierspayant.schemes.lu_kin.platform.desk import PracticeDesk
from tierspayant.schemes.lu_kin.platform.engine import FundEngine, open_fund
from tierspayant.schemes.lu_kin.platform.registration_desk import RegistrationDesk
from tierspayant.schemes.lu_kin.practice.service import PracticeService


@dataclass
class KinRuntime(SchemeRuntime):
    """The running KIN parts, reachable by tests and benchmarks as ``launch.scheme("lu_kin")``."""

    fund: FundEngine | None = None
    practice: PracticeService | None = None
    desk: PracticeDesk | None = None
    demo: Demo | None = None
    registrations: RegistrationDesk | None = None


def start_kin(host: SchemeHost) -> KinRuntime:
    settings = host.settings
    practice = PracticeService(host.database_url("practice"), settings.documents_dir / "practice")
    practice.init()
    fund = open_fund(host.database_url("fund"))
    demo = ensure_demo(host.context, practice, fund.service) if settings.demo else None
    desk = PracticeDesk(practice, None)
    registrations = RegistrationDesk(host.context, fund.service)

    def connect_practice(addresses: Addresses) -> None:
        """Once the SFTP port is known: the practice's software gets its mailbox link (key auth, pinned host key)."""
        config = practice_link_config(settings.var_dir)
        if config is None:
            return
        public = load_or_create_host_key(settings.host_key_path).export_public_key("openssh").decode("ascii")
        connect_host = "127.0.0.1" if addresses.sftp_host in ("0.0.0.0", "") else addresses.sftp_host
        desk.link = MailboxClient(
            MailboxCredentials(
                connect_host, addresses.sftp_port, config.username, Path(config.client_key), public.strip()
            ),
            ProofArchive(settings.var_dir / "proofs" / "practice"),  # the provider's end of the proofs (art. 8)
        )

    def close() -> None:
        practice.close()
        fund.close()

    return KinRuntime(
        engine=fund,
        routers=[
            pages.router,
            paper_titre_pages.router,
            document_language_pages.router,
            registration_pages.fund_router,
            registration_pages.practice_router,
        ],
        app_state={"practice_desk": desk, "kin_registrations": registrations},
        demo_lines=[] if demo is None or not demo.accounts else demo.lines(),
        on_started=connect_practice,
        close=close,
        fund=fund,
        practice=practice,
        desk=desk,
        demo=demo,
        registrations=registrations,
    )
