"""The platform's parts opened once and shared by the SFTP server, the API, the pages and the worker."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tierspayant.platform.accounts import AccountStore, Principal, Role
from tierspayant.platform.audit import AuditLog, Channel
from tierspayant.platform.database import open_platform_store
from tierspayant.platform.deposits import DepositStore
from tierspayant.platform.settings import Settings
from tierspayant.platform.sftp.mailbox import (
    CompletedUpload,
    Mailbox,
    MailboxError,
    Mailboxes,
    Upload,
)
from tierspayant.platform.throttle import LoginThrottle, Throttled


@dataclass
class PlatformContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    accounts: AccountStore
    audit: AuditLog
    deposits: DepositStore
    mailboxes: Mailboxes
    # Set by the runner: wakes the worker as soon as a deposit is complete (thread-safe callable).
    on_deposit: Callable[[], None] = field(default=lambda: None)
    # Failed password logins per account name and per address (tests replace its clock).
    throttle: LoginThrottle = field(default_factory=LoginThrottle)

    @classmethod
    def open(cls, settings: Settings) -> PlatformContext:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        engine, sessions = open_platform_store(settings.url_for("platform"))
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            accounts=AccountStore(sessions),
            audit=AuditLog(sessions),
            deposits=DepositStore(sessions),
            mailboxes=Mailboxes(settings.mailbox_root),
        )

    def close(self) -> None:
        self.engine.dispose()

    def login(self, username: str, password: str, address: str | None, channel: Channel) -> Principal | None:
        """Check a password login through the throttle: the principal, None for a wrong name or password (audited),
        or :class:`~tierspayant.platform.throttle.Throttled` (audited, the password not even checked)."""
        name = username.strip()[:64] or "?"
        try:
            self.throttle.check(username, address)
        except Throttled as throttled:
            detail = f"{throttled.key} locked for {throttled.retry_after} s; from {address or 'unknown address'}"
            self.audit.record(name, channel, "login_throttled", channel.value, detail, role="unknown")
            raise
        principal = self.accounts.authenticate_password(username.strip(), password)
        if principal is None:
            self.throttle.failure(username, address)
            detail = f"from {address or 'unknown address'}"
            self.audit.record(name, channel, "login_refused", channel.value, detail, role="unknown")
            return None
        self.throttle.success(username)
        return principal

    # -- provider accounts and their mailboxes ----------------------------------------------------------------
    def create_provider(
        self, username: str, password: str, display_name: str, provider_code: str, public_keys: tuple[str, ...] = ()
    ) -> Principal:
        """A provider account with its mailbox and the default limits."""
        principal = self.accounts.create_account(username, password, Role.PROVIDER, display_name, provider_code)
        for line in public_keys:
            self.accounts.add_public_key(username, line)
        self.open_mailbox(provider_code)
        return principal

    def open_mailbox(self, provider_code: str) -> Mailbox:
        self.accounts.ensure_mailbox(provider_code, self.settings.mailbox_quota_bytes, self.settings.max_file_bytes)
        return self.mailboxes.ensure(provider_code)

    def limits(self, provider_code: str) -> tuple[int, int]:
        """(quota in bytes, largest file in bytes) of a mailbox."""
        return self.accounts.mailbox_limits(provider_code) or (
            self.settings.mailbox_quota_bytes,
            self.settings.max_file_bytes,
        )

    # -- deposits (one path for SFTP, API and web) ------------------------------------------------------------
    def begin_upload(self, provider_code: str, name: str) -> Upload:
        quota, max_file = self.limits(provider_code)
        return self.mailboxes.get(provider_code).begin_upload(name, quota, max_file)

    def complete_upload(self, upload: Upload, who: Principal, channel: Channel) -> tuple[CompletedUpload, int]:
        """Publish a finished upload in ``in/``, registered and audited first; wakes the worker."""
        deposit_ids: list[int] = []

        def register(completed: CompletedUpload) -> None:
            deposit_ids.append(self.deposits.record(completed, channel.value, who.username))

        completed = upload.commit(before_publish=register)
        self.audit.record(
            who,
            channel,
            "deposit",
            f"mailbox {completed.mailbox} in/{completed.name}",
            f"deposit {deposit_ids[0]}, {completed.size} bytes, sha256 {completed.sha256}",
        )
        self.on_deposit()
        return completed, deposit_ids[0]

    def deposit_bytes(self, who: Principal, provider_code: str, name: str, data: bytes, channel: Channel) -> int:
        """Deposit a whole file at once (web pages, small API uploads); returns the deposit id."""
        upload = self.begin_upload(provider_code, name)
        try:
            upload.write(0, data)
        except MailboxError:
            upload.abort()
            raise
        return self.complete_upload(upload, who, channel)[1]
